"""Cron triggers: start a workflow on a schedule (a cron pattern, a first time, a count)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from croniter import croniter

from mistral_lite.errors import Conflict, InvalidInput, NotFound
from mistral_lite.lang.documents import UUID_RE, workflow_spec
from mistral_lite.lang.inputs import InputMismatch, check_supplied, workflow_class
from mistral_lite.node import Node
from mistral_lite.project import DEFAULT_PROJECT
from mistral_lite.registry import workflows
from mistral_lite.registry.definitions import check_scope, insert_new
from mistral_lite import commands as cmd
from mistral_lite.store import queries
from mistral_lite.timestamps import STORED_FORMAT, to_stored

TABLE = "cron_triggers"
FIRST_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def not_found(identifier: str) -> NotFound:
    return NotFound(f"Cron trigger not found [identifier={identifier}]")


def next_time(pattern: str, after: datetime) -> datetime:
    """The first time strictly after `after` that the (UTC) pattern matches."""
    return croniter(pattern, after).get_next(datetime)


def parse_stored(value: str) -> datetime:
    return datetime.strptime(value, STORED_FORMAT).replace(tzinfo=timezone.utc)


def _first_time(raw: Any, now: datetime) -> datetime | None:
    if raw in (None, ""):
        return None
    for fmt in FIRST_TIME_FORMATS:
        try:
            moment = datetime.strptime(str(raw), fmt).replace(tzinfo=timezone.utc)
            break
        except ValueError:
            continue
    else:
        raise InvalidInput(f"first_execution_time must read 'YYYY-MM-DD HH:MM' (UTC), got {raw!r}")
    if moment < now + timedelta(minutes=1):
        raise InvalidInput("first_execution_time must be at least 1 minute in the future.")
    return moment


def _count(raw: Any, pattern: str | None) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise InvalidInput(f"remaining_executions must be a whole number ≥ 1, got {raw!r}")
    if pattern is None and raw > 1:
        raise InvalidInput("remaining_executions can only be greater than 1 when a pattern is given")
    return raw


async def get(node: Node, identifier: str) -> dict[str, Any]:
    row = await node.read(queries.find_row, TABLE, {"name": identifier})
    if row is None and UUID_RE.match(identifier):
        row = await node.read(queries.get_row, TABLE, identifier)
    if row is None:
        raise not_found(identifier)
    return row


async def create(node: Node, body: dict[str, Any]) -> dict[str, Any]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("Cron trigger name is required")
    pattern = body.get("pattern") or None
    if pattern is not None and not croniter.is_valid(pattern):
        raise InvalidInput(f"The specified pattern is not valid: {pattern}")
    now = node.clock()
    first = _first_time(body.get("first_execution_time"), now)
    if pattern is None and first is None:
        raise InvalidInput("Pattern or first_execution_time must be specified.")
    count = _count(body.get("remaining_executions"), pattern)
    if pattern is None:
        count = 1
    scope = check_scope(body.get("scope") or "private")
    namespace = body.get("workflow_namespace") or ""
    definition = await workflows.get(node, body.get("workflow_id") or body.get("workflow_name") or "", namespace)
    wf_input = body.get("workflow_input") or {}
    try:
        spec = workflow_spec(definition["name"], definition["spec"])
        check_supplied(spec.input, wf_input, definition["name"], workflow_class(spec.type))
    except InputMismatch as e:
        raise InvalidInput(str(e)) from None
    if await node.read(queries.find_row, TABLE, {"name": name}):
        raise Conflict(f"Duplicate entry for cron trigger ['name', 'project_id']: {name}, None")
    row = {
        "id": node.new_id(),
        "name": name,
        "pattern": pattern,
        "first_execution_time": to_stored(first) if first else None,
        "next_execution_time": to_stored(first or next_time(pattern, now)),
        "remaining_executions": count,
        "workflow_name": definition["name"],
        "workflow_id": definition["id"],
        "workflow_namespace": definition.get("namespace") or "",
        "workflow_input": wf_input,
        "workflow_params": body.get("workflow_params") or {},
        "scope": scope,
        "project_id": DEFAULT_PROJECT,
        "created_at": node.now(),
        "updated_at": None,
    }
    return await insert_new(node, TABLE, row,
                            Conflict(f"Duplicate entry for cron trigger ['name', 'project_id']: {name}, None"))


async def delete(node: Node, identifier: str) -> None:
    row = await get(node, identifier)
    await node.submit([cmd.delete(TABLE, row["id"])])
