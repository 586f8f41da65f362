"""States of workflow, task and action executions: the names, and which are final."""

from __future__ import annotations

IDLE = "IDLE"
WAITING = "WAITING"
RUNNING = "RUNNING"
DELAYED = "DELAYED"
PAUSED = "PAUSED"
SUCCESS = "SUCCESS"
ERROR = "ERROR"
CANCELLED = "CANCELLED"
SKIPPED = "SKIPPED"

COMPLETED = frozenset({SUCCESS, ERROR, CANCELLED, SKIPPED})
ACTIVE = frozenset({IDLE, WAITING, RUNNING, DELAYED, PAUSED})
# Tasks that go on by themselves (an action running, a retry or wait due): after their execution has ended,
# only these still finish; a task still WAITING for a join then never will.
AT_WORK = frozenset({RUNNING, DELAYED})


def is_completed(state: str) -> bool:
    return state in COMPLETED
