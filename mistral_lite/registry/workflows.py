"""Workflow definitions: create, update, delete, look up. Writes go through the log."""

from __future__ import annotations

from typing import Any

from mistral_lite.errors import InvalidInput, NotFound
from mistral_lite.lang.documents import WorkflowSource, parse_workflows, remember_specs
from mistral_lite.node import Node
from mistral_lite.registry.event_triggers import ids_for_workflow as event_trigger_ids
from mistral_lite.registry.definitions import (
    WORKFLOWS,
    check_scope,
    find,
    insert_all,
    parse_document,
    update_all,
    workflow_values,
)
from mistral_lite import commands as cmd
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
    return await insert_all(node, TABLE, await _parse(node, text), namespace, lambda s: workflow_values(s, scope))


async def update(
    node: Node, text: str, namespace: str = "", scope: str = "private", identifier: str | None = None
) -> list[dict[str, Any]]:
    """Replace the definitions of existing workflows (matched by name, or the one id given)."""
    check_scope(scope)
    return await update_all(node, TABLE, await _parse(node, text), namespace, lambda s: workflow_values(s, scope),
                            identifier, not_found)


async def _parse(node: Node, text: str) -> list[WorkflowSource]:
    sources = (await parse_document(node, parse_workflows, text))[0]
    remember_specs(sources)
    return sources


async def delete(node: Node, identifier: str, namespace: str = "") -> None:
    row = await get(node, identifier, namespace)
    triggers = await node.read(_trigger_names, row)
    if triggers:
        raise InvalidInput(
            f"Can't delete workflow that has cron triggers associated. [workflow_identifier={identifier}, "
            f"cron_triggers={triggers}]"
        )
    event_triggers = await node.read(event_trigger_ids, row["id"])
    if event_triggers:
        raise InvalidInput(
            f"Can't delete workflow that has event triggers associated. [workflow_identifier={identifier}], "
            f"[event_trigger_id(s)={', '.join(event_triggers)}]"
        )
    await node.submit([cmd.delete(TABLE, row["id"])])


def _trigger_names(conn, catalog, row: dict[str, Any]) -> list[str]:
    return [t["name"] for t in queries.find_rows(conn, catalog, "cron_triggers", {"workflow_id": row["id"]})]
