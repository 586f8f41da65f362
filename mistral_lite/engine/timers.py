"""Durable timers: wait-before, wait-after, retry delays and timeouts are rows, not sleeping coroutines.

The engine records a timer row and asks the shell to arm it; when it fires
the shell sends TimerFired. A timer whose row is gone (its task finished
first) does nothing. A restarted node re-arms every timer row it loads.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from mistral_lite.engine.effects import ArmTimer
from mistral_lite.engine.rows import TIMERS
from mistral_lite.engine.step import Step
from mistral_lite.timestamps import STORED_FORMAT


def later(now: str, seconds: float) -> str:
    return (datetime.strptime(now, STORED_FORMAT) + timedelta(seconds=seconds)).strftime(STORED_FORMAT)


def arm(step: Step, kind: str, task_ex: Mapping[str, Any], seconds: float,
        payload: Mapping[str, Any] | None = None) -> dict[str, Any]:
    row = step.draft.insert(TIMERS, {
        "id": step.draft.new_id(),
        "kind": kind,
        "due_at": later(step.now, seconds),
        "workflow_execution_id": task_ex["workflow_execution_id"],
        "target_id": task_ex["id"],
        "payload": dict(payload or {}),
        "created_at": step.now,
    })
    step.effects.append(ArmTimer(row["id"], row["due_at"]))
    return row


def disarm_task(step: Step, task_ex: Mapping[str, Any], kinds: tuple[str, ...] | None = None) -> None:
    """Remove the task's pending timers (all, or only those kinds)."""
    for timer in step.rows.children(TIMERS, task_ex["id"]):
        if kinds is None or timer["kind"] in kinds:
            step.draft.delete(TIMERS, timer["id"])
