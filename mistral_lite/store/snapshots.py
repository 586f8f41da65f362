"""What the engine's memory is loaded from: definitions and whole execution trees, read in one transaction."""

from __future__ import annotations

from typing import Any

from mistral_lite.engine import states
from mistral_lite.engine.rows import ACTION_DEFS, ACTIONS, ENVIRONMENTS, TASKS, TIMERS, WF, WF_DEFS
from mistral_lite.store import queries

DEFINITION_TABLES = (WF_DEFS, ACTION_DEFS, ENVIRONMENTS)


def load_unfinished(conn, catalog) -> dict[str, list[dict[str, Any]]]:
    """Definitions, and every execution tree whose root has not finished or still has a task at work (one that a
    `fail` or `succeed` left running goes on after its execution ended)."""
    snapshot: dict[str, list[dict[str, Any]]] = {}
    for table in DEFINITION_TABLES:
        snapshot[table] = queries.list_page(conn, catalog, table, queries.PageQuery(sort_keys=("created_at",)))
    roots = queries.list_page(conn, catalog, WF, queries.PageQuery(
        filters=(queries.Filter("state", "in", list(states.ACTIVE)), queries.Filter("root_execution_id", "null")),
    ))
    active = {r["id"] for r in roots}
    working = [root for root in _roots_with_active_tasks(conn, catalog) if root not in active]
    roots += [row for row in (queries.get_row(conn, catalog, WF, root) for root in sorted(working)) if row]
    snapshot.update(_trees(conn, catalog, roots))
    return snapshot


def _roots_with_active_tasks(conn, catalog) -> set[str]:
    tasks = queries.list_page(conn, catalog, TASKS, queries.PageQuery(
        filters=(queries.Filter("state", "in", sorted(states.AT_WORK)),)))
    wf_ids = sorted({t["workflow_execution_id"] for t in tasks})
    executions = queries.list_page(conn, catalog, WF, queries.PageQuery(
        filters=(queries.Filter("id", "in", wf_ids),))) if wf_ids else []
    return {e.get("root_execution_id") or e["id"] for e in executions}


def load_tree(conn, catalog, root_id: str) -> dict[str, list[dict[str, Any]]]:
    return load_trees(conn, catalog, [root_id])


def load_trees(conn, catalog, root_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    roots = [queries.get_row(conn, catalog, WF, root_id) for root_id in root_ids]
    return _trees(conn, catalog, [r for r in roots if r])


def _trees(conn, catalog, roots: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The rows of these root executions and everything below them."""
    snapshot: dict[str, list[dict[str, Any]]] = {}
    root_ids = [r["id"] for r in roots]
    executions = list(roots)
    if root_ids:
        executions += queries.list_page(conn, catalog, WF, queries.PageQuery(
            filters=(queries.Filter("root_execution_id", "in", root_ids),)))
    wf_ids = [e["id"] for e in executions]
    tasks = queries.list_page(conn, catalog, TASKS, queries.PageQuery(
        filters=(queries.Filter("workflow_execution_id", "in", wf_ids),))) if wf_ids else []
    task_ids = [t["id"] for t in tasks]
    actions = queries.list_page(conn, catalog, ACTIONS, queries.PageQuery(
        filters=(queries.Filter("task_execution_id", "in", task_ids),))) if task_ids else []
    snapshot[WF] = executions
    snapshot[TASKS] = tasks
    snapshot[ACTIONS] = actions
    snapshot[TIMERS] = queries.list_page(conn, catalog, TIMERS, queries.PageQuery(
        filters=(queries.Filter("workflow_execution_id", "in", wf_ids),), sort_keys=("due_at",))) if wf_ids else []
    return snapshot


def load_standalone_running(conn, catalog) -> list[dict[str, Any]]:
    """Action executions run outside any workflow that are still RUNNING."""
    return queries.list_page(conn, catalog, ACTIONS, queries.PageQuery(
        filters=(queries.Filter("state", "eq", states.RUNNING), queries.Filter("task_execution_id", "null"))))
