"""Checks for the kinds of values the language allows, each raising at the right place."""

from __future__ import annotations

import re
from typing import Any

from mistral_lite.expr import single_expression, syntax_error
from mistral_lite.lang import inline
from mistral_lite.lang.place import Place, describe
from mistral_lite.lang.yaml_source import YamlDate

# Mistral's schema checks the JSON type of a mapping's values only under keys of word characters.
CHECKED_KEY = re.compile(r"^\w+$")


def is_expression(value: Any) -> bool:
    """A string that is exactly one YAQL or Jinja expression."""
    return isinstance(value, str) and single_expression(value) is not None


def check_expressions(place: Place) -> None:
    """Every string inside the value (values only, never keys) must parse as YAQL/Jinja."""
    value = place.value
    if isinstance(value, str):
        problem = syntax_error(value)
        if problem is not None:
            raise place.error(problem)
    elif isinstance(value, dict):
        for key in value:
            check_expressions(place.child(key))
    elif isinstance(value, list):
        for i in range(len(value)):
            check_expressions(place.child(i))


# Counts and seconds fit a 32-bit integer: 68 years of delay still make a valid timestamp,
# and a retry count or concurrency beyond it is a typo, not a plan.
MAX_COUNT = 2**31 - 1


def count_or_expression(place: Place, what: str) -> Any:
    """A whole number ≥ 0, or an expression giving one."""
    value = place.value
    if is_expression(value):
        check_expressions(place)
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise place.error(f"{what} must be an integer ≥ 0 or an expression, got {describe(value)}")
    if not 0 <= value <= MAX_COUNT:
        raise place.error(f"{what} must be an integer from 0 to {MAX_COUNT}, got {value}")
    return value


def bool_or_expression(place: Place, what: str) -> Any:
    value = place.value
    if is_expression(value):
        check_expressions(place)
        return value
    if not isinstance(value, bool):
        raise place.error(f"{what} must be true, false or an expression, got {describe(value)}")
    return value


def expression_or_literal(place: Place) -> Any:
    """Any value; its strings are checked as expressions."""
    check_expressions(place)
    return place.value


def refuse_date(place: Place) -> None:
    """A value YAML read as a date, where Mistral's schema wants a JSON value, is refused as Mistral does."""
    if isinstance(place.value, YamlDate):
        raise place.error(
            f"{place.value} is read by YAML as a date, which Mistral does not accept here; "
            f"quote it ('{place.value}') to keep it as text"
        )


def refuse_dates(place: Place) -> None:
    """The direct values of a mapping (not deeper ones, which Mistral does not check) must not be dates."""
    if isinstance(place.value, dict):
        for key, value in place.value.items():
            if isinstance(value, YamlDate) and isinstance(key, str) and CHECKED_KEY.match(key):
                refuse_date(place.child(key))


def non_empty_mapping(place: Place, what: str) -> dict[str, Any]:
    mapping = place.mapping(what, allow_empty=False)
    check_expressions(place)
    refuse_dates(place)
    return mapping


def mapping_or_expression(place: Place, what: str) -> Any:
    if is_expression(place.value):
        check_expressions(place)
        return place.value
    mapping = place.mapping(f"{what} (or an expression giving a mapping)")
    check_expressions(place)
    refuse_dates(place)
    return mapping


def tags(place: Place) -> tuple[str, ...]:
    """A list of unique non-empty strings."""
    value = place.value
    if not isinstance(value, list):
        raise place.error(f"tags must be a list of strings, got {describe(value)}")
    if not value:
        raise place.error("tags must not be an empty list; leave the key out instead")
    seen: set[str] = set()
    for i, tag in enumerate(value):
        if not isinstance(tag, str) or isinstance(tag, YamlDate) or not tag:
            raise place.child(i).error(f"a tag must be a non-empty string, got {describe(tag)}")
        if tag in seen:
            raise place.child(i).error(f"tag '{tag}' is listed twice")
        seen.add(tag)
    return tuple(value)


def description(place: Place) -> str | None:
    refuse_date(place)
    if place.value is not None and not isinstance(place.value, str):
        raise place.error(f"description must be a string, got {describe(place.value)}")
    if place.value == "":
        raise place.error("description must not be empty; leave the key out instead")
    return place.value


def loose_description(place: Place) -> str | None:
    """A workflow's description: Mistral's schema does not check it, so any value is accepted (with a
    warning when it is not text; it is then not shown as the description)."""
    if place.value is None or isinstance(place.value, str):
        return place.value
    place.warn(f"description should be a string, got {describe(place.value)}; Mistral accepts it, "
               f"mistral-lite ignores it")
    return None


def call(place: Place, what: str) -> tuple[str, dict[str, Any]]:
    """`name key=value ...` (an action, workflow or base): the name and its inline parameters."""
    if not isinstance(place.value, str) or not place.value.strip():
        raise place.error(f"{what} must be a name (with optional inline parameters), got {describe(place.value)}")
    try:
        name, params = inline.parse(place.value)
    except inline.InlineError as e:
        raise place.error(f"cannot read inline parameters of '{place.value}': {e}") from None
    check_expressions(place)
    return name, params
