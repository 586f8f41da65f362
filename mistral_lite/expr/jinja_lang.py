"""Jinja2, configured as Mistral configures it.

Sandboxed environment (with ``*``, ``**`` and ``%`` checked against the
expression size budget before they run), StrictUndefined (a missing name or key raises),
``trim_blocks`` and ``lstrip_blocks``. ``_`` is the data context. Mistral's
functions are globals (``task('t1')``) and filters whose piped value stands
for the data context (``_ | task('t1')``); data functions used as filters
without an argument work on the piped value (``x | json_dump``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache, wraps
from typing import Any

import re

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from mistral_lite.expr import limits
from mistral_lite.expr.deadline import run_with_deadline
from mistral_lite.expr.errors import evaluation_error
from mistral_lite.expr.functions import DATA_FUNCTIONS, FUNCTIONS, call_function
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


# A printf width or precision: "%10s", "%-*d", "%.5f".
_PRINTF_FIELD = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _printf_fields_fit(template: str, values: Any) -> None:
    budget = limits.current().max_size
    for match in _PRINTF_FIELD.finditer(template):
        for width in match.groups():
            if width == "*":
                stars = values if isinstance(values, tuple) else (values,)
                size = max((v for v in stars if isinstance(v, int)), default=0)
            else:
                size = int(width or 0)
            if size > budget:
                limits.check_size("The formatted string", size)


# "{:1000000000}", "{0:>999999999}": a width or precision inside a replacement field.
_FORMAT_WIDTH = re.compile(r"\{[^{}]*:[^{}]*?(\d+)[^{}]*\}")


def _format_fields_fit(template: str) -> None:
    for match in _FORMAT_WIDTH.finditer(template):
        limits.check_size("The formatted string", int(match.group(1)))


def _padded_size(value: Any, width: Any = 0, *rest: Any, **kwargs: Any) -> int:
    return int(width) if isinstance(width, int) else 0


def _check_str_method(method: Any, args: tuple, kwargs: dict) -> None:
    """Methods of str that can build a huge string in one call, checked before the call."""
    # The sandbox hands out str.format wrapped (update_wrapper keeps the original).
    method = getattr(method, "__wrapped__", method)
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in ("center", "ljust", "rjust", "zfill") and args:
        limits.check_size("The padded string", _padded_size(owner, *args))
    elif name == "expandtabs":
        tab = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(tab, int):
            limits.check_size("The expanded string", len(owner) + owner.count("\t") * tab)
    elif name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
        count = args[2] if len(args) > 2 else kwargs.get("count", -1)
        limits.check_replace(owner, args[0], args[1], count)
    elif name in ("format", "format_map"):
        _format_fields_fit(owner)


def _bounded_filter(original: Callable[..., Any], check: Callable[..., None]) -> Callable[..., Any]:
    # wraps() keeps Jinja's pass_context/pass_eval_context marks.
    @wraps(original)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        check(*args, **kwargs)
        return original(*args, **kwargs)

    return bounded


def _check_center(value: Any, width: Any = 80) -> None:
    limits.check_size("The centred string", _padded_size(value, width))


def _check_indent(text: Any, width: Any = 4, *args: Any, **kwargs: Any) -> None:
    unit = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    text = str(text)
    limits.check_size("The indented string", len(text) + unit * (text.count("\n") + 1))


def _check_replace_filter(eval_ctx: Any, text: Any, old: Any, new: Any, count: Any = None) -> None:
    limits.check_replace(str(text), str(old), str(new), -1 if count is None else count)


def _check_format_filter(value: Any, *args: Any, **kwargs: Any) -> None:
    _printf_fields_fit(str(value), args[0] if len(args) == 1 else tuple(args))


def _check_wordwrap(environment: Any, text: Any, width: int = 79, break_long_words: bool = True,
                    wrapstring: Any = None, *args: Any, **kwargs: Any) -> None:
    text = str(text)
    separator = len(wrapstring) if isinstance(wrapstring, str) else 1
    lines = len(text) // max(int(width), 1) + 1 if isinstance(width, int) else 1
    limits.check_size("The wrapped string", len(text) + lines * separator)


_FILTER_CHECKS = {
    "center": _check_center,
    "indent": _check_indent,
    "replace": _check_replace_filter,
    "format": _check_format_filter,
    "wordwrap": _check_wordwrap,
}


class _BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, with the operators, filters and str methods that build large values
    in one C call checked first."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, check in _FILTER_CHECKS.items():
            self.filters[name] = _bounded_filter(self.filters[name], check)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        _check_str_method(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            return limits.safe_multiply(left, right)
        if operator == "**":
            return limits.safe_power(left, right)
        if isinstance(left, str):
            _printf_fields_fit(left, right)
        return left % right


def _environment() -> SandboxedEnvironment:
    env = _BoundedEnvironment(
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
        raise evaluation_error("Jinja", expression, e, data) from e


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
        raise evaluation_error("Jinja", text, e, data) from e
