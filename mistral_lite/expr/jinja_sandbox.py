"""Jinja's sandbox, with what builds a large value in one C call checked before the call.

A deadline can stop a Jinja loop but not one C call: ``'x' * n``,
``10 ** n``, ``'%1000000000d' % 1``, ``'x' | center(n)``, ``s.replace(a, b)``
allocate their whole result at once. The intercepted operators, the
filters ``center``, ``indent``, ``replace``, ``format``, ``wordwrap`` and
the str methods that pad, expand, replace or format, and ``+`` and ``~``
(doubling a string in a loop), estimate their result first and raise
LimitExceeded past the expression size budget.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from jinja2.compiler import CodeGenerator
from jinja2.sandbox import SandboxedEnvironment

from mistral_lite.expr import limits

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


def _joined_size(parts: Any) -> int:
    return sum(len(part) for part in parts) * (1 if all(part.isascii() for part in parts) else 4)


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a call the environment checks (Jinja compiles it to a plain join)."""

    def visit_Concat(self, node: Any, frame: Any) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(SandboxedEnvironment):
    """The sandbox, with the operators, filters and str methods that build large values
    in one C call checked first."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _BoundedCodeGenerator

    def bounded_concat(self, values: Any) -> str:
        # Doubling a string in a loop (ns.s = ns.s ~ ns.s) reaches gigabytes in 30 steps.
        parts = [str(value) for value in values]
        limits.check_size("The joined string", _joined_size(parts))
        return "".join(parts)

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
        if operator == "+":
            if isinstance(left, (str, list, tuple)) and type(left) is type(right):
                size = len(left) + len(right)
                limits.check_size("The joined value", size if isinstance(left, str) else size * limits.POINTER_BYTES)
            return left + right
        if isinstance(left, str):
            _printf_fields_fit(left, right)
        return left % right
