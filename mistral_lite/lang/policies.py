"""Task policies: wait-before/after, timeout, retry, pause-before, fail-on, concurrency, safe-rerun."""

from __future__ import annotations

from typing import Any

from mistral_lite.lang import inline
from mistral_lite.lang.place import Place, describe
from mistral_lite.lang.specs import Policies, Retry
from mistral_lite.lang.values import bool_or_expression, count_or_expression, expression_or_literal

POLICY_KEYS = ("wait-before", "wait-after", "timeout", "retry", "pause-before", "fail-on", "concurrency", "safe-rerun")
RETRY_KEYS = ("count", "delay", "break-on", "continue-on")


def parse_policies(place: Place) -> Policies:
    """The policies present in a task (or task-defaults) mapping."""
    values: dict[str, Any] = {}
    for key in POLICY_KEYS:
        if key in place.value:
            values[key.replace("-", "_")] = _PARSERS[key](place.child(key), key)
    return Policies(**values)


def parse_retry(place: Place, what: str = "retry") -> Retry:
    value = place.value
    if isinstance(value, str):
        # The one-line form: retry: count=3 delay=1 break-on=<% $.fatal %>
        try:
            value = inline.parse_params(value)
        except inline.InlineError as e:
            raise place.error(f"cannot read retry '{place.value}': {e}") from None
        place = Place(value, place.source, place.path, place.labels)
    if not isinstance(value, dict):
        raise place.error(f"retry must be a mapping with count and delay, got {describe(value)}")
    place.check_keys(RETRY_KEYS, "retry")
    count = count_or_expression(place.require("count", "retry"), "retry count")
    delay = count_or_expression(place.require("delay", "retry"), "retry delay")
    break_on = expression_or_literal(place.child("break-on")) if "break-on" in value else None
    continue_on = expression_or_literal(place.child("continue-on")) if "continue-on" in value else None
    return Retry(count, delay, break_on, continue_on)


_PARSERS = {
    "wait-before": count_or_expression,
    "wait-after": count_or_expression,
    "timeout": count_or_expression,
    "concurrency": count_or_expression,
    "retry": parse_retry,
    "pause-before": bool_or_expression,
    "fail-on": bool_or_expression,
    "safe-rerun": bool_or_expression,
}


def merge(task: Policies, defaults: Policies) -> Policies:
    """task-defaults fill each policy the task does not set (0 and false count as unset, as in Mistral)."""
    values: dict[str, Any] = {}
    for name in Policies.__dataclass_fields__:
        own, default = getattr(task, name), getattr(defaults, name)
        if name == "safe_rerun":
            values[name] = own if own is not None else default
        else:
            values[name] = own if own not in (None, 0, False) or default is None else default
    return Policies(**values)
