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


def is_completed(state: str) -> bool:
    return state in COMPLETED
