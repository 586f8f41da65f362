"""/v2/actions: the std.* system actions and ad-hoc actions, listed together."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from mistral_lite.actions.system import SystemAction
from mistral_lite.api import listing
from mistral_lite.api.context import leadership_of, node_of
from mistral_lite.api.fields import query_scope, query_text
from mistral_lite.api.params import check_known, text_body
from mistral_lite.api.validation import validate_handler
from mistral_lite.errors import NotFound
from mistral_lite.lang.documents import parse_actions
from mistral_lite.registry import actions as registry
from mistral_lite.store.queries import Filter, MarkerNotFound
from mistral_lite.timestamps import to_api

FIELDS = (
    "id", "name", "is_system", "input", "description", "tags", "definition", "scope",
    "project_id", "namespace", "created_at", "updated_at",
)
COLLECTION = listing.Collection(key="actions", fields=FIELDS, columns={f: f for f in FIELDS}, default_sort="name")
WRITE_PARAMS = ("namespace", "scope", "skip_validation")


def resource(action: dict[str, Any] | SystemAction, no_input: str | None = "") -> dict[str, Any]:
    """no_input: what `input` shows for an action without any (Mistral: "" when read, null in the answer
    to a create or an update)."""
    if isinstance(action, SystemAction):
        return {
            "id": action.name, "name": action.name, "is_system": True, "input": action.input_string,
            "description": action.description, "tags": None, "definition": "", "scope": "public",
            "project_id": None, "namespace": "", "created_at": None, "updated_at": None,
        }
    return {
        "id": action["id"],
        "name": action["name"],
        "is_system": bool(action["is_system"]),
        "input": action.get("input") or no_input,
        "description": action.get("description"),
        "tags": action.get("tags") or [],
        "definition": action["definition"],
        "scope": action["scope"],
        "project_id": action["project_id"],
        "namespace": action["namespace"],
        "created_at": to_api(action["created_at"]),
        "updated_at": to_api(action.get("updated_at")),
    }


async def list_actions(request: web.Request) -> web.Response:
    node = node_of(request)
    req = listing.parse(request, COLLECTION, node.config.default_limit)
    if "namespace" not in request.query:  # Mistral lists the default namespace unless asked for another
        req = replace(req, query=replace(req.query, filters=(*req.query.filters, Filter("namespace", "eq", ""))))
    rows, system = await registry.list_all(node, leadership_of(request).builtin_actions())
    items = [resource(a) for a in system] + [resource(r) for r in rows]
    try:
        page = listing.page_in_memory(items, req.query)
    except MarkerNotFound as e:
        raise NotFound(f"Action not found [marker={e.args[0]}]") from None
    return web.json_response(listing.response(request, COLLECTION, req, page))


def _namespace(request: web.Request) -> str:
    # The client asks GET /v2/actions/NAME/NAMESPACE, with an empty namespace as a trailing slash.
    return request.match_info.get("namespace") or query_text(request, "namespace")


async def get_action(request: web.Request) -> web.Response:
    check_known(request, ("namespace", "fields"))
    action = await registry.get(node_of(request), request.match_info["name"], _namespace(request),
                                leadership_of(request).builtin_actions(), by_id=False)
    return web.json_response(listing.select_fields(resource(action), listing.parse_fields(request, COLLECTION)))


async def create_actions(request: web.Request) -> web.Response:
    check_known(request, WRITE_PARAMS)
    rows = await registry.create(
        node_of(request), await text_body(request), query_text(request, "namespace"),
        query_scope(request),
    )
    return web.json_response({"actions": [resource(r, no_input=None) for r in rows]}, status=201)


async def update_actions(request: web.Request) -> web.Response:
    check_known(request, WRITE_PARAMS)
    rows = await registry.update(
        node_of(request), await text_body(request), query_text(request, "namespace"),
        query_scope(request), identifier=request.match_info.get("identifier"),
    )
    return web.json_response({"actions": [resource(r, no_input=None) for r in rows]})


async def delete_action(request: web.Request) -> web.Response:
    check_known(request, ("namespace",))
    await registry.delete(node_of(request), request.match_info["name"], _namespace(request))
    return web.Response(status=204)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/v2/actions", list_actions),
        web.post("/v2/actions", create_actions),
        web.put("/v2/actions", update_actions),
        web.post("/v2/actions/validate", validate_handler(parse_actions)),
        web.put("/v2/actions/{identifier}", update_actions),
        web.get("/v2/actions/{name}", get_action),
        web.get("/v2/actions/{name}/", get_action),
        web.get("/v2/actions/{name}/{namespace}", get_action),
        web.delete("/v2/actions/{name}", delete_action),
        web.delete("/v2/actions/{name}/", delete_action),
        web.delete("/v2/actions/{name}/{namespace}", delete_action),
    ]
