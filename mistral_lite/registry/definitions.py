"""What workflow, action and workbook definitions have in common: scope, lookup, rows."""

from __future__ import annotations

import hashlib
from typing import Any

from mistral_lite.errors import Conflict, InvalidInput
from mistral_lite.lang.documents import UUID_RE, ActionSource, WorkflowSource
from mistral_lite.lang.inputs import signature
from mistral_lite.node import DEFAULT_PROJECT, Node
from mistral_lite.store import queries

SCOPES = ("private", "public")
WORKFLOWS = "workflow_definitions"
ACTIONS = "action_definitions"
WORKBOOKS = "workbooks"
# How Mistral names each table in its duplicate-entry message.
MODEL_NAMES = {WORKFLOWS: "WorkflowDefinition", ACTIONS: "Action", WORKBOOKS: "Workbook"}


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise InvalidInput(f"Invalid scope '{scope}': must be one of {', '.join(SCOPES)}")
    return scope


def duplicate(table: str, name: str, namespace: str) -> Conflict:
    return Conflict(
        f"Duplicate entry for {MODEL_NAMES[table]} ['name', 'namespace', 'project_id']: {name}, {namespace}, None"
    )


def find(conn, catalog, table: str, identifier: str, namespace: str) -> dict[str, Any] | None:
    """A definition by id, or by name within the namespace."""
    if UUID_RE.match(identifier):
        row = queries.get_row(conn, catalog, table, identifier)
        if row is not None:
            return row
    return queries.find_row(conn, catalog, table, {"name": identifier, "namespace": namespace})


def rows_by_name(conn, catalog, table: str, names: list[str], namespace: str) -> dict[str, dict[str, Any]]:
    """Existing rows of the given names in the namespace."""
    found = queries.list_page(
        conn, catalog, table,
        queries.PageQuery(filters=(queries.Filter("name", "in", names), queries.Filter("namespace", "eq", namespace))),
    )
    return {row["name"]: row for row in found}


def checksum(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def workflow_values(source: WorkflowSource, scope: str) -> dict[str, Any]:
    return {
        "definition": source.definition,
        "spec": source.raw,
        "checksum": checksum(source.definition),
        "tags": list(source.spec.tags),
        "scope": scope,
    }


def action_values(source: ActionSource, scope: str) -> dict[str, Any]:
    return {
        "definition": source.definition,
        "spec": source.raw,
        "description": source.spec.description,
        "input": signature(source.spec.input),
        "tags": list(source.spec.tags),
        "scope": scope,
    }


def new_row(node: Node, name: str, namespace: str, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": node.new_id(),
        "name": name,
        "namespace": namespace,
        "project_id": DEFAULT_PROJECT,
        "created_at": node.now(),
        "updated_at": None,
        **values,
        **extra,
    }
