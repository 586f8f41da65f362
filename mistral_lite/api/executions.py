"""/v2/executions: start, watch, pause, resume, cancel and delete workflow executions."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mistral_lite.api import fields, listing
from mistral_lite.api.context import CREATING, node_of, one_at_a_time, runner_of
from mistral_lite.api.fields import ID, NAME, OBJECT, SHORT, TEXT
from mistral_lite.api.params import as_json_text, check_known, flag
from mistral_lite.engine import states
from mistral_lite.engine.events import PauseWorkflow, ResumeWorkflow, StopWorkflow
from mistral_lite.errors import Conflict, InvalidInput, NotFound
from mistral_lite.registry import workflows as workflow_registry
from mistral_lite.services import executions as service
from mistral_lite.store import queries
from mistral_lite.store.queries import Filter
from mistral_lite.timestamps import to_api

FIELDS = (
    "id", "workflow_id", "workflow_name", "workflow_namespace", "description", "tags", "params",
    "task_execution_id", "root_execution_id", "state", "state_info", "input", "output", "created_at",
    "updated_at", "project_id", "published_global",
)
COLUMNS = ("id", "workflow_id", "workflow_name", "workflow_namespace", "description", "tags", "task_execution_id",
           "root_execution_id", "state", "state_info", "created_at", "updated_at", "project_id")
COLLECTION = listing.Collection(key="executions", fields=FIELDS, columns={c: c for c in COLUMNS})
# Columns a list row never shows; `output` only with include_output.
UNLISTED = ("spec", "context", "runtime_context", "published_global")
CREATE_BODY: fields.Schema = {
    "workflow_name": NAME, "workflow_id": NAME, "workflow_namespace": NAME, "input": OBJECT, "params": OBJECT,
    "description": SHORT, "id": ID, "source_execution_id": ID,
}
UPDATE_BODY: fields.Schema = {"id": ID, "state": NAME, "state_info": TEXT, "description": SHORT, "params": OBJECT}
STATES_ON_UPDATE = (states.PAUSED, states.RUNNING, states.SUCCESS, states.ERROR, states.CANCELLED)


def resource(row: dict[str, Any], *, output: bool = True, published_global: bool = False) -> dict[str, Any]:
    item = {
        "id": row["id"],
        "workflow_id": row.get("workflow_id"),
        "workflow_name": row["workflow_name"],
        "workflow_namespace": row.get("workflow_namespace") or "",
        "description": row.get("description") or "",
        "tags": row.get("tags") or [],
        "params": as_json_text(row.get("params") or {}),
        "task_execution_id": row.get("task_execution_id"),
        "root_execution_id": row.get("root_execution_id"),
        "state": row["state"],
        "state_info": row.get("state_info"),
        "input": as_json_text(row.get("input") or {}),
        "created_at": to_api(row["created_at"]),
        "updated_at": to_api(row.get("updated_at")),
        "project_id": row["project_id"],
    }
    if output:
        item["output"] = as_json_text(row.get("output") or {})
    if published_global:
        item["published_global"] = as_json_text(row.get("context") or {})
    return item


async def get_row(request: web.Request, execution_id: str) -> dict[str, Any]:
    # Without the spec: no execution resource shows it, and it is the largest column of a large workflow.
    row = await node_of(request).read(queries.get_row, "workflow_executions", execution_id, ("spec",))
    if row is None:
        raise NotFound(f"WorkflowExecution not found [id={execution_id}]")
    return row


async def create_execution(request: web.Request) -> web.Response:
    check_known(request, ())
    body = await fields.read_body(request, CREATE_BODY)
    fields.check_workflow_params(body.get("params"), "params")
    if not body.get("id"):
        return await _create(request, body)
    async with one_at_a_time(request.app[CREATING], body["id"]):
        return await _create(request, body)


async def _create(request: web.Request, body: dict[str, Any]) -> web.Response:
    node = node_of(request)
    if body.get("id"):
        existing = await node.read(queries.get_row, "workflow_executions", body["id"])
        if existing is not None:
            return web.json_response(resource(existing), status=201)
    if body.get("source_execution_id"):
        body = await _from_source(request, body)
    if not body.get("workflow_id") and not body.get("workflow_name"):
        raise InvalidInput("Workflow ID or workflow name must be provided. Workflow ID is recommended.")
    namespace = body.get("workflow_namespace") or ""
    identifier = body.get("workflow_id") or body["workflow_name"]
    definition = runner_of(request).find_definition(identifier, namespace)
    if definition is None:
        raise workflow_registry.not_found(identifier, namespace)
    row = await runner_of(request).start_workflow(
        body.get("id") or node.new_id(),
        definition["id"],
        body.get("input") or {},
        body.get("params") or {},
        body.get("description") or "",
    )
    return web.json_response(resource(row), status=201)


async def _from_source(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    """A start based on an earlier execution, as Mistral 23 does it: the source gives the workflow and its
    params; the input and the description are the request's own (an input the request leaves out is
    empty, not the source's), the description ending "Based on the execution '<id>'"."""
    source = await get_row(request, body["source_execution_id"])
    params = dict(source.get("params") or {})
    merged = {
        "workflow_id": source.get("workflow_id"),
        "workflow_namespace": source.get("workflow_namespace"),
        "params": {k: v for k, v in params.items() if k in ("env", "task_name", "evaluate_env", "notify")},
    }
    merged.update({k: v for k, v in body.items() if k != "source_execution_id" and v not in (None, "")})
    merged["description"] = f"{body.get('description') or ''} Based on the execution '{source['id']}'".strip()
    return merged


async def list_executions(request: web.Request) -> web.Response:
    include_output = flag(request, "include_output")
    nulls = listing.split(request.query.get("nulls"))
    unknown = [n for n in nulls if n not in COLUMNS]
    if unknown:
        raise InvalidInput(f"Unknown field(s) in nulls: {', '.join(unknown)}")
    return await listing.list_table(
        request, COLLECTION, "workflow_executions",
        lambda row: resource(row, output=include_output),
        "WorkflowExecution",
        extra=("include_output", "nulls"),
        filters=[Filter(n, "null") for n in nulls],
        omit=UNLISTED if include_output else (*UNLISTED, "output"),
    )


async def get_execution(request: web.Request) -> web.Response:
    check_known(request, ("fields",))
    row = await get_row(request, request.match_info["id"])
    item = resource(row, published_global=True)
    return web.json_response(listing.select_fields(item, listing.parse_fields(request, COLLECTION)))


async def update_execution(request: web.Request) -> web.Response:
    check_known(request, ())
    execution_id = request.match_info["id"]
    body = await fields.read_body(request, UPDATE_BODY)
    params = body.get("params") or {}
    env = fields.OBJECT.check("params.env", params.get("env"), node_of(request).config.max_nesting_depth)
    row = await get_row(request, execution_id)
    state = body.get("state")
    if state is None and "description" not in body and env is None:
        raise InvalidInput("Nothing to update: give state, description or params.env")
    if "description" in body and state is not None:
        raise InvalidInput("description can't be changed together with state")
    if state is not None and state not in STATES_ON_UPDATE:
        raise InvalidInput(f"Cannot change state to {state}. Allowed states are: '{', '.join(STATES_ON_UPDATE)}'")
    if env is not None and state not in (None, states.RUNNING):
        raise InvalidInput("env can only be updated together with state RUNNING, or alone")
    runner = runner_of(request)
    if "description" in body:
        await service.set_description(node_of(request), runner, row, body["description"] or "")
    finished = states.is_completed(row["state"])
    if state == states.PAUSED:
        if finished:
            raise Conflict(f"Can't change workflow execution state from {row['state']} to PAUSED")
        await runner.handle(PauseWorkflow(execution_id))
    elif state is not None and not finished:
        # Resuming or stopping a finished execution changes nothing, as in Mistral.
        if state == states.RUNNING:
            await runner.handle(ResumeWorkflow(execution_id, env))
        else:
            await runner.handle(StopWorkflow(execution_id, state, body.get("state_info")))
    elif env is not None:
        if row["state"] not in (states.IDLE, states.PAUSED, states.ERROR):
            raise Conflict(f"env can be updated only while the execution is IDLE, PAUSED or ERROR; it is {row['state']}")
        await service.merge_env(node_of(request), runner, row, env)
    return web.json_response(resource(await get_row(request, execution_id), published_global=True))


async def delete_execution(request: web.Request) -> web.Response:
    check_known(request, ("force",))
    row = await get_row(request, request.match_info["id"])
    if row["state"] in states.ACTIVE and not flag(request, "force"):
        raise web.HTTPForbidden(text=(
            f"Only completed executions can be deleted; this one is {row['state']}. "
            "Use --force (force=true) to delete it anyway."
        ))
    await service.delete_tree(node_of(request), runner_of(request), row["id"])
    return web.Response(status=204)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/v2/executions", list_executions),
        web.post("/v2/executions", create_execution),
        web.get("/v2/executions/{id}", get_execution),
        web.put("/v2/executions/{id}", update_execution),
        web.delete("/v2/executions/{id}", delete_execution),
    ]
