"""Workflow definitions: create, update, delete, look up. Writes go through the log."""

from __future__ import annotations

import hashlib
from typing import Any

from mistral_lite.errors import InvalidInput, NotFound
from mistral_lite.errors import Conflict
from mistral_lite.lang.documents import UUID_RE, WorkflowSource, parse_workflows
from mistral_lite.node import DEFAULT_PROJECT, Node
from mistral_lite.store import commands as cmd
from mistral_lite.store import queries

TABLE = "workflow_definitions"
SCOPES = ("private", "public")


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise InvalidInput(f"Invalid scope '{scope}': must be one of {', '.join(SCOPES)}")
    return scope


def not_found(identifier: str, namespace: str) -> NotFound:
    return NotFound(f"Workflow not found [workflow_identifier={identifier}, namespace={namespace}]")


def _find(conn, catalog, identifier: str, namespace: str) -> dict[str, Any] | None:
    if UUID_RE.match(identifier):
        row = queries.get_row(conn, catalog, TABLE, identifier)
        if row is not None:
            return row
    return queries.find_row(conn, catalog, TABLE, {"name": identifier, "namespace": namespace})


async def get(node: Node, identifier: str, namespace: str = "") -> dict[str, Any]:
    """By id, or by name within the namespace."""
    row = await node.reader.run(_find, identifier, namespace)
    if row is None:
        raise not_found(identifier, namespace)
    return row


def _row_values(wf: WorkflowSource, scope: str) -> dict[str, Any]:
    return {
        "definition": wf.definition,
        "spec": wf.raw,
        "checksum": hashlib.md5(wf.definition.encode("utf-8")).hexdigest(),
        "tags": list(wf.spec.tags),
        "scope": scope,
    }


def _duplicate(name: str, namespace: str) -> Conflict:
    return Conflict(
        f"Duplicate entry for WorkflowDefinition ['name', 'namespace', 'project_id']: {name}, {namespace}, None"
    )


async def create(node: Node, text: str, namespace: str = "", scope: str = "private") -> list[dict[str, Any]]:
    """Create every workflow of the document, all or none."""
    check_scope(scope)
    workflows = parse_workflows(text)
    names = [wf.name for wf in workflows]
    existing = await node.reader.run(_existing_names, names, namespace)
    if existing:
        raise _duplicate(existing[0], namespace)
    now = node.now()
    rows = [
        {
            "id": node.new_id(),
            "name": wf.name,
            "namespace": namespace,
            "project_id": DEFAULT_PROJECT,
            "is_system": False,
            "created_at": now,
            "updated_at": None,
            **_row_values(wf, scope),
        }
        for wf in workflows
    ]
    try:
        await node.submit([cmd.insert(TABLE, row) for row in rows])
    except Conflict:  # created concurrently by another request
        raise _duplicate(names[0], namespace) from None
    return rows


def _existing_names(conn, catalog, names: list[str], namespace: str) -> list[str]:
    return [n for n in names if queries.find_row(conn, catalog, TABLE, {"name": n, "namespace": namespace})]


async def update(node: Node, text: str, namespace: str = "", scope: str = "private", identifier: str | None = None) -> list[dict[str, Any]]:
    """Replace the definitions of existing workflows (matched by name, or the one id given)."""
    check_scope(scope)
    workflows = parse_workflows(text)
    if identifier is not None and len(workflows) != 1:
        raise InvalidInput(
            f"Only one workflow must be in the definition when updating by id; found {len(workflows)}"
        )
    now = node.now()
    changes, updated = [], []
    for wf in workflows:
        current = await get(node, identifier or wf.name, namespace)
        values = {**_row_values(wf, scope), "name": wf.name, "updated_at": now}
        changes.append(cmd.update(TABLE, current["id"], values))
        updated.append({**current, **values})
    await node.submit(changes)
    return updated


async def delete(node: Node, identifier: str, namespace: str = "") -> None:
    row = await get(node, identifier, namespace)
    triggers = await node.reader.run(_trigger_names, row)
    if triggers:
        raise InvalidInput(
            f"Can't delete workflow that has cron triggers associated. [workflow_identifier={identifier}, "
            f"cron_triggers={triggers}]"
        )
    await node.submit([cmd.delete(TABLE, row["id"])])


def _trigger_names(conn, catalog, row: dict[str, Any]) -> list[str]:
    by_id = queries.find_rows(conn, catalog, "cron_triggers", {"workflow_id": row["id"]})
    return [t["name"] for t in by_id]
