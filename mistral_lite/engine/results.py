"""A task's result, as `task().result` and the API show it."""

from __future__ import annotations

from typing import Any, Mapping

from mistral_lite.engine.rows import Rows


def action_result(action_ex: Mapping[str, Any]) -> Any:
    return (action_ex.get("output") or {}).get("result")


def task_result(rows: Rows, task_ex: Mapping[str, Any]) -> Any:
    """The action's result (or error payload), the sub-workflow's output, or a list for with-items."""
    if task_ex.get("type") == "WORKFLOW":
        # Earlier attempts (retry, rerun) no longer count, as for actions.
        children = [c for c in rows.subworkflows_of(task_ex["id"])
                    if (c.get("runtime_context") or {}).get("accepted", True)]
        if (task_ex.get("runtime_context") or {}).get("with_items"):
            return [c.get("output") for c in sorted(children, key=_index)]
        # As in Mistral, a task with nothing to show (its sub-workflow never started) has an empty list.
        return children[-1].get("output") if children else []
    actions = [a for a in rows.actions_of(task_ex["id"]) if _counts(a)]
    if (task_ex.get("runtime_context") or {}).get("with_items"):
        return [action_result(a) for a in sorted(actions, key=_index)]
    if not actions:
        return []
    return action_result(actions[-1])


def _counts(action_ex: Mapping[str, Any]) -> bool:
    # As in Mistral, only an action that delivered a result counts: one still running, or given up
    # by a timeout or a cancel, adds nothing (a task with none has the result []).
    return bool(action_ex.get("accepted", True)) and action_ex.get("output") is not None


def _index(row: Mapping[str, Any]) -> int:
    return (row.get("runtime_context") or {}).get("index", 0)
