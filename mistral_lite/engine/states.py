"""States of workflow, task and action executions, and the moves between them.

One table serves all three, as in Mistral. A state may always stay itself.
"""

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

ALL = (IDLE, WAITING, RUNNING, DELAYED, PAUSED, SUCCESS, ERROR, CANCELLED, SKIPPED)
COMPLETED = frozenset({SUCCESS, ERROR, CANCELLED, SKIPPED})
ACTIVE = frozenset({IDLE, WAITING, RUNNING, DELAYED, PAUSED})

TRANSITIONS: dict[str, frozenset[str]] = {
    IDLE: frozenset({RUNNING, ERROR, CANCELLED}),
    WAITING: frozenset({RUNNING, ERROR, CANCELLED}),
    RUNNING: frozenset({PAUSED, DELAYED, SUCCESS, ERROR, CANCELLED}),
    DELAYED: frozenset({RUNNING, ERROR, CANCELLED}),
    PAUSED: frozenset({RUNNING, ERROR, CANCELLED}),
    SUCCESS: frozenset(),
    ERROR: frozenset({RUNNING, SKIPPED}),
    CANCELLED: frozenset({RUNNING}),
    SKIPPED: frozenset(),
}


class IllegalTransition(Exception):
    """A move the state table does not allow; the message says which and why not."""


def is_completed(state: str) -> bool:
    return state in COMPLETED


def can_move(current: str, new: str) -> bool:
    return current == new or new in TRANSITIONS[current]


def check_move(kind: str, obj_id: str, current: str, new: str) -> None:
    if not can_move(current, new):
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (it is final)"
        raise IllegalTransition(
            f"Can't change {kind} state from {current} to {new} [id={obj_id}]; allowed from {current}: {allowed}"
        )
