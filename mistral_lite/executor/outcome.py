"""The result of running one action: a state and a payload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUCCESS = "SUCCESS"
ERROR = "ERROR"
CANCELLED = "CANCELLED"
# An async action was started; its result arrives later over the API.
RUNNING = "RUNNING"


@dataclass(frozen=True)
class Outcome:
    """What happened to one action run.

    `result` is the data on SUCCESS and the error payload on ERROR (a message
    string, std.fail's error_data, or std.http's response map); it is None
    for RUNNING.
    """

    state: str
    result: Any = None

    @classmethod
    def success(cls, data: Any = None) -> Outcome:
        """A completed action with its data."""
        return cls(SUCCESS, data)

    @classmethod
    def error(cls, payload: Any) -> Outcome:
        """A failed action with its error payload."""
        return cls(ERROR, payload)

    @classmethod
    def running(cls) -> Outcome:
        """An async action that was started and waits for its result."""
        return cls(RUNNING)

    @classmethod
    def cancelled(cls, payload: Any = None) -> Outcome:
        """An action that cancelled itself."""
        return cls(CANCELLED, payload)


class ActionException(Exception):
    """An action's own failure (std.fail, an unreachable URL): the runner reports it as Mistral's
    executor does, "The action raised an exception [action=..., action_ex_id=..., msg='...']".

    `label` is what Mistral shows as action= when it is not the action's name (std.fail: "Fail action").
    """

    def __init__(self, message: str, label: str | None = None) -> None:
        super().__init__(message)
        self.label = label


def error_text(error: BaseException) -> str:
    """An exception's message, or its type name when it has none (timeouts often have none)."""
    return str(error) or type(error).__name__
