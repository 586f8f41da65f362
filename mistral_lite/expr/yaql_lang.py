"""YAQL, configured as Mistral configures it.

Engine: keyword-argument operator ``=>``, no delegates, dicts not
iterable; unlike Mistral (whose defaults are unlimited), yaql's own iterator
and memory limits are set from the expression size budget, and integer
products, powers and shifts are checked before they run (see ``limits``). ``$`` is the data context, converted to
yaql's immutable structures. Output is converted back here rather than by
yaql's finalizer: tuples and other iterables become lists, FrozenDicts
dicts; sets of plain values stay sets (as in Mistral, so ``str()`` of one
reads ``{1, 2}``; the evaluator sorts them into lists for typed results).
yaql's own conversion would turn ``dict.items()`` (a set-like view of
pairs) into a set of lists and fail, so ``$.m.items()`` works here and not
in Mistral.
"""

from __future__ import annotations

from collections import OrderedDict

# yaql 3.2.0 uses collections.abc after a bare `import collections`; make sure
# the submodule is loaded whatever imported first.
import collections.abc  # noqa: F401
import itertools
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

import yaql
from yaql.language import exceptions as yaql_exceptions
from yaql.language import factory, specs, yaqltypes
from yaql.language import utils as yaql_utils
from yaql.standard_library import collections as yaql_collections
from yaql.standard_library import math as yaql_math
from yaql.standard_library import strings as yaql_strings

from mistral_lite.expr import limits
from mistral_lite.expr.deadline import run_with_deadline
from mistral_lite.expr.errors import evaluation_error
from mistral_lite.expr.functions import FUNCTIONS, call_function
from mistral_lite.expr.view import EngineView

_ENGINE_OPTIONS = {
    "yaql.convertTuplesToLists": True,
    "yaql.convertSetsToLists": False,
    "yaql.iterableDicts": False,
    # Converted by _output_data below instead.
    "yaql.convertOutputData": False,
}


@lru_cache(maxsize=8)
def _engine(budget: limits.Limits) -> Any:
    # yaql checks these itself: no function takes a collection longer than
    # max_items, none returns (or takes) a value larger than max_size.
    # Building one costs ~0.2 s (ply's tables), hence one per budget, kept.
    options = {**_ENGINE_OPTIONS, "yaql.limitIterators": budget.max_items, "yaql.memoryQuota": budget.max_size}
    engine = factory.YaqlFactory(keyword_operator="=>", allow_delegates=False).create(options=options)
    engine("$")  # ply builds its tables at the first parse (~80 ms): here, not inside an evaluation's budget
    return engine


_current: list[Any] = [None, None]  # the budget in force and its engine


def _engine_now() -> Any:
    budget = limits.current()
    if _current[0] is not budget:  # configure_limits makes a new Limits object
        _current[:] = [budget, _engine(budget)]
    return _current[1]


def prepare(budget: limits.Limits) -> None:
    """Build the engine for ``budget`` now (at configuration), not in the first evaluation."""
    _engine(budget)


prepare(limits.current())

# "$" + a name with "#" cannot be written in a yaql expression (the lexer's
# variables are `$\w*`), so expressions cannot reach the view object itself.
_VIEW_KEY = "#mistral_lite_view"

# Mistral also exposes these data keys as yaql variables ($__env, ...).
_CONTEXT_VARIABLES = ("__env", "__execution", "__task_execution")

_GRAMMAR_ERRORS = (yaql_exceptions.YaqlException, KeyError, ValueError, TypeError)


def _adapter(name: str) -> Callable[..., Any]:
    def call(context: Any, *args: Any, **kwargs: Any) -> Any:
        view = context.get_data(_VIEW_KEY)
        # Back into yaql's immutable form so std functions (distinct, sets,
        # ...) work on function results as they do on `$` data.
        return yaql_utils.convert_input_data(call_function(name, view, args, kwargs))

    call.__name__ = name
    return call


@specs.parameter("left", yaqltypes.Number())
@specs.parameter("right", yaqltypes.Number())
@specs.name("#operator_*")
def _multiply(left: Any, right: Any) -> Any:
    return limits.safe_multiply(left, right)


# yaql's own check of `[1] * n` adds a negative term and lets any n through.
@specs.parameter("left", yaqltypes.Sequence())
@specs.parameter("right", int)
@specs.name("#operator_*")
def _repeat_list(left: Any, right: int) -> Any:
    return limits.safe_multiply(left, right)


@specs.parameter("left", int)
@specs.parameter("right", yaqltypes.Sequence())
@specs.name("#operator_*")
def _repeat_list_reversed(left: int, right: Any) -> Any:
    return limits.safe_multiply(left, right)


@specs.parameter("a", yaqltypes.Number())
@specs.parameter("b", yaqltypes.Number())
@specs.parameter("c", yaqltypes.Number(nullable=True))
@specs.name("pow")
def _pow(a: Any, b: Any, c: Any = None) -> Any:
    return limits.safe_power(a, b, c)


@specs.parameter("value", int)
@specs.parameter("bits_number", int)
@specs.name("shiftBitsLeft")
def _shift_bits_left(value: int, bits_number: int) -> int:
    return limits.safe_shift_left(value, bits_number)


@specs.parameter("string", yaqltypes.String())
@specs.parameter("old", yaqltypes.String())
@specs.parameter("new", yaqltypes.String())
@specs.parameter("count", int)
@specs.method
@specs.name("replace")
def _replace(string: str, old: str, new: str, count: int = -1) -> str:
    # yaql checks the size of the result only once it is built.
    return limits.safe_replace(string, old, new, count)


# yaql's versions of these compute any integer or string, however large, in one
# uninterruptible call; each is swapped for its bounded twin in the layer that
# holds it (an extra layer above the standard library would slow every lookup).
_BOUNDED_TWINS = {
    yaql_math.multiplication: _multiply,
    yaql_collections.list_by_int: _repeat_list,
    yaql_collections.int_by_list: _repeat_list_reversed,
    yaql_math.pow_: _pow,
    yaql_math.shift_bits_left: _shift_bits_left,
    yaql_strings.replace: _replace,
}


def _swap_in_bounded_twins(context: Any) -> None:
    missing = dict(_BOUNDED_TWINS)
    layer = context
    while layer is not None and missing:
        for original in list(missing):
            name = specs.get_function_definition(missing[original]).name
            found, _ = layer.get_functions(name, predicate=lambda spec, f=original: spec.payload is f)
            for spec in found:
                layer.delete_function(spec)
                layer.register_function(missing.pop(original))
        layer = layer.parent
    if missing:  # a yaql upgrade moved them: fail at import, not silently unbounded
        raise RuntimeError(f"yaql functions not found to bound: {[f.__name__ for f in missing]}")


def _root_context() -> Any:
    context = yaql.create_context(delegates=False)
    for name in FUNCTIONS:
        context.register_function(_adapter(name), name=name)
    _swap_in_bounded_twins(context)
    return context


_ROOT_CONTEXT = _root_context()


def _parse(source: str) -> Any:
    # A parsed statement keeps the engine, and so the limits, it was parsed with.
    return _parse_with(_engine_now(), source)


# yaql's engine parses with one shared ply lexer, whose input and position are plain attributes:
# two threads parsing at once read each other's text, and the wrong statement would be cached.
_PARSING = threading.Lock()


@lru_cache(maxsize=4096)
def _parse_with(engine: Any, source: str) -> Any:
    with _PARSING:
        return engine(source)


def syntax_error(source: str) -> str | None:
    """None if ``source`` (no delimiters) is valid YAQL, else the parser's message."""
    try:
        _parse(source.strip())
    except _GRAMMAR_ERRORS as e:
        return str(getattr(e, "message", e)) or type(e).__name__
    return None


# Frozen copies of large values, by identity. Values held by the engine are
# never changed in place (every change makes a new object), and the cache
# keeps the original alive, so an id cannot be reused while it is cached.
_FROZEN: OrderedDict[int, tuple[Any, Any]] = OrderedDict()
_FROZEN_LIMIT = 512
_SMALL = 16


def _frozen_value(value: Any) -> Any:
    if not isinstance(value, (dict, list)) or len(value) <= _SMALL:
        return yaql_utils.convert_input_data(value)
    hit = _FROZEN.get(id(value))
    if hit is not None and hit[0] is value:
        _FROZEN.move_to_end(id(value))
        return hit[1]
    frozen = yaql_utils.convert_input_data(value)
    _FROZEN[id(value)] = (value, frozen)
    if len(_FROZEN) > _FROZEN_LIMIT:
        _FROZEN.popitem(last=False)
    return frozen


def frozen_data(data: Any) -> Any:
    """``data`` as yaql's immutable structures.

    A context repeats the same large values from evaluation to evaluation
    (the workflow input, the items of a with-items task), so each top-level
    value is converted once and reused, instead of the whole context every time.
    """
    if not isinstance(data, dict):
        return yaql_utils.convert_input_data(data)
    return yaql_utils.FrozenDict({key: _frozen_value(value) for key, value in data.items()})


def evaluate(source: str, data: Mapping[str, Any], frozen: Any, view: EngineView | None) -> Any:
    """Evaluate one YAQL expression (no delimiters) against ``data``.

    ``frozen`` is ``frozen_data(data)``. Returns yaql's output data (lists,
    dicts, scalars, possibly sets or datetimes). Raises ExpressionError.
    """
    expression = source.strip()
    _engine_now()  # built (once per budget) outside the deadline
    try:
        return run_with_deadline(_run, expression, frozen, view)
    except yaql_exceptions.MemoryQuotaExceededException:
        raise evaluation_error("YAQL", expression, limits.size_exceeded()) from None
    except yaql_exceptions.CollectionTooLargeException:
        raise evaluation_error("YAQL", expression, limits.items_exceeded()) from None
    except Exception as e:
        raise evaluation_error("YAQL", expression, e) from e


def _run(expression: str, frozen: Any, view: EngineView | None) -> Any:
    context = _ROOT_CONTEXT.create_child_context()
    context["$"] = frozen
    context[_VIEW_KEY] = view
    if isinstance(frozen, Mapping):
        for name in _CONTEXT_VARIABLES:
            context[name] = frozen.get(name)
    # Converted here, within the budget: lazy results (generators, ranges,
    # repeat()) are only computed while being consumed.
    return _output_data(_parse(expression).evaluate(context=context))


def _output_data(value: Any) -> Any:
    """yaql's result as plain Python data (lists, dicts, sets of scalars)."""
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, Mapping):
        return {_output_data(k): _output_data(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        items = [_output_data(v) for v in value]
        try:
            return set(items)
        except TypeError:  # elements were tuples/maps, now unhashable
            return items
    if isinstance(value, Iterable):
        cap = limits.current().max_items
        items = [_output_data(v) for v in itertools.islice(value, cap + 1)]
        limits.check_items("The result", len(items))
        return items
    return value
