"""Evaluating values that may contain expressions: strings, lists and maps."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from mistral_lite.expr import jinja_lang, limits, yaql_lang
from mistral_lite.expr.errors import ExpressionError
from mistral_lite.expr.json_compat import to_json_compatible
from mistral_lite.expr.syntax import Expression, expressions_in, mixing_error, single_expression
from mistral_lite.expr.view import EngineView


def configure_limits(timeout: float | None = None, max_size: int | None = None) -> limits.Limits:
    """Set the time and size budget of every later evaluation (None keeps a value); the node
    calls this once at start with its options (see ``limits``)."""
    budget = limits.configure_limits(timeout, max_size)
    yaql_lang.prepare(budget)
    return budget


class _Data:
    """The data context, prepared for each language at most once per
    :func:`evaluate` call (a workflow's task input may hold many strings)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.raw = data

    @cached_property
    def yaql(self) -> Any:
        return yaql_lang.frozen_data(self.raw)

    @cached_property
    def jinja(self) -> dict[str, Any]:
        return jinja_lang.plain_data(self.raw)


def evaluate(value: Any, data: Mapping[str, Any], view: EngineView | None = None) -> Any:
    """Evaluate every expression in ``value`` against ``data``.

    Strings, lists/tuples and map *values* are walked recursively (map keys
    are never evaluated); anything else is returned as is. A string that is
    exactly one expression (surrounding whitespace allowed) yields the typed
    value; text around it or several expressions yield a string in which each
    value appears as Python ``str()`` would write it ({'a': 1}, None, True),
    as in Mistral. Mixing YAQL and Jinja in one string is an error.

    ``view`` answers task(), tasks(), execution(), executions(), env(),
    global() and uuid(); without it those functions raise ExpressionError.
    Results are JSON-compatible copies. Raises ExpressionError.
    """
    return _walk(value, _Data(data if data is not None else {}), view)


def _walk(value: Any, data: _Data, view: EngineView | None) -> Any:
    if isinstance(value, str):
        return _evaluate_string(value, data, view)
    if isinstance(value, Mapping):
        return {key: _walk(item, data, view) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(item, data, view) for item in value]
    return value


def _evaluate_string(text: str, data: _Data, view: EngineView | None) -> Any:
    found = expressions_in(text)
    if not found:
        return text
    mixed = mixing_error(text, found)
    if mixed:
        raise ExpressionError(mixed, expression=text)
    whole = single_expression(text)
    if found[0].kind == "yaql":
        if whole is not None:
            return to_json_compatible(yaql_lang.evaluate(whole.source, data.raw, data.yaql, view))
        return _interpolate_yaql(text, found, data, view)
    if whole is not None:
        return jinja_lang.evaluate(whole.source, data.raw, data.jinja, view)
    return jinja_lang.render(text, data.raw, data.jinja, view)


def _interpolate_yaql(
    text: str, found: list[Expression], data: _Data, view: EngineView | None
) -> str:
    parts: list[str] = []
    pos = 0
    for expression in found:
        value = yaql_lang.evaluate(expression.source, data.raw, data.yaql, view)
        # Python str(), not JSON: Mistral writes {'a': 1}, None, True.
        parts.append(text[pos : expression.start])
        parts.append(str(value))
        pos = expression.end
    parts.append(text[pos:])
    return "".join(parts)
