"""Workflow definitions: create, update, delete, look up. Writes go through the log."""

from __future__ import annotations

from typing import Any

from mistral_lite.errors import Conflict, InvalidInput, NotFound
from mistral_lite.lang.documents import parse_workflows
from mistral_lite.node import Node
from mistral_lite.registry.definitions import (
    WORKFLOWS,
    check_scope,
    duplicate,
    find,
    new_row,
    rows_by_name,
    workflow_values,
)
from mistral_lite.store import commands as cmd
from mistral_lite.store import queries

TABLE = WORKFLOWS


def not_found(identifier: str, namespace: str) -> NotFound:
    return NotFound(f"Workflow not found [workflow_identifier={identifier}, namespace={namespace}]")


async def get(node: Node, identifier: str, namespace: str = "") -> dict[str, Any]:
    """By id, or by name within the namespace."""
    row = await node.read(find, TABLE, identifier, namespace)
    if row is None:
        raise not_found(identifier, namespace)
    return row


async def create(node: Node, text: str, namespace: str = "", scope: str = "private") -> list[dict[str, Any]]:
    """Create every workflow of the document, all or none."""
    check_scope(scope)
    sources = parse_workflows(text)
    existing = await node.read(rows_by_name, TABLE, [s.name for s in sources], namespace)
    if existing:
        raise duplicate(TABLE, next(iter(existing)), namespace)
    rows = [new_row(node, s.name, namespace, workflow_values(s, scope), is_system=False) for s in sources]
    try:
        await node.submit([cmd.insert(TABLE, row) for row in rows])
    except Conflict:  # created concurrently by another request
        raise duplicate(TABLE, sources[0].name, namespace) from None
    return rows


async def update(
    node: Node, text: str, namespace: str = "", scope: str = "private", identifier: str | None = None
) -> list[dict[str, Any]]:
    """Replace the definitions of existing workflows (matched by name, or the one id given)."""
    check_scope(scope)
    sources = parse_workflows(text)
    if identifier is not None and len(sources) != 1:
        raise InvalidInput(f"Only one workflow must be in the definition when updating by id; found {len(sources)}")
    now = node.now()
    changes, updated = [], []
    for source in sources:
        current = await get(node, identifier or source.name, namespace)
        values = {**workflow_values(source, scope), "name": source.name, "updated_at": now}
        changes.append(cmd.update(TABLE, current["id"], values))
        updated.append({**current, **values})
    await node.submit(changes)
    return updated


async def delete(node: Node, identifier: str, namespace: str = "") -> None:
    row = await get(node, identifier, namespace)
    triggers = await node.read(_trigger_names, row)
    if triggers:
        raise InvalidInput(
            f"Can't delete workflow that has cron triggers associated. [workflow_identifier={identifier}, "
            f"cron_triggers={triggers}]"
        )
    await node.submit([cmd.delete(TABLE, row["id"])])


def _trigger_names(conn, catalog, row: dict[str, Any]) -> list[str]:
    return [t["name"] for t in queries.find_rows(conn, catalog, "cron_triggers", {"workflow_id": row["id"]})]
