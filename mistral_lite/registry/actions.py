"""Action definitions: the built-in std.* actions plus ad-hoc actions users upload."""

from __future__ import annotations

from typing import Any, Mapping

from mistral_lite.actions.system import SYSTEM_ACTIONS, SystemAction
from mistral_lite.errors import Conflict, InvalidInput, NotFound
from mistral_lite.lang.documents import parse_actions
from mistral_lite.node import Node
from mistral_lite.registry.definitions import (
    ACTIONS,
    action_values,
    check_scope,
    find,
    insert_all,
    parse_document,
    update_all,
)
from mistral_lite import commands as cmd
from mistral_lite.store import queries

TABLE = ACTIONS


def not_found(name: str, namespace: str) -> NotFound:
    return NotFound(f"Action not found [name={name}, namespace={namespace}]")


async def get(node: Node, identifier: str, namespace: str = "",
              builtins: Mapping[str, SystemAction] = SYSTEM_ACTIONS,
              by_id: bool = True) -> dict[str, Any] | SystemAction:
    """An ad-hoc action row (by id or name in the namespace), else a built-in (std.* or Python) action.

    by_id=False: by name only, as Mistral's GET /v2/actions/{name} looks actions up."""
    row = await node.read(find, TABLE, identifier, namespace)
    if row is not None and (by_id or row["name"] == identifier):
        return row
    if identifier in builtins:
        return builtins[identifier]
    raise not_found(identifier, namespace)


async def list_all(node: Node, builtins: Mapping[str, SystemAction] = SYSTEM_ACTIONS,
                   ) -> tuple[list[dict[str, Any]], list[SystemAction]]:
    rows = await node.read(queries.list_page, TABLE, queries.PageQuery(sort_keys=("name",)))
    return rows, list(builtins.values())


def _check_not_system(names: list[str]) -> None:
    clash = [n for n in names if n in SYSTEM_ACTIONS]
    if clash:
        raise Conflict(f"Action '{clash[0]}' is a system action and cannot be defined or changed")


async def create(node: Node, text: str, namespace: str = "", scope: str = "private") -> list[dict[str, Any]]:
    """Create every action of the document, all or none."""
    check_scope(scope)
    sources = (await parse_document(node, parse_actions, text))[0]
    _check_not_system([s.name for s in sources])
    return await insert_all(node, TABLE, sources, namespace, lambda s: action_values(s, scope))


async def update(
    node: Node, text: str, namespace: str = "", scope: str = "private", identifier: str | None = None
) -> list[dict[str, Any]]:
    check_scope(scope)
    sources = (await parse_document(node, parse_actions, text))[0]
    _check_not_system([s.name for s in sources])
    return await update_all(node, TABLE, sources, namespace, lambda s: action_values(s, scope), identifier,
                            not_found)


async def delete(node: Node, identifier: str, namespace: str = "") -> None:
    if identifier in SYSTEM_ACTIONS:
        raise InvalidInput(f"Attempt to delete a system action: {identifier}")
    row = await node.read(find, TABLE, identifier, namespace)
    if row is None:
        raise NotFound(f"Action definition not found [action_name={identifier}, namespace={namespace}]")
    await node.submit([cmd.delete(TABLE, row["id"])])
