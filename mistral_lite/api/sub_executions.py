"""GET /v2/executions/{id}/executions and /v2/tasks/{id}/executions: the workflow executions below one;
GET /v2/tasks/{id}/workflow_executions: a task's own sub-workflow executions, as a paged list.

Mistral walks the tree the same way from both origins: an execution lists itself and
then, task by task, every sub-workflow execution below it; a task lists the
sub-workflow executions it started and theirs. `max_depth` counts levels below the
origin (0: the execution alone, or the task's own children; negative: no limit) and
`errors_only` follows only tasks in ERROR.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from aiohttp import web

from mistral_lite.api import executions, listing
from mistral_lite.api.context import node_of
from mistral_lite.api.executions import resource as execution_resource
from mistral_lite.api.params import as_uuid, check_known, flag, path_uuid, query_int
from mistral_lite.engine import states
from mistral_lite.errors import NotFound
from mistral_lite.store import queries
from mistral_lite.store.queries import Filter

WF, TASKS = "workflow_executions", "task_executions"
# Rows shown as GET /v2/executions shows them: what no such resource shows stays unread.
OMIT = {TASKS: ("spec", "in_context", "published", "runtime_context"),
        WF: ("spec", "context", "runtime_context", "published_global")}
PARAMS = ("errors_only", "max_depth", "include_output")


@dataclass(frozen=True)
class Walk:
    errors_only: bool
    max_depth: int  # negative: no limit


def _below_execution(conn, catalog, wf: dict[str, Any], walk: Walk, depth: int, found: list[dict]) -> None:
    if 0 <= walk.max_depth < depth:
        return
    found.append(wf)
    for task in queries.find_rows(conn, catalog, TASKS, {"workflow_execution_id": wf["id"]}, omit=OMIT[TASKS]):
        _below_task(conn, catalog, task, walk, depth + 1, found)


def _below_task(conn, catalog, task: dict[str, Any], walk: Walk, depth: int, found: list[dict]) -> None:
    if walk.errors_only and task["state"] != states.ERROR:
        return
    for child in queries.find_rows(conn, catalog, WF, {"task_execution_id": task["id"]}, omit=OMIT[WF]):
        _below_execution(conn, catalog, child, walk, depth, found)


def _walk_from(conn, catalog, table: str, row_id: str, walk: Walk, below: Callable[..., None]) -> list[dict] | None:
    start = queries.get_row(conn, catalog, table, row_id, omit=OMIT[table])
    if start is None:
        return None
    found: list[dict[str, Any]] = []
    below(conn, catalog, start, walk, 0, found)
    return found


def from_execution(conn, catalog, execution_id: str, walk: Walk) -> list[dict] | None:
    return _walk_from(conn, catalog, WF, execution_id, walk, _below_execution)


def from_task(conn, catalog, task_id: str, walk: Walk) -> list[dict] | None:
    return _walk_from(conn, catalog, TASKS, task_id, walk, _below_task)


async def _answer(request: web.Request, collect, not_found: str) -> web.Response:
    check_known(request, PARAMS)
    origin_id = path_uuid(request)
    walk = Walk(flag(request, "errors_only"), query_int(request, "max_depth", -1))
    include_output = flag(request, "include_output")
    found = await node_of(request).read(collect, origin_id, walk)
    if found is None:
        raise NotFound(f"{not_found} [id={origin_id}]")
    return web.json_response({"executions": [execution_resource(e, output=include_output) for e in found]})


async def execution_sub_executions(request: web.Request) -> web.Response:
    return await _answer(request, from_execution, "WorkflowExecution not found")


async def task_sub_executions(request: web.Request) -> web.Response:
    return await _answer(request, from_task, "Task execution not found")


# Mistral's rows here carry neither input, params nor output.
UNSHOWN = ("input", "params", "output")


async def task_workflow_executions(request: web.Request) -> web.Response:
    """Listed like GET /v2/executions (filters, paging); an unknown task has none, as in Mistral."""
    task_id = as_uuid("task_execution_id", request.match_info["id"])
    return await listing.list_table(
        request, executions.COLLECTION, WF,
        lambda row: {k: v for k, v in execution_resource(row, output=False).items() if k not in UNSHOWN},
        "WorkflowExecution", filters=[Filter("task_execution_id", "eq", task_id)],
        omit=(*executions.UNLISTED, *UNSHOWN))


def routes() -> list[web.RouteDef]:
    return [
        web.get("/v2/executions/{id}/executions", execution_sub_executions),
        web.get("/v2/tasks/{id}/executions", task_sub_executions),
        web.get("/v2/tasks/{id}/workflow_executions", task_workflow_executions),
    ]
