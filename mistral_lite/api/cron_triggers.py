"""/v2/cron_triggers: schedules that start workflows."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mistral_lite.api import fields, listing
from mistral_lite.api.context import node_of
from mistral_lite.api.fields import ID, NAME, OBJECT
from mistral_lite.api.params import as_json_text, check_known
from mistral_lite.registry import cron_triggers as registry
from mistral_lite.timestamps import to_api

FIELDS = (
    "id", "name", "workflow_name", "workflow_id", "workflow_input", "workflow_params", "project_id", "scope",
    "pattern", "remaining_executions", "first_execution_time", "next_execution_time", "created_at", "updated_at",
)
COLUMNS = ("id", "name", "workflow_name", "workflow_id", "project_id", "scope", "pattern", "remaining_executions",
           "first_execution_time", "next_execution_time", "created_at", "updated_at")
COLLECTION = listing.Collection(key="cron_triggers", fields=FIELDS, columns={c: c for c in COLUMNS})
# Clients send back what they read, so the read-only attributes are accepted (and ignored).
BODY: fields.Schema = {
    "id": ID, "name": fields.Field("text", max_length=200, plain=True), "workflow_name": NAME, "workflow_id": NAME,
    "workflow_input": OBJECT, "workflow_params": OBJECT, "project_id": NAME, "scope": NAME,
    "pattern": fields.Field("text", max_length=100, plain=True), "remaining_executions": fields.COUNT,
    "first_execution_time": NAME, "next_execution_time": NAME, "created_at": NAME, "updated_at": NAME,
    "workflow_namespace": NAME,
}


ONE_SHOT_PATTERN = "0 0 30 2 0"


def resource(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "workflow_name": row["workflow_name"],
        "workflow_id": row.get("workflow_id"),
        "workflow_input": as_json_text(row.get("workflow_input") or {}),
        "workflow_params": as_json_text(row.get("workflow_params") or {}),
        "project_id": row["project_id"],
        "scope": row["scope"],
        # Mistral stores a pattern that never matches (30 February) for a trigger that fires once;
        # here a one-shot trigger keeps no pattern, and shows Mistral's.
        "pattern": row.get("pattern") or ONE_SHOT_PATTERN,
        "remaining_executions": row.get("remaining_executions"),
        "first_execution_time": to_api(row.get("first_execution_time")),
        "next_execution_time": to_api(row.get("next_execution_time")),
        "created_at": to_api(row["created_at"]),
        "updated_at": to_api(row.get("updated_at")),
    }


async def list_triggers(request: web.Request) -> web.Response:
    return await listing.list_table(request, COLLECTION, registry.TABLE, resource, "Cron trigger")


async def get_trigger(request: web.Request) -> web.Response:
    check_known(request, ("fields",))
    row = await registry.get(node_of(request), request.match_info["identifier"])
    return web.json_response(listing.select_fields(resource(row), listing.parse_fields(request, COLLECTION)))


async def create_trigger(request: web.Request) -> web.Response:
    check_known(request, ())
    body = await fields.read_body(request, BODY)
    body["workflow_input"] = body.get("workflow_input") or {}
    body["workflow_params"] = body.get("workflow_params") or {}
    fields.check_workflow_params(body["workflow_params"], "workflow_params")
    row = await registry.create(node_of(request), body)
    return web.json_response(resource(row), status=201)


async def delete_trigger(request: web.Request) -> web.Response:
    check_known(request, ())
    await registry.delete(node_of(request), request.match_info["identifier"])
    return web.Response(status=204)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/v2/cron_triggers", list_triggers),
        web.post("/v2/cron_triggers", create_trigger),
        web.get("/v2/cron_triggers/{identifier}", get_trigger),
        web.delete("/v2/cron_triggers/{identifier}", delete_trigger),
    ]
