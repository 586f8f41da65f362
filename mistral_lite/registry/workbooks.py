"""Workbooks: a named bundle of workflows and actions, saved as `<workbook>.<item>`."""

from __future__ import annotations

from typing import Any

from mistral_lite.errors import Conflict, NotFound
from mistral_lite.lang.documents import WorkbookSource, parse_workbook, remember_specs
from mistral_lite.node import Node
from mistral_lite.registry.definitions import (
    ACTIONS,
    WORKBOOKS,
    WORKFLOWS,
    action_values,
    check_scope,
    duplicate,
    new_row,
    parse_document,
    rows_by_name,
    workflow_values,
)
from mistral_lite import commands as cmd
from mistral_lite.store import queries
from mistral_lite.commands import Command

TABLE = WORKBOOKS


def not_found(name: str, namespace: str) -> NotFound:
    return NotFound(f"Workbook not found [name={name}, namespace={namespace}]")


async def get(node: Node, name: str, namespace: str = "") -> dict[str, Any]:
    row = await node.read(queries.find_row, TABLE, {"name": name, "namespace": namespace})
    if row is None:
        raise not_found(name, namespace)
    return row


def _workbook_values(source: WorkbookSource, scope: str) -> dict[str, Any]:
    return {"definition": source.definition, "spec": source.raw, "tags": list(source.spec.tags), "scope": scope}


def _item_commands(conn, catalog, node: Node, source: WorkbookSource, namespace: str, scope: str, now: str) -> list[Command]:
    """Insert each item, or update it if this workbook saved it before; anything else of that name conflicts."""
    commands: list[Command] = []
    for table, items, values in (
        (WORKFLOWS, source.workflows, workflow_values),
        (ACTIONS, source.actions, action_values),
    ):
        existing = rows_by_name(conn, catalog, table, [i.name for i in items], namespace)
        for item in items:
            current = existing.get(item.name)
            if current is None:
                row = new_row(node, item.name, namespace, values(item, scope), workbook_name=source.name, is_system=False)
                row["created_at"] = now
                commands.append(cmd.insert(table, row))
            elif current.get("workbook_name") == source.name:
                commands.append(cmd.update(table, current["id"], {**values(item, scope), "updated_at": now}))
            else:
                raise duplicate(table, item.name, namespace)
    return commands


async def create(node: Node, text: str, namespace: str = "", scope: str = "private") -> dict[str, Any]:
    check_scope(scope)
    source = await _parse(node, text)
    if await node.read(queries.find_row, TABLE, {"name": source.name, "namespace": namespace}):
        raise duplicate(TABLE, source.name, namespace)
    now = node.now()
    items = await node.read(_item_commands, node, source, namespace, scope, now)
    row = new_row(node, source.name, namespace, _workbook_values(source, scope))
    row["created_at"] = now
    try:
        await node.submit([cmd.insert(TABLE, row), *items])
    except Conflict:
        raise duplicate(TABLE, source.name, namespace) from None
    return row


async def update(node: Node, text: str, namespace: str = "", scope: str = "private") -> dict[str, Any]:
    """Replace the workbook and upsert its items (items no longer listed are kept, as in Mistral)."""
    check_scope(scope)
    source = await _parse(node, text)
    current = await get(node, source.name, namespace)
    now = node.now()
    items = await node.read(_item_commands, node, source, namespace, scope, now)
    values = {**_workbook_values(source, scope), "updated_at": now}
    await node.submit([cmd.update(TABLE, current["id"], values), *items])
    return {**current, **values}


async def _parse(node: Node, text: str) -> WorkbookSource:
    source = (await parse_document(node, parse_workbook, text))[0]
    remember_specs(source.workflows)
    return source


async def delete(node: Node, name: str, namespace: str = "") -> None:
    """Delete the workbook together with the workflows and actions it created."""
    current = await node.read(queries.find_row, TABLE, {"name": name, "namespace": namespace})
    if current is None:  # Mistral's delete names the key differently from its get
        raise NotFound(f"Workbook not found [workbook_name={name}, namespace={namespace}]")
    await node.submit([
        cmd.delete(TABLE, current["id"]),
        cmd.delete_where(WORKFLOWS, {"workbook_name": name, "namespace": namespace}),
        cmd.delete_where(ACTIONS, {"workbook_name": name, "namespace": namespace}),
    ])
