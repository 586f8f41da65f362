"""Expressions: YAQL ``<% %>`` and Jinja2 ``{{ }}`` / ``{% %}`` with
Mistral's functions, evaluated purely against data and an engine view."""

from mistral_lite.expr.errors import ExpressionError
from mistral_lite.expr.evaluator import configure_limits, evaluate
from mistral_lite.expr.limits import LimitExceeded, Limits
from mistral_lite.expr.syntax import (
    Expression,
    expressions_in,
    has_expression,
    single_expression,
    syntax_error,
)
from mistral_lite.expr.view import EngineView, PlainView, select_tasks

__all__ = [
    "EngineView",
    "Expression",
    "ExpressionError",
    "LimitExceeded",
    "Limits",
    "PlainView",
    "configure_limits",
    "evaluate",
    "expressions_in",
    "has_expression",
    "select_tasks",
    "single_expression",
    "syntax_error",
]
