"""/v2/workbooks: YAML text in, Mistral's Workbook resource out."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mistral_lite.api import listing
from mistral_lite.api.context import node_of
from mistral_lite.api.fields import query_scope, query_text
from mistral_lite.api.params import check_known, text_body
from mistral_lite.api.validation import validate_handler
from mistral_lite.lang.documents import parse_workbook
from mistral_lite.registry import workbooks as registry
from mistral_lite.timestamps import to_api

FIELDS = ("id", "name", "namespace", "definition", "tags", "scope", "project_id", "created_at", "updated_at")
COLLECTION = listing.Collection(key="workbooks", fields=FIELDS, columns={f: f for f in FIELDS})
WRITE_PARAMS = ("namespace", "scope", "skip_validation")


def resource(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "namespace": row["namespace"],
        "definition": row["definition"],
        "tags": row.get("tags") or [],
        "scope": row["scope"],
        "project_id": row["project_id"],
        "created_at": to_api(row["created_at"]),
        "updated_at": to_api(row.get("updated_at")),
    }


async def list_workbooks(request: web.Request) -> web.Response:
    return await listing.list_table(request, COLLECTION, registry.TABLE, resource, "Workbook")


async def get_workbook(request: web.Request) -> web.Response:
    check_known(request, ("namespace", "fields"))
    row = await registry.get(node_of(request), request.match_info["name"], query_text(request, "namespace"))
    return web.json_response(listing.select_fields(resource(row), listing.parse_fields(request, COLLECTION)))


async def create_workbook(request: web.Request) -> web.Response:
    check_known(request, WRITE_PARAMS)
    row = await registry.create(
        node_of(request), await text_body(request), query_text(request, "namespace"),
        query_scope(request),
    )
    return web.json_response(resource(row), status=201)


async def update_workbook(request: web.Request) -> web.Response:
    check_known(request, WRITE_PARAMS)
    row = await registry.update(
        node_of(request), await text_body(request), query_text(request, "namespace"),
        query_scope(request),
    )
    return web.json_response(resource(row))


async def delete_workbook(request: web.Request) -> web.Response:
    check_known(request, ("namespace",))
    await registry.delete(node_of(request), request.match_info["name"], query_text(request, "namespace"))
    return web.Response(status=204)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/v2/workbooks", list_workbooks),
        web.post("/v2/workbooks", create_workbook),
        web.put("/v2/workbooks", update_workbook),
        web.post("/v2/workbooks/validate", validate_handler(parse_workbook)),
        web.get("/v2/workbooks/{name}", get_workbook),
        web.delete("/v2/workbooks/{name}", delete_workbook),
    ]
