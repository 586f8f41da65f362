"""The one error type of the expression package, and how its messages read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Error messages end up in task/workflow state_info, so keep the data excerpt
# short: enough to spot a typo in a key, not a dump of the whole context.
_DATA_EXCERPT_CHARS = 200


class ExpressionError(Exception):
    """An expression could not be parsed or evaluated.

    ``expression`` is the failing expression text (without delimiters) when
    one expression is to blame, else the whole string that was evaluated.
    """

    def __init__(self, message: str, *, expression: str | None = None) -> None:
        super().__init__(message)
        self.expression = expression


def evaluation_error(
    language: str, expression: str, cause: BaseException, data: Any
) -> ExpressionError:
    """Build the error for a failed evaluation, worded as Mistral words it."""
    return ExpressionError(
        f"Can not evaluate {language} expression [expression={expression}, "
        f"error={describe_cause(cause)}, data={data_excerpt(data)}]",
        expression=expression,
    )


def describe_cause(cause: BaseException) -> str:
    """Say what went wrong in words a workflow author can act on."""
    if isinstance(cause, ExpressionError):
        return str(cause)
    if isinstance(cause, KeyError) and cause.args:
        # yaql reports `$.missing` as a bare KeyError('missing').
        return f'Unknown key "{cause.args[0]}"'
    text = str(cause)
    module = type(cause).__module__
    if module.startswith(("yaql", "jinja2")) and text:
        # The libraries' own messages already name the problem.
        return text
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


def data_excerpt(data: Any) -> str:
    """A short repr of the data context, without the internal ``__`` keys."""
    if isinstance(data, Mapping):
        data = {k: v for k, v in data.items() if not str(k).startswith("__")}
    try:
        text = repr(data)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(data).__name__}>"
    if len(text) > _DATA_EXCERPT_CHARS:
        text = text[:_DATA_EXCERPT_CHARS] + "...truncated"
    return text
