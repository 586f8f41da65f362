"""Errors the engine raises to its caller (as opposed to failures it records)."""

from __future__ import annotations


class EngineError(Exception):
    """A request the engine refuses; `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidWorkflowInput(EngineError):
    pass


class NotFoundError(EngineError):
    status = 404


class StateConflict(EngineError):
    """The execution's state does not allow the change."""

    status = 409


class TaskFailure(Exception):
    """Inside a step: this task cannot proceed (bad expression, unknown action, ...).

    `force` fails the whole workflow at once, as Mistral does for errors in
    the definition's use (expressions, unknown actions, invalid input),
    without consulting on-error.
    """

    def __init__(self, message: str, *, force: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.force = force
