"""Jinja2, configured as Mistral configures it.

Sandboxed environment (bounded, see ``jinja_sandbox``; every evaluation
under the deadline), StrictUndefined (a missing name or key raises),
``trim_blocks`` and ``lstrip_blocks``. ``_`` is the data context. Mistral's
functions are globals (``task('t1')``) and filters whose piped value stands
for the data context (``_ | task('t1')``); data functions used as filters
without an argument work on the piped value (``x | json_dump``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from mistral_lite.expr.deadline import run_with_deadline
from mistral_lite.expr.errors import evaluation_error
from mistral_lite.expr.functions import DATA_FUNCTIONS, FUNCTIONS, call_function
from mistral_lite.expr.jinja_sandbox import BoundedSandbox
from mistral_lite.expr.json_compat import to_json_compatible
from mistral_lite.expr.view import EngineView

# A render variable whose name is not a Jinja identifier: templates cannot
# name it, the functions reach it through the render context.
_VIEW_KEY = " mistral_lite_view"

# Mistral also exposes these data keys as top-level names.
_CONTEXT_VARIABLES = ("__env", "__execution", "__task_execution")


def _global(name: str) -> Callable[..., Any]:
    @jinja2.pass_context
    def call(context: Any, *args: Any, **kwargs: Any) -> Any:
        return call_function(name, context.get(_VIEW_KEY), args, kwargs)

    return call


def _filter(name: str) -> Callable[..., Any]:
    @jinja2.pass_context
    def call(context: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        # In Mistral the piped value is the function's hidden context
        # argument, which only the data functions can use.
        if name in DATA_FUNCTIONS and not args and not kwargs:
            args = (value,)
        return call_function(name, context.get(_VIEW_KEY), args, kwargs)

    return call


def _environment() -> SandboxedEnvironment:
    env = BoundedSandbox(
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    for name in FUNCTIONS:
        env.globals[name] = _global(name)
        env.filters[name] = _filter(name)
    return env


_ENV = _environment()


@lru_cache(maxsize=4096)
def _compile_expression(source: str) -> Any:
    return _ENV.compile_expression(source, undefined_to_none=False)


@lru_cache(maxsize=4096)
def _compile_template(text: str) -> jinja2.Template:
    return _ENV.from_string(text)


def syntax_error(template: str) -> str | None:
    """None if ``template`` parses as a Jinja template, else the parser's message."""
    try:
        _ENV.parse(template)
    except jinja2.TemplateSyntaxError as e:
        return f"{e.message} (line {e.lineno})"
    return None


def plain_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """A private copy of ``data``: the sandbox still lets templates call
    ``list.append``, and the caller's data must never change."""
    return to_json_compatible(data)


def _variables(plain: Mapping[str, Any], view: EngineView | None) -> dict[str, Any]:
    variables: dict[str, Any] = {"_": plain, _VIEW_KEY: view}
    # `_` may be any value (an ad-hoc action's output sees the base result).
    context = plain if isinstance(plain, Mapping) else {}
    for name in _CONTEXT_VARIABLES:
        variables[name] = context.get(name)
    return variables


def _strip_whitespace_control(source: str) -> str:
    # `{{- x -}}`: the dashes belong to the delimiters, not to the expression.
    if source.startswith("-"):
        source = source[1:]
    if source.endswith("-"):
        source = source[:-1]
    return source.strip()


def evaluate(
    source: str, data: Mapping[str, Any], plain: Mapping[str, Any], view: EngineView | None
) -> Any:
    """Evaluate one ``{{ }}`` expression (``source`` without delimiters) to a
    typed, JSON-compatible value. ``plain`` is ``plain_data(data)``."""
    expression = _strip_whitespace_control(source)
    try:
        return run_with_deadline(_evaluate, expression, _variables(plain, view))
    except Exception as e:
        raise evaluation_error("Jinja", expression, e) from e


def _evaluate(expression: str, variables: dict[str, Any]) -> Any:
    result = _compile_expression(expression)(**variables)
    # StrictUndefined only raises when used; converting uses it, also
    # inside lists and maps ({{ [_.missing] }}).
    return to_json_compatible(result)


def _render(text: str, variables: dict[str, Any]) -> str:
    return _compile_template(text).render(**variables)


def render(
    text: str, data: Mapping[str, Any], plain: Mapping[str, Any], view: EngineView | None
) -> str:
    """Render ``text`` as a template (text around or several expressions)."""
    try:
        return run_with_deadline(_render, text, _variables(plain, view))
    except Exception as e:
        raise evaluation_error("Jinja", text, e) from e
