"""/v2/code_sources and /v2/dynamic_actions: families Mistral's default policy keeps for administrators.

Mistral 23 without authentication runs every request as a non-admin, and its
policy (`code_sources:*`, `dynamic_actions:*` = admin_only) refuses them all with
403 "Operation forbidden (insufficient permissions)". mistral-lite answers the same,
after the same argument checks Mistral makes first (unknown arguments, a `limit`
that is not a number, a `marker` that is not a UUID, a body that is not JSON or
holds unknown attributes); nothing is stored and no uploaded code is ever run.
"""

from __future__ import annotations

from aiohttp import web

from mistral_lite.api import fields
from mistral_lite.api.params import as_uuid, check_known, query_int
from mistral_lite.errors import INSUFFICIENT_PERMISSIONS, InvalidInput

FORBIDDEN = INSUFFICIENT_PERMISSIONS
LIST_PARAMS = ("marker", "limit", "sort_keys", "sort_dirs", "fields", "name", "tags", "scope", "project_id",
               "created_at", "updated_at", "all_projects", "namespace")
ONE_PARAMS = ("namespace", "fields")
DELETE_PARAMS = ("namespace",)
WRITE_PARAMS = ("scope", "namespace")
# The attributes of Mistral's DynamicAction resource: the only keys its body may hold.
DYNAMIC_ACTION: fields.Schema = {
    key: fields.TEXT for key in ("id", "name", "namespace", "code_source_id", "code_source_name", "class_name",
                                 "project_id", "scope", "created_at", "updated_at")
}


def forbidden() -> web.HTTPForbidden:
    return web.HTTPForbidden(text=FORBIDDEN)


async def list_refused(request: web.Request) -> web.Response:
    check_known(request, LIST_PARAMS)
    query_int(request, "limit", 0)
    if "marker" in request.query:
        as_uuid("marker", request.query["marker"])
    raise forbidden()


async def one_refused(request: web.Request) -> web.Response:
    check_known(request, ONE_PARAMS)
    raise forbidden()


async def delete_refused(request: web.Request) -> web.Response:
    check_known(request, DELETE_PARAMS)
    raise forbidden()


def _code_source_write(key: str):
    """POST (by `name`) and PUT (by `identifier`): the source text is the body."""
    async def refused(request: web.Request) -> web.Response:
        check_known(request, (key, *WRITE_PARAMS))
        if not request.query.get(key):
            raise InvalidInput(f"Missing argument: \"{key}\"")
        raise forbidden()
    return refused


async def dynamic_action_write(request: web.Request) -> web.Response:
    check_known(request, ())
    await fields.read_body(request, DYNAMIC_ACTION)
    raise forbidden()


def _family(base: str, create, update) -> list[web.RouteDef]:
    return [
        web.get(base, list_refused),
        web.post(base, create),
        web.put(base, update),
        web.get(base + "/{identifier}", one_refused),
        web.delete(base + "/{identifier}", delete_refused),
    ]


def routes() -> list[web.RouteDef]:
    return [
        *_family("/v2/code_sources", _code_source_write("name"), _code_source_write("identifier")),
        *_family("/v2/dynamic_actions", dynamic_action_write, dynamic_action_write),
    ]
