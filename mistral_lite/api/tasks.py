"""/v2/tasks and /v2/executions/{id}/tasks: task executions, read from the database."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mistral_lite.api import fields, listing
from mistral_lite.api.context import node_of, runner_of
from mistral_lite.api.fields import BOOL, ID, NAME, OBJECT
from mistral_lite.api.params import as_json_text, check_known
from mistral_lite.engine.results import task_result
from mistral_lite.engine.rows import ACTIONS, TASKS, WF, Rows
from mistral_lite.errors import InvalidInput, NotFound
from mistral_lite.store import queries
from mistral_lite.store.queries import Filter
from mistral_lite.timestamps import to_api

FIELDS = (
    "id", "name", "type", "workflow_name", "workflow_namespace", "workflow_id", "workflow_execution_id", "tags",
    "state", "state_info", "project_id", "runtime_context", "result", "published", "published_global",
    "processed", "created_at", "updated_at", "started_at", "finished_at",
)
COLUMNS = ("id", "name", "type", "workflow_name", "workflow_namespace", "workflow_id", "workflow_execution_id",
           "tags", "state", "state_info", "project_id", "processed", "created_at", "updated_at", "started_at",
           "finished_at")
COLLECTION = listing.Collection(key="tasks", fields=FIELDS, columns={c: c for c in COLUMNS})
# Columns a list row never shows (in_context holds everything published before the task).
UNLISTED = ("spec", "in_context")
UPDATE_BODY: fields.Schema = {"id": ID, "state": NAME, "reset": BOOL, "env": OBJECT, "name": NAME, "workflow_name": NAME}


def resource(row: dict[str, Any], result: Any = None, with_result: bool = False) -> dict[str, Any]:
    runtime = {k: v for k, v in (row.get("runtime_context") or {}).items() if k != "has_next"}
    item = {
        "id": row["id"],
        "name": row["name"],
        "type": row.get("type") or "ACTION",
        "workflow_name": row.get("workflow_name"),
        "workflow_namespace": row.get("workflow_namespace") or "",
        "workflow_id": row.get("workflow_id"),
        "workflow_execution_id": row["workflow_execution_id"],
        "tags": row.get("tags") or [],
        "state": row["state"],
        "state_info": row.get("state_info"),
        "project_id": row["project_id"],
        "runtime_context": as_json_text(runtime),
        "published": as_json_text(row.get("published", {})),
        "processed": bool(row.get("processed")),
        "created_at": to_api(row["created_at"]),
        "updated_at": to_api(row.get("updated_at")),
        "started_at": to_api(row.get("started_at")),
        "finished_at": to_api(row.get("finished_at")),
    }
    if with_result:
        item["result"] = as_json_text(result)
    return item


def _with_result(conn, catalog, task_id: str) -> tuple[dict[str, Any], Any] | None:
    """The task row and its result, computed as the engine computes it."""
    row = queries.get_row(conn, catalog, TASKS, task_id)
    if row is None:
        return None
    rows = Rows()
    rows.load(TASKS, [row])
    rows.load(ACTIONS, queries.find_rows(conn, catalog, ACTIONS, {"task_execution_id": task_id}))
    rows.load(WF, queries.find_rows(conn, catalog, WF, {"task_execution_id": task_id}))
    return row, task_result(rows, row)


async def get_task(request: web.Request) -> web.Response:
    check_known(request, ("fields",))
    found = await node_of(request).read(_with_result, request.match_info["id"])
    if found is None:
        raise NotFound(f"Task execution not found [id={request.match_info['id']}]")
    row, result = found
    item = resource(row, result, with_result=True)
    return web.json_response(listing.select_fields(item, listing.parse_fields(request, COLLECTION)))


async def list_tasks(request: web.Request) -> web.Response:
    return await listing.list_table(request, COLLECTION, TASKS, resource, "Task execution", omit=UNLISTED)


async def list_execution_tasks(request: web.Request) -> web.Response:
    execution_id = request.match_info["id"]
    if await node_of(request).read(queries.get_row, WF, execution_id) is None:
        raise NotFound(f"WorkflowExecution not found [id={execution_id}]")
    return await listing.list_table(request, COLLECTION, TASKS, resource, "Task execution",
                                    filters=[Filter("workflow_execution_id", "eq", execution_id)], omit=UNLISTED)


async def update_task(request: web.Request) -> web.Response:
    """PUT /v2/tasks/{id}: rerun a failed task (`reset` false keeps a with-items task's successful items)."""
    check_known(request, ())
    body = await fields.read_body(request, UPDATE_BODY)
    task_id = request.match_info["id"]
    state = body.get("state")
    if state == "SKIPPED":
        raise InvalidInput("Skipping a task is not supported by mistral-lite yet; rerun it with state RUNNING")
    if state != "RUNNING":
        raise InvalidInput("Invalid task state. Only updating task to RUNNING or SKIPPED is supported.")
    if body.get("reset") is None:
        raise InvalidInput("Reset field is mandatory to rerun task.")
    found = await node_of(request).read(_with_result, task_id)
    if found is None:
        raise NotFound(f"Task execution not found [id={task_id}]")
    row, _ = found
    for key in ("name", "workflow_name"):
        if body.get(key) and body[key] != row.get(key):
            raise InvalidInput(f"Task {key} does not match: {body[key]!r} != {row.get(key)!r}")
    await runner_of(request).rerun(task_id, body["reset"], body.get("env"))
    row, result = await node_of(request).read(_with_result, task_id)
    return web.json_response(resource(row, result, with_result=True))


def routes() -> list[web.RouteDef]:
    return [
        web.get("/v2/tasks", list_tasks),
        web.put("/v2/tasks/{id}", update_task),
        web.get("/v2/tasks/{id}", get_task),
        web.get("/v2/executions/{id}/tasks", list_execution_tasks),
    ]
