"""Which root execution a row, a command or an event belongs to, read from the engine's rows.

The shell uses it to confine trouble to one execution tree: when a step cannot
be recorded, only the trees its commands touched are rebuilt, and only their
events wait meanwhile.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from mistral_lite.engine.events import ActionFinished, Event, RerunTask, TimerFired
from mistral_lite.engine.rows import ACTIONS, TASKS, TIMERS, WF, Rows

TREE_TABLES = (WF, TASKS, ACTIONS, TIMERS)


def root_of_row(rows: Rows, table: str, row: Mapping[str, Any] | None) -> str | None:
    """The root execution id of a row (None for rows of no execution, such as standalone actions)."""
    if row is None:
        return None
    if table in (TASKS, TIMERS):
        return root_of_row(rows, WF, rows.get(WF, row.get("workflow_execution_id")))
    if table == ACTIONS:
        return root_of_row(rows, TASKS, rows.get(TASKS, row.get("task_execution_id")))
    if table == WF:
        return row.get("root_execution_id") or row.get("id")
    return None


def roots_of(rows: Rows, commands: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every root execution the commands change."""
    roots = set()
    for command in commands:
        table = command.get("table")
        if table not in TREE_TABLES:
            continue
        root = root_of_row(rows, table, command.get("row") or rows.get(table, command.get("id")))
        if root is not None:
            roots.add(root)
    return roots


def root_of_event(rows: Rows, event: Event) -> str | None:
    if isinstance(event, ActionFinished):
        return root_of_row(rows, ACTIONS, rows.get(ACTIONS, event.action_execution_id))
    if isinstance(event, TimerFired):
        return root_of_row(rows, TIMERS, rows.get(TIMERS, event.timer_id))
    if isinstance(event, RerunTask):
        return root_of_row(rows, TASKS, rows.get(TASKS, event.task_execution_id))
    return root_of_row(rows, WF, rows.get(WF, getattr(event, "execution_id", None)))
