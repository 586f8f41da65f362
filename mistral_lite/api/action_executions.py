"""/v2/action_executions: read them, complete async ones, run an action by itself."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from mistral_lite.api import fields, listing
from mistral_lite.api.context import node_of, runner_of
from mistral_lite.api.fields import BOOL, ID, JSON, NAME, OBJECT, SHORT, TEXT
from mistral_lite.api.params import as_json_text, check_known, flag
from mistral_lite.engine import states
from mistral_lite.errors import InvalidInput, NotFound
from mistral_lite.executor.runner import result_too_large_message
from mistral_lite.json_size import size_over
from mistral_lite.store import queries
from mistral_lite.store.queries import Filter
from mistral_lite.timestamps import to_api

TABLE = "action_executions"
FIELDS = (
    "id", "name", "description", "workflow_name", "workflow_namespace", "task_name", "task_execution_id",
    "state", "state_info", "tags", "project_id", "accepted", "input", "output", "params", "created_at",
    "updated_at",
)
COLUMNS = ("id", "name", "description", "workflow_name", "workflow_namespace", "task_execution_id", "state",
           "state_info", "tags", "project_id", "accepted", "created_at", "updated_at")
COLLECTION = listing.Collection(key="action_executions", fields=FIELDS, columns={c: c for c in COLUMNS})
# Columns a list row never shows; `output` only with include_output.
UNLISTED = ("spec", "runtime_context")
PUT_STATES = (states.SUCCESS, states.ERROR, states.CANCELLED, states.PAUSED, states.RUNNING)
RUN_BODY: fields.Schema = {
    "name": NAME, "input": OBJECT, "params": OBJECT, "workflow_namespace": NAME, "description": SHORT, "id": ID,
}
RUN_PARAMS: fields.Schema = {"save_result": BOOL, "run_sync": BOOL, "target": NAME,
                             "timeout": fields.SECONDS}
UPDATE_BODY: fields.Schema = {"id": ID, "state": NAME, "output": JSON, "state_info": TEXT}


def resource(row: dict[str, Any], *, output: bool = True) -> dict[str, Any]:
    item = {
        "id": row.get("id"),
        "name": row["name"],
        "description": row.get("description") or "",
        "workflow_name": row.get("workflow_name"),
        "workflow_namespace": row.get("workflow_namespace") or "",
        "task_name": None,  # Mistral 23 never fills it in (its CLI prints null for every action execution)
        "task_execution_id": row.get("task_execution_id"),
        "state": row["state"],
        "state_info": row.get("state_info"),
        "tags": row.get("tags"),
        "project_id": row.get("project_id"),
        # Mistral accepts a result when it arrives: an action still at work is not accepted yet.
        "accepted": bool(row.get("accepted")) and row["state"] in states.COMPLETED,
        "input": as_json_text(row.get("input") or {}),
        "params": as_json_text(row.get("params") or {}),
        "created_at": to_api(row.get("created_at")),
        "updated_at": to_api(row.get("updated_at")),
    }
    if output:
        item["output"] = as_json_text(row.get("output") or {})
    return item


async def _row(request: web.Request, action_id: str) -> dict[str, Any]:
    row = await node_of(request).read(queries.get_row, TABLE, action_id)
    if row is None:
        raise NotFound(f"ActionExecution not found [id={action_id}]")
    return row


def unlisted(include_output: bool) -> tuple[str, ...]:
    return UNLISTED if include_output else (*UNLISTED, "output")


async def list_action_executions(request: web.Request) -> web.Response:
    include_output = flag(request, "include_output")
    return await listing.list_table(request, COLLECTION, TABLE, lambda r: resource(r, output=include_output),
                                    "ActionExecution", extra=("include_output",), omit=unlisted(include_output))


async def list_task_action_executions(request: web.Request) -> web.Response:
    task_id = request.match_info["id"]
    if await node_of(request).read(queries.get_row, "task_executions", task_id) is None:
        raise NotFound(f"Task execution not found [id={task_id}]")
    include_output = flag(request, "include_output")
    return await listing.list_table(request, COLLECTION, TABLE, lambda r: resource(r, output=include_output),
                                    "ActionExecution", extra=("include_output",),
                                    filters=[Filter("task_execution_id", "eq", task_id)],
                                    omit=unlisted(include_output))


async def get_action_execution(request: web.Request) -> web.Response:
    check_known(request, ("fields",))
    row = await _row(request, request.match_info["id"])
    return web.json_response(listing.select_fields(resource(row), listing.parse_fields(request, COLLECTION)))


def _result(state: str, raw: Any, body: dict[str, Any], max_depth: int) -> Any:
    """The output of a PUT, read as Mistral reads it: absent, an object, or a JSON string holding one
    (an empty one meaning none); anything else is refused in Mistral's words. ERROR without one is
    "Unknown error"."""
    value = raw
    if isinstance(raw, str):
        try:
            json.loads(raw)
        except ValueError as e:
            raise _not_json(body, str(e)) from None
        value = fields.parse_json(raw, "output", max_depth, start_depth=1)
    elif raw is not None and not isinstance(raw, dict):
        raise _not_json(body, f"the JSON object must be str, bytes or bytearray, not {type(raw).__name__}")
    if raw is not None and not value:
        value = {}
    if value is not None and not isinstance(value, dict):
        raise InvalidInput(f"JsonType field value must be a dictionary [actual={value}]")
    if state == states.ERROR and not value:
        return "Unknown error"
    return value


def _not_json(body: dict[str, Any], reason: str) -> InvalidInput:
    return InvalidInput(f"Invalid input for field/attribute action_ex. Value: '{body!r}'. {reason}")


async def update_action_execution(request: web.Request) -> web.Response:
    check_known(request, ())
    action_id = request.match_info["id"]
    body = await fields.read_body(request, UPDATE_BODY)
    state = body.get("state")
    if state not in PUT_STATES:
        raise InvalidInput(f"Error. Expected one of {list(PUT_STATES)}, actual: {state}")  # Mistral's words
    row = await _row(request, action_id)
    depth = node_of(request).config.max_nesting_depth
    state, result = _bounded(request, row, state, _result(state, body.get("output"), body, depth))
    await runner_of(request).set_action_result(row, state, result)
    return web.json_response(resource(await _row(request, action_id)))


def _bounded(request: web.Request, row: dict[str, Any], state: str, result: Any) -> tuple[str, Any]:
    """A reported result too big to keep fails the action, as one returned by the executor does."""
    limit = node_of(request).config.max_action_result_size
    size = size_over(result, limit) if limit and state in (states.SUCCESS, states.ERROR) else None
    if size is None:
        return state, result
    return states.ERROR, result_too_large_message(row["name"], size, limit, row["id"])


async def run_action(request: web.Request) -> web.Response:
    check_known(request, ())
    body = await fields.read_body(request, RUN_BODY)
    if not body.get("name"):
        raise InvalidInput("Please provide at least action name to run action.")
    params = body.get("params") or {}
    unknown = sorted(set(params) - set(RUN_PARAMS))
    if unknown:
        raise InvalidInput(f"Unknown action execution params: {', '.join(unknown)}")
    fields.check_part(params, RUN_PARAMS, "params")
    row = await runner_of(request).run_action_directly(
        name=body["name"],
        params=body.get("input") or {},
        namespace=body.get("workflow_namespace") or "",
        description=body.get("description") or "",
        save_result=bool(params.get("save_result")),
        run_sync=params.get("run_sync"),
        timeout=params.get("timeout"),
    )
    started = resource(row)
    if started["state"] == states.RUNNING:  # Mistral answers before anything updated the new row
        started["updated_at"] = None
    return web.json_response(started, status=201)


async def delete_action_execution(request: web.Request) -> web.Response:
    await _row(request, request.match_info["id"])
    raise web.HTTPForbidden(text="Action execution deletion is not allowed.")


def routes() -> list[web.RouteDef]:
    return [
        web.get("/v2/action_executions", list_action_executions),
        web.post("/v2/action_executions", run_action),
        web.get("/v2/action_executions/{id}", get_action_execution),
        web.put("/v2/action_executions/{id}", update_action_execution),
        web.delete("/v2/action_executions/{id}", delete_action_execution),
        web.get("/v2/tasks/{id}/action_executions", list_task_action_executions),
    ]
