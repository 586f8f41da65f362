"""GET /v2/executions/{id}/timeline: one row per task execution, one segment per attempt (a mistral-lite
extension for the web UI; docs/ui.md, "Server side")."""

from __future__ import annotations

from aiohttp import web

from mistral_lite.api.context import node_of
from mistral_lite.api.params import check_known
from mistral_lite.errors import NotFound
from mistral_lite.timeline import read_timeline


async def execution_timeline(request: web.Request) -> web.Response:
    check_known(request, ())
    execution_id = request.match_info["id"]
    body = await node_of(request).read(read_timeline, execution_id)
    if body is None:
        raise NotFound(f"WorkflowExecution not found [id={execution_id}]")
    return web.json_response(body)


def routes() -> list[web.RouteDef]:
    return [web.get("/v2/executions/{id}/timeline", execution_timeline)]
