"""/v2/environments: named variables for `params.env`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mistral_lite.api import fields, listing
from mistral_lite.api.context import node_of
from mistral_lite.api.fields import ID, NAME, OBJECT, TEXT
from mistral_lite.api.params import as_json_text, check_known
from mistral_lite.registry import environments as registry
from mistral_lite.timestamps import to_api

FIELDS = ("id", "name", "description", "variables", "scope", "project_id", "created_at", "updated_at")
COLLECTION = listing.Collection(
    key="environments", fields=FIELDS,
    columns={c: c for c in ("id", "name", "description", "scope", "project_id", "created_at", "updated_at")},
)
# Clients send back what they read, so the read-only attributes are accepted (and ignored).
BODY: fields.Schema = {
    "id": ID, "name": fields.Field("text", max_length=200, plain=True), "description": TEXT, "variables": OBJECT,
    "scope": NAME, "project_id": NAME, "created_at": NAME, "updated_at": NAME,
}


def resource(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row.get("description"),
        "variables": as_json_text(row.get("variables") or {}),
        "scope": row["scope"],
        "project_id": row["project_id"],
        "created_at": to_api(row["created_at"]),
        "updated_at": to_api(row.get("updated_at")),
    }


async def list_environments(request: web.Request) -> web.Response:
    return await listing.list_table(request, COLLECTION, registry.TABLE, resource, "Environment")


async def get_environment(request: web.Request) -> web.Response:
    check_known(request, ("fields",))
    row = await registry.get(node_of(request), request.match_info["name"])
    return web.json_response(listing.select_fields(resource(row), listing.parse_fields(request, COLLECTION)))


async def create_environment(request: web.Request) -> web.Response:
    check_known(request, ())
    body = await fields.read_body(request, BODY)
    fields.refuse_public(body.get("scope"))
    row = await registry.create(node_of(request), body.get("name"), body.get("variables"),
                                body.get("description"), body.get("scope") or "private")
    created = resource(row)
    if created["updated_at"] is None:  # Mistral's answer to a create leaves out the unset field
        del created["updated_at"]
    return web.json_response(created, status=201)


async def update_environment(request: web.Request) -> web.Response:
    check_known(request, ())
    body = await fields.read_body(request, BODY)
    fields.refuse_public(body.get("scope"))
    changes: dict[str, Any] = {}
    if "variables" in body:
        changes["variables"] = body["variables"] or {}
    for key in ("description", "scope"):
        if key in body:
            changes[key] = body[key]
    row = await registry.update(node_of(request), body.get("name") or "", changes)
    return web.json_response(resource(row))


async def delete_environment(request: web.Request) -> web.Response:
    check_known(request, ())
    await registry.delete(node_of(request), request.match_info["name"])
    return web.Response(status=204)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/v2/environments", list_environments),
        web.post("/v2/environments", create_environment),
        web.put("/v2/environments", update_environment),
        web.get("/v2/environments/{name}", get_environment),
        web.delete("/v2/environments/{name}", delete_environment),
    ]
