"""GET /v2/executions/{id}/report: an execution's whole tree, read from the database."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mistral_lite.api.context import node_of
from mistral_lite.api.params import check_known, flag, query_int
from mistral_lite.engine import states
from mistral_lite.errors import NotFound
from mistral_lite.store import queries
from mistral_lite.timestamps import to_api

WF, TASKS, ACTIONS = "workflow_executions", "task_executions", "action_executions"
COUNTED = {"running": states.RUNNING, "success": states.SUCCESS, "error": states.ERROR, "idle": states.IDLE,
           "paused": states.PAUSED}


# What a report never shows, left unread: a tree's inputs and results can be large.
REPORT_OMITS = {
    TASKS: ("spec", "in_context", "published"),
    ACTIONS: ("spec", "input", "output", "params"),
    WF: ("spec", "input", "output", "params", "context"),
}


def _times(row: dict[str, Any]) -> dict[str, Any]:
    return {"created_at": to_api(row["created_at"]), "updated_at": to_api(row.get("updated_at"))}


def _workflow_entry(conn, catalog, wf: dict[str, Any], errors_only: bool, depth: int, stats: dict[str, int]) -> dict:
    tasks = []
    for task in queries.find_rows(conn, catalog, TASKS, {"workflow_execution_id": wf["id"]},
                                  omit=REPORT_OMITS[TASKS]):
        stats["total"] += 1
        for key, state in COUNTED.items():
            stats[key] += task["state"] == state
        if errors_only and task["state"] != states.ERROR:
            continue
        entry = {"id": task["id"], "name": task["name"], "state": task["state"],
                 "state_info": task.get("state_info"), **_times(task)}
        retries = ((task.get("runtime_context") or {}).get("retry_task_policy") or {}).get("retry_no")
        if retries:
            entry["retry_count"] = retries
        entry["action_executions"] = [
            {"id": a["id"], "name": a["name"], "state": a["state"], "state_info": a.get("state_info"),
             "accepted": bool(a.get("accepted")), "last_heartbeat": None, **_times(a)}
            for a in queries.find_rows(conn, catalog, ACTIONS, {"task_execution_id": task["id"]},
                                       omit=REPORT_OMITS[ACTIONS])
        ]
        children = queries.find_rows(conn, catalog, WF, {"task_execution_id": task["id"]}, omit=REPORT_OMITS[WF])
        entry["workflow_executions"] = [
            _workflow_entry(conn, catalog, child, errors_only, depth - 1, stats) for child in children
        ] if depth != 0 else []
        tasks.append(entry)
    return {"id": wf["id"], "name": wf["workflow_name"], "state": wf["state"], "state_info": wf.get("state_info"),
            **_times(wf), "task_executions": tasks}


def build_report(conn, catalog, execution_id: str, errors_only: bool, max_depth: int) -> dict[str, Any] | None:
    root = queries.get_row(conn, catalog, WF, execution_id)
    if root is None:
        return None
    stats = {"total": 0, **{k: 0 for k in COUNTED}}
    tree = _workflow_entry(conn, catalog, root, errors_only, max_depth, stats)
    statistics = {f"{k}_tasks_count": v for k, v in stats.items()}
    statistics["estimated_time"] = 0
    return {"statistics": statistics, "root_workflow_execution": tree}


async def get_report(request: web.Request) -> web.Response:
    check_known(request, ("errors_only", "max_depth", "statistics_only"))
    report = await node_of(request).read(
        build_report, request.match_info["id"], flag(request, "errors_only"), query_int(request, "max_depth", -1))
    if report is None:
        raise NotFound(f"WorkflowExecution not found [id={request.match_info['id']}]")
    if flag(request, "statistics_only"):
        report.pop("root_workflow_execution")
    return web.json_response(report)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/v2/executions/{id}/report", get_report),
    ]
