"""The one error type of the expression package, and how its messages read."""

from __future__ import annotations


class ExpressionError(Exception):
    """An expression could not be parsed or evaluated.

    ``expression`` is the failing expression text (without delimiters) when
    one expression is to blame, else the whole string that was evaluated.
    """

    def __init__(self, message: str, *, expression: str | None = None) -> None:
        super().__init__(message)
        self.expression = expression


def evaluation_error(language: str, expression: str, cause: BaseException) -> ExpressionError:
    """Build the error for a failed evaluation, worded as Mistral 23 words it. Like Mistral, it never
    quotes the data context, which may hold secrets."""
    return ExpressionError(
        f"Can not evaluate {language} expression [expression={expression}, error={describe_cause(cause)}]",
        expression=expression,
    )


def describe_cause(cause: BaseException) -> str:
    """What went wrong, as Mistral shows it: the exception's own text (`'missing'` for a key yaql did not
    find, as str(KeyError) reads)."""
    if isinstance(cause, ExpressionError):
        return str(cause)
    if isinstance(cause, KeyError):
        return str(cause)
    text = str(cause)
    module = type(cause).__module__
    if module.startswith(("yaql", "jinja2")) and text:
        # The libraries' own messages already name the problem.
        return text
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__
