"""Event triggers: start a workflow when an event (exchange, topic, event) arrives. Writes go through the log.

The rules and texts are Mistral 23's: exchange, topic and event are fixed once
created, and one project has at most one trigger per (exchange, topic, event,
workflow).
"""

from __future__ import annotations

from typing import Any, Mapping

from mistral_lite import commands as cmd
from mistral_lite.errors import Conflict, Forbidden, InvalidInput, NotFound
from mistral_lite.lang.documents import workflow_spec
from mistral_lite.lang.inputs import InputMismatch, check_supplied
from mistral_lite.node import Node
from mistral_lite.project import DEFAULT_PROJECT
from mistral_lite.registry.definitions import WORKFLOWS, insert_new
from mistral_lite.store import queries

TABLE = "event_triggers"
# Mistral names the set in its message; this is the order its 23.0.0 prints it in.
MANDATORY = ("event", "topic", "exchange", "workflow_id")
FIXED = ("exchange", "topic", "event")
SCOPES = ("private", "public")
# A workflow input of this name receives the event at each firing (unless the trigger's workflow_input sets it).
EVENT_INPUT = "event"


def not_found(trigger_id: str) -> NotFound:
    return NotFound(f"Event trigger not found [id={trigger_id}].")


def duplicate(row: Mapping[str, Any]) -> Conflict:
    return Conflict(
        "Duplicate entry for EventTrigger ['exchange', 'topic', 'event', 'workflow_id', 'project_id']: "
        f"{row['exchange']}, {row['topic']}, {row['event']}, {row['workflow_id']}, None"
    )


def check_scope(scope: str | None) -> str:
    """private, or public, which needs an authenticated admin Mistral does not have without authentication."""
    scope = scope or "private"
    if scope not in SCOPES:
        raise InvalidInput(
            f"Invalid input for field/attribute scope. Value: '{scope}'. Value should be one of: {', '.join(SCOPES)}"
        )
    if scope == "public":
        raise Forbidden()
    return scope


async def get(node: Node, trigger_id: str) -> dict[str, Any]:
    row = await node.read(queries.get_row, TABLE, trigger_id)
    if row is None:
        raise not_found(trigger_id)
    return row


async def _workflow(node: Node, workflow_id: str, wf_input: Mapping[str, Any]) -> dict[str, Any]:
    """The workflow a trigger starts, with the trigger's input checked against what it declares."""
    definition = await node.read(queries.get_row, WORKFLOWS, workflow_id)
    if definition is None:
        raise NotFound(f"Workflow not found [workflow_id={workflow_id}]")
    spec = workflow_spec(definition["name"], definition["spec"])
    if any(p.name == EVENT_INPUT for p in spec.input):
        wf_input = {EVENT_INPUT: None, **wf_input}  # each firing supplies it
    try:
        check_supplied(spec.input, wf_input, definition["name"], f"{spec.type.capitalize()}WorkflowSpec")
    except InputMismatch as e:
        raise InvalidInput(str(e)) from None
    return definition


async def create(node: Node, body: Mapping[str, Any]) -> dict[str, Any]:
    """body: checked fields (strings, objects); missing or empty mandatory ones are refused as Mistral does."""
    if any(not body.get(key) for key in MANDATORY):
        raise InvalidInput(
            "Params {" + ", ".join(f"'{k}'" for k in MANDATORY) + "} must be provided for creating event trigger."
        )
    scope = check_scope(body.get("scope"))
    wf_input = dict(body.get("workflow_input") or {})
    definition = await _workflow(node, body["workflow_id"], wf_input)
    row = {
        "id": node.new_id(),
        "name": body.get("name") or "",
        "workflow_id": definition["id"],
        "workflow_name": definition["name"],
        "workflow_namespace": definition.get("namespace") or "",
        "workflow_input": wf_input,
        "workflow_params": dict(body.get("workflow_params") or {}),
        "exchange": body["exchange"],
        "topic": body["topic"],
        "event": body["event"],
        "scope": scope,
        "project_id": DEFAULT_PROJECT,
        "created_at": node.now(),
        "updated_at": None,
    }
    return await insert_new(node, TABLE, row, duplicate(row))


async def update(node: Node, trigger_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Change the name, scope, workflow or its input and params; exchange, topic and event stay."""
    if any(body.get(key) for key in FIXED):
        raise InvalidInput(f"Can not update fields {list(FIXED)} of event trigger.")
    if "scope" in body:
        check_scope(body["scope"])
    row = await get(node, trigger_id)
    values: dict[str, Any] = {"name": body["name"] or ""} if "name" in body else {}
    for key in ("workflow_input", "workflow_params"):
        if key in body:
            values[key] = dict(body[key] or {})
    workflow_id = body.get("workflow_id") or row["workflow_id"]
    if "workflow_id" in body or "workflow_input" in body:
        definition = await _workflow(node, workflow_id, values.get("workflow_input", row.get("workflow_input") or {}))
        values.update(workflow_id=definition["id"], workflow_name=definition["name"],
                      workflow_namespace=definition.get("namespace") or "")
    values["updated_at"] = node.now()
    updated = {**row, **values}
    try:
        await node.submit([cmd.update(TABLE, row["id"], values)])
    except Conflict:
        raise duplicate(updated) from None
    return updated


async def delete(node: Node, trigger_id: str) -> None:
    row = await get(node, trigger_id)
    await node.submit([cmd.delete(TABLE, row["id"])])


def matching(conn, catalog, exchange: str, topic: str, event: str) -> list[dict[str, Any]]:
    """The triggers an event starts, oldest first (a read function for Node.read)."""
    return queries.find_rows(conn, catalog, TABLE, {"exchange": exchange, "topic": topic, "event": event})


def ids_for_workflow(conn, catalog, workflow_id: str) -> list[str]:
    """Ids of the triggers that start a workflow, sorted as Mistral lists them in its refusal to delete it."""
    return sorted(t["id"] for t in queries.find_rows(conn, catalog, TABLE, {"workflow_id": workflow_id}))
