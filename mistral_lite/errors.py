"""Domain errors, each mapped to one HTTP status by the API's middleware, and the error that stops a start."""

from __future__ import annotations


class MistralLiteError(Exception):
    """Base: `message` is what the user reads (Mistral's `faultstring`)."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(MistralLiteError):
    """Bad request data: query parameters, body fields, workflow input."""

    status = 400


class NotFound(MistralLiteError):
    status = 404


# Mistral's text for what its policy refuses; without authentication nobody is an administrator.
INSUFFICIENT_PERMISSIONS = "Operation forbidden (insufficient permissions)"


class Forbidden(MistralLiteError):
    """Refused whoever asks: what Mistral without authentication refuses (public objects, admin-only calls)."""

    status = 403

    def __init__(self, message: str = INSUFFICIENT_PERMISSIONS) -> None:
        super().__init__(message)


class Conflict(MistralLiteError):
    """A duplicate, or a change the object's current state does not allow."""

    status = 409


class Unavailable(MistralLiteError):
    """The node cannot record the change right now (storage failing, node stopping); nothing was kept."""

    status = 503


class StartRefused(Exception):
    """The node will not start (data directory in use, unusable or corrupt database):
    the one line the operator reads, saying what to do."""


class NodeFailed(Exception):
    """A running node had to stop (its storage failed under a committed entry): the one line the operator reads."""
