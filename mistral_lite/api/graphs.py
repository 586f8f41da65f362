"""GET /v2/workflows/{identifier}/graph and /v2/executions/{id}/graph: a definition's graph, laid out
(mistral-lite extensions for the web UI; docs/ui.md, "Server side")."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

from aiohttp import web

from mistral_lite.api.context import node_of
from mistral_lite.api.fields import query_text
from mistral_lite.api.params import check_known
from mistral_lite.errors import NotFound
from mistral_lite.graph import definition, layout, lines
from mistral_lite.lang.documents import parse_stored
from mistral_lite.registry import workflows as registry
from mistral_lite.store import queries


def laid_out(graph: definition.Graph) -> dict[str, Any]:
    """The graph as JSON, each node with its box and each edge with its polyline."""
    index = {node.id: i for i, node in enumerate(graph.nodes)}
    placed = layout.layout(len(graph.nodes), [(index[e.source], index[e.target]) for e in graph.edges])
    nodes = [{**asdict(node), "x": placed.x[i], "y": placed.y[i], "rank": placed.rank[i]}
             for i, node in enumerate(graph.nodes)]
    edges = [{**asdict(edge), "reversed": placed.reversed[i], "points": [list(p) for p in placed.points[i]]}
             for i, edge in enumerate(graph.edges)]
    return {"workflow": graph.workflow, "type": graph.type, "nodes": nodes, "edges": edges,
            "width": placed.width, "height": placed.height,
            "node_width": layout.NODE_WIDTH, "node_height": layout.NODE_HEIGHT}


async def _answer(name: str, raw: dict[str, Any], text: str | None) -> web.Response:
    # Parsed off the event loop: a stored row is a fresh mapping at every read, so no parse is cached.
    body = await asyncio.to_thread(
        lambda: laid_out(definition.build(parse_stored(name, raw), lines.task_lines(text, name))))
    return web.json_response(body)


async def workflow_graph(request: web.Request) -> web.Response:
    check_known(request, ("namespace",))
    row = await registry.get(node_of(request), request.match_info["identifier"], query_text(request, "namespace"))
    return await _answer(row["name"], row["spec"], row.get("definition"))


async def execution_graph(request: web.Request) -> web.Response:
    """From the execution's own snapshot of its definition: what it runs, even after the workflow changed."""
    check_known(request, ())
    execution_id = request.match_info["id"]
    row = await node_of(request).read(queries.get_row, "workflow_executions", execution_id)
    if row is None or not row.get("spec"):
        raise NotFound(f"WorkflowExecution not found [id={execution_id}]")
    return await _answer(row["workflow_name"], row["spec"], await _definition_text(request, row))


async def _definition_text(request: web.Request, execution: dict[str, Any]) -> str | None:
    """The workflow's text, if the workflow still holds the definition the execution runs: lines of a
    changed or deleted workflow would point at the wrong place, so then there are none."""
    if not execution.get("workflow_id"):
        return None
    workflow = await node_of(request).read(queries.get_row, "workflow_definitions", execution["workflow_id"])
    if workflow is None or workflow.get("spec") != execution["spec"]:
        return None
    return workflow.get("definition")


def routes() -> list[web.RouteDef]:
    return [
        web.get("/v2/workflows/{identifier}/graph", workflow_graph),
        web.get("/v2/executions/{id}/graph", execution_graph),
    ]
