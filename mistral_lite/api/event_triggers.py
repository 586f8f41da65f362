"""/v2/event_triggers: which workflow an event starts, with Mistral 23's fields, rules and texts."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mistral_lite.api import fields, listing
from mistral_lite.api.context import node_of
from mistral_lite.api.fields import OBJECT, UUID_RE
from mistral_lite.api.params import as_json_text, check_known
from mistral_lite.errors import InvalidInput
from mistral_lite.registry import event_triggers as registry
from mistral_lite.timestamps import to_api

FIELDS = ("id", "created_at", "updated_at", "project_id", "name", "workflow_id", "workflow_input", "workflow_params",
          "exchange", "topic", "event", "scope")
COLUMNS = ("id", "created_at", "updated_at", "project_id", "name", "workflow_id", "exchange", "topic", "event", "scope")
COLLECTION = listing.Collection(key="event_triggers", fields=FIELDS, columns={c: c for c in COLUMNS})
READ_ONLY = ("id", "created_at", "updated_at", "project_id")
# Mistral's column widths: name 200, exchange, topic and event 80 characters each.
KEY = fields.Field("text", max_length=80, plain=True)
BODY: fields.Schema = {
    **{key: fields.TEXT for key in READ_ONLY},
    "name": fields.Field("text", max_length=200, plain=True), "workflow_id": fields.Field("text", plain=True),
    "workflow_input": OBJECT, "workflow_params": OBJECT, "exchange": KEY, "topic": KEY, "event": KEY,
    "scope": fields.NAME,
}


def resource(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "created_at": to_api(row["created_at"]),
        "updated_at": to_api(row.get("updated_at")),
        "project_id": row["project_id"],
        "name": row.get("name") or "",
        "workflow_id": row["workflow_id"],
        "workflow_input": as_json_text(row.get("workflow_input") or {}),
        "workflow_params": as_json_text(row.get("workflow_params") or {}),
        "exchange": row["exchange"],
        "topic": row["topic"],
        "event": row["event"],
        "scope": row["scope"],
    }


def _trigger_id(request: web.Request) -> str:
    value = request.match_info["id"]
    if not UUID_RE.match(value):
        raise InvalidInput(f"Invalid input for field/attribute id. Value: '{value}'. unable to convert to uuid. "
                           f"Error: Expected a uuid but received {value}.")
    return value


async def _body(request: web.Request) -> dict[str, Any]:
    """The checked body; read-only attributes and a workflow id that is no uuid refused in Mistral's words."""
    body = await fields.read_body(request, BODY, argument="event_trigger")
    for key in READ_ONLY:
        if body.get(key) is not None:
            raise InvalidInput(f"Invalid input for field/attribute {key}. Value: '{body[key]}'. "
                               "Cannot set read only field.")
    workflow_id = body.get("workflow_id")
    if workflow_id and not UUID_RE.match(workflow_id):
        raise InvalidInput(f"Expected a uuid but received {workflow_id}.")
    fields.check_workflow_params(body.get("workflow_params"), "workflow_params")
    return {k: v for k, v in body.items() if k not in READ_ONLY}


async def list_triggers(request: web.Request) -> web.Response:
    return await listing.list_table(request, COLLECTION, registry.TABLE, resource, "Event trigger")


async def get_trigger(request: web.Request) -> web.Response:
    check_known(request, ("fields",))
    row = await registry.get(node_of(request), _trigger_id(request))
    return web.json_response(listing.select_fields(resource(row), listing.parse_fields(request, COLLECTION)))


async def create_trigger(request: web.Request) -> web.Response:
    check_known(request, ())
    row = await registry.create(node_of(request), await _body(request))
    return web.json_response(resource(row), status=201)


async def update_trigger(request: web.Request) -> web.Response:
    check_known(request, ())
    trigger_id = _trigger_id(request)
    row = await registry.update(node_of(request), trigger_id, await _body(request))
    return web.json_response(resource(row))


async def delete_trigger(request: web.Request) -> web.Response:
    check_known(request, ())
    await registry.delete(node_of(request), _trigger_id(request))
    return web.Response(status=204)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/v2/event_triggers", list_triggers),
        web.post("/v2/event_triggers", create_trigger),
        web.get("/v2/event_triggers/{id}", get_trigger),
        web.put("/v2/event_triggers/{id}", update_trigger),
        web.delete("/v2/event_triggers/{id}", delete_trigger),
    ]
