"""/v2/workflows: YAML text in, Mistral's Workflow resources out."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from mistral_lite.api import listing
from mistral_lite.api.context import node_of
from mistral_lite.api.fields import query_scope, query_text
from mistral_lite.api.params import check_known, text_body
from mistral_lite.api.validation import validate_handler
from mistral_lite.lang.documents import parse_workflows
from mistral_lite.lang.inputs import workflow_signature
from mistral_lite.registry import workflows as registry
from mistral_lite.timestamps import to_api

FIELDS = (
    "id", "name", "namespace", "input", "interface", "definition", "checksum",
    "tags", "scope", "project_id", "created_at", "updated_at",
)
COLLECTION = listing.Collection(
    key="workflows",
    fields=FIELDS,
    columns={
        c: c
        for c in ("id", "name", "namespace", "definition", "checksum", "tags", "scope", "project_id", "created_at", "updated_at")
    },
)
WRITE_PARAMS = ("namespace", "scope", "skip_validation")


def resource(row: dict[str, Any], *, interface_as_text: bool = True) -> dict[str, Any]:
    """A stored row as Mistral's Workflow resource.

    `interface` is a JSON string in GET responses but a nested object in the
    responses to POST/PUT, exactly as Mistral returns them.
    """
    raw = row.get("spec") or {}
    output = raw.get("output")
    iface = {"input": list(raw.get("input") or []), "output": list(output) if isinstance(output, dict) else []}
    return {
        "id": row["id"],
        "name": row["name"],
        "namespace": row["namespace"],
        "input": workflow_signature(raw.get("input") or []),
        "interface": json.dumps(iface) if interface_as_text else iface,
        "definition": row["definition"],
        "checksum": row["checksum"],
        "tags": row.get("tags") or [],
        "scope": row["scope"],
        "project_id": row["project_id"],
        "created_at": to_api(row["created_at"]),
        "updated_at": to_api(row.get("updated_at")),
    }


async def list_workflows(request: web.Request) -> web.Response:
    return await listing.list_table(request, COLLECTION, registry.TABLE, resource, "Workflow")


async def get_workflow(request: web.Request) -> web.Response:
    check_known(request, ("namespace", "fields"))
    node = node_of(request)
    row = await registry.get(node, request.match_info["identifier"], query_text(request, "namespace"))
    return web.json_response(listing.select_fields(resource(row), listing.parse_fields(request, COLLECTION)))


async def create_workflows(request: web.Request) -> web.Response:
    check_known(request, WRITE_PARAMS)
    text = await text_body(request)
    rows = await registry.create(
        node_of(request), text, query_text(request, "namespace"), query_scope(request)
    )
    return web.json_response({"workflows": [resource(r, interface_as_text=False) for r in rows]}, status=201)


async def update_workflows(request: web.Request) -> web.Response:
    check_known(request, WRITE_PARAMS)
    text = await text_body(request)
    identifier = request.match_info.get("identifier")
    rows = await registry.update(
        node_of(request),
        text,
        query_text(request, "namespace"),
        query_scope(request),
        identifier=identifier,
    )
    items = [resource(r, interface_as_text=False) for r in rows]
    return web.json_response(items[0] if identifier else {"workflows": items})


async def delete_workflow(request: web.Request) -> web.Response:
    check_known(request, ("namespace",))
    await registry.delete(node_of(request), request.match_info["identifier"], query_text(request, "namespace"))
    return web.Response(status=204)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/v2/workflows", list_workflows),
        web.post("/v2/workflows", create_workflows),
        web.put("/v2/workflows", update_workflows),
        web.post("/v2/workflows/validate", validate_handler(parse_workflows)),
        web.get("/v2/workflows/{identifier}", get_workflow),
        web.put("/v2/workflows/{identifier}", update_workflows),
        web.delete("/v2/workflows/{identifier}", delete_workflow),
    ]
