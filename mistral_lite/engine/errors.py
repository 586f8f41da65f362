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


class UnfinishableStop(InvalidInput):
    """A stop as SUCCESS that Mistral refuses (400): the output cannot be evaluated yet, or the execution is paused."""


class TaskFailure(Exception):
    """Inside a step: this task cannot proceed (bad expression, unknown action, ...).

    `force` fails the whole workflow at once, as Mistral does for errors in
    the definition's use (expressions, unknown actions, invalid input),
    without consulting on-error.

    `detail` says what was being done (e.g. "while evaluating the input of
    task t"); Mistral's messages carry such details on the lines after the
    head, so the head's `error=` is the bare error as Mistral words it.
    """

    def __init__(self, message: str, *, force: bool = True, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.force = force
        self.detail = detail

    def described(self) -> str:
        """The message with its detail, for one-line uses (state_info of a task that goes through on-error)."""
        return f"{self.message} ({self.detail})" if self.detail else self.message


class UnknownAction(TaskFailure):
    """No action of that name: a task's message names the namespace searched; a direct run's does not
    (both Mistral's words)."""

    def __init__(self, name: str, namespace: str) -> None:
        super().__init__(f"Failed to find action [action_name={name}, namespace={namespace}]")
        self.name = name
        self.direct_message = f"Failed to find action [action_name={name}]"
