"""Errors the engine raises to its caller (as opposed to failures it records).

They are the domain errors of `mistral_lite.errors`, so the API maps them
to the right status without knowing about the engine.
"""

from __future__ import annotations

from mistral_lite.errors import Conflict, InvalidInput, NotFound



class InvalidWorkflowInput(InvalidInput):
    """Input that does not match the workflow's declared input, or a bad env."""


class NotFoundError(NotFound):
    pass


class StateConflict(Conflict):
    """The execution's state does not allow the change."""


class TaskFailure(Exception):
    """Inside a step: this task cannot proceed (bad expression, unknown action, ...).

    `force` fails the whole workflow at once, as Mistral does for errors in
    the definition's use (expressions, unknown actions, invalid input),
    without consulting on-error.
    """

    def __init__(self, message: str, *, force: bool = True, cause: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.force = force
        self.cause = cause if cause is not None else message  # the error alone, without where it happened
