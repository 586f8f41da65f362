"""An execution's timeline for the web UI: one row per task execution, one segment per attempt.

Built from the rows that exist anyway: the task executions, their action executions and sub-workflow
executions (each one run of the task, or of one item of a with-items task), and the timers still armed
(a wait or a timeout under way). Waits between attempts — wait-before, retry delays, wait-after — are
the gaps between them. Timestamps stay as stored (UTC, microseconds), which sort as text.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from mistral_lite.store.catalog import Catalog

COMPLETED = ("SUCCESS", "ERROR", "CANCELLED", "SKIPPED")
TASK_COLUMNS = ("id", "name", "type", "state", "state_info", "runtime_context", "created_at", "started_at",
                "finished_at", "updated_at")
RUN_COLUMNS = ("id", "name", "state", "state_info", "runtime_context", "created_at", "updated_at",
               "task_execution_id")
TIMER_COLUMNS = ("id", "kind", "target_id", "created_at", "due_at")


def read_timeline(conn: sqlite3.Connection, catalog: Catalog, execution_id: str) -> dict[str, Any] | None:
    """The timeline of one execution, read in one transaction; None if there is no such execution."""
    found = conn.execute("SELECT id, state, created_at, updated_at FROM workflow_executions WHERE id = ?",
                         (execution_id,)).fetchone()
    if found is None:
        return None
    tasks = _rows(conn, TASK_COLUMNS, "task_executions", "workflow_execution_id = ?", execution_id)
    of_execution = "task_execution_id IN (SELECT id FROM task_executions WHERE workflow_execution_id = ?)"
    runs: dict[str, list[dict[str, Any]]] = {}
    for kind, table in (("action", "action_executions"), ("workflow", "workflow_executions")):
        columns = RUN_COLUMNS if kind == "action" else tuple(
            "workflow_name AS name" if c == "name" else c for c in RUN_COLUMNS)
        for run in _rows(conn, columns, table, of_execution, execution_id):
            runs.setdefault(run["task_execution_id"], []).append({**run, "kind": kind})
    timers: dict[str, list[dict[str, Any]]] = {}
    for timer in _rows(conn, TIMER_COLUMNS, "timers", "workflow_execution_id = ?", execution_id):
        timers.setdefault(timer["target_id"], []).append(timer)
    return {
        "execution": dict(zip(("id", "state", "created_at", "updated_at"), found)),
        "tasks": [task_row(task, runs.get(task["id"], []), timers.get(task["id"], [])) for task in tasks],
    }


def task_row(task: dict[str, Any], runs: list[dict[str, Any]], timers: list[dict[str, Any]]) -> dict[str, Any]:
    """One task's row: its attempts in order, the waits between them, and any timer still armed."""
    runtime = task.get("runtime_context") or {}
    segments = [_attempt(run, number) for run, number in zip(runs, _attempt_numbers(runs))]
    segments += _waits(task, segments)
    segments += [{"kind": "timer", "timer": t["kind"], "id": t["id"], "start": t["created_at"], "end": t["due_at"]}
                 for t in timers]
    segments.sort(key=lambda s: (s["start"] or "", s["kind"] != "wait"))
    return {
        "id": task["id"], "name": task["name"], "type": task["type"], "state": task["state"],
        "state_info": task["state_info"], "created_at": task["created_at"], "started_at": task["started_at"],
        "finished_at": task["finished_at"],
        "retries": (runtime.get("retry_task_policy") or {}).get("retry_no", 0),
        "timed_out": "timed out" in (task["state_info"] or ""),
        "attempts": max((s["attempt"] for s in segments if "attempt" in s), default=0),
        "segments": segments,
    }


def _attempt_numbers(runs: list[dict[str, Any]]) -> list[int]:
    """The n-th run of the same item (a plain task has one item) is attempt n."""
    seen: dict[Any, int] = {}
    numbers = []
    for run in runs:
        item = (run.get("runtime_context") or {}).get("index", 0)
        seen[item] = seen.get(item, 0) + 1
        numbers.append(seen[item])
    return numbers


def _attempt(run: dict[str, Any], number: int) -> dict[str, Any]:
    done = run["state"] in COMPLETED
    return {"kind": run["kind"], "id": run["id"], "name": run["name"], "state": run["state"],
            "state_info": run["state_info"], "attempt": number,
            "item": (run.get("runtime_context") or {}).get("index"),
            "start": run["created_at"], "end": run["updated_at"] if done else None}


def _waits(task: dict[str, Any], attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gaps with no attempt running: before the first, between attempts, after the last."""
    spans: dict[int, list[str | None]] = {}
    for a in attempts:
        span = spans.setdefault(a["attempt"], [a["start"], a["end"]])
        span[0] = min(span[0], a["start"])
        span[1] = None if span[1] is None or a["end"] is None else max(span[1], a["end"])
    ordered = [spans[n] for n in sorted(spans)]
    waits = []
    begin = task["started_at"] or task["created_at"]
    if ordered and begin and begin < ordered[0][0]:
        waits.append(_wait("before", begin, ordered[0][0]))
    for (_, end), (start, _) in zip(ordered, ordered[1:]):
        if end is not None and end < start:
            waits.append(_wait("retry", end, start))
    finished = task["finished_at"]
    if ordered and ordered[-1][1] is not None and finished and ordered[-1][1] < finished:
        waits.append(_wait("after", ordered[-1][1], finished))
    return waits


def _wait(reason: str, start: str, end: str) -> dict[str, Any]:
    return {"kind": "wait", "reason": reason, "start": start, "end": end}


def _rows(conn: sqlite3.Connection, columns: tuple[str, ...], table: str, where: str, *params: Any) -> list[dict]:
    names = [c.split(" AS ")[-1] for c in columns]
    found = conn.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {where} ORDER BY rowid", params)
    rows = []
    for values in found:
        row = dict(zip(names, values))
        for key in ("runtime_context", "payload"):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
        rows.append(row)
    return rows
