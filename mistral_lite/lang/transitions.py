"""on-success / on-error / on-complete / on-skip clauses."""

from __future__ import annotations

from typing import Any

from mistral_lite.lang import inline
from mistral_lite.lang.place import Place, describe
from mistral_lite.lang.specs import ENGINE_COMMANDS, Clause, Target
from mistral_lite.lang.values import check_expressions, non_empty_mapping

CLAUSE_KEYS = ("on-success", "on-error", "on-complete", "on-skip")
ADVANCED_KEYS = ("publish", "next")
PUBLISH_SCOPES = ("branch", "global", "atomic")
COMMAND_PARAMS = ("msg",)


def parse_clause(place: Place, task_names: set[str] | None) -> Clause:
    """A clause in any of its forms; task_names (if given) must contain every target."""
    value = place.value
    if isinstance(value, dict) and value and set(value) <= set(ADVANCED_KEYS):
        return _advanced(place, task_names)
    return Clause(targets=_targets(place, task_names))


def _advanced(place: Place, task_names: set[str] | None) -> Clause:
    place.check_keys(ADVANCED_KEYS, "an on-* clause with publish/next")
    targets: tuple[Target, ...] = ()
    if "next" in place.value:
        targets = _targets(place.child("next"), task_names)
    scopes: dict[str, Any] = {}
    if "publish" in place.value:
        publish = place.child("publish")
        publish.mapping("publish", allow_empty=False)
        publish.check_keys(PUBLISH_SCOPES, "publish of an on-* clause")
        for scope in PUBLISH_SCOPES:
            if scope in publish.value:
                scopes[scope] = non_empty_mapping(publish.child(scope), f"publish {scope}")
    return Clause(targets, scopes.get("branch"), scopes.get("global"), scopes.get("atomic"))


def _targets(place: Place, task_names: set[str] | None) -> tuple[Target, ...]:
    value = place.value
    if isinstance(value, str):
        return (_target(place, value, None, task_names),)
    if isinstance(value, dict) and len(value) == 1:
        return _targets(Place([value], place.source, place.path, place.labels), task_names)
    if not isinstance(value, list):
        raise place.error(f"must be a task name, a list of them, or a mapping with next/publish; got {describe(value)}")
    if not value:
        raise place.error("must list at least one task or command")
    targets: list[Target] = []
    seen: set[Any] = set()  # a set, not a list: a clause may list thousands of tasks
    for i, item in enumerate(value):
        item_place = place.child(i)
        key = _hashable(item)
        if key in seen:
            raise item_place.error(f"'{_item_text(item)}' is listed twice")
        seen.add(key)
        if isinstance(item, str):
            targets.append(_target(item_place, item, None, task_names))
        elif isinstance(item, dict) and len(item) == 1 and isinstance(next(iter(item)), str):
            text, condition = next(iter(item.items()))
            check_expressions(item_place.child(text))
            targets.append(_target(item_place, text, condition, task_names))
        else:
            raise item_place.error(
                f"an item must be a task name or {{task name: condition}}, got {describe(item)}"
            )
    return tuple(targets)


def _target(place: Place, text: str, condition: Any, task_names: set[str] | None) -> Target:
    try:
        name, params = inline.parse(text)
    except inline.InlineError as e:
        raise place.error(f"cannot read '{text}': {e}") from None
    if name in ENGINE_COMMANDS:
        unknown = sorted(set(params) - set(COMMAND_PARAMS))
        if unknown or (name == "noop" and params):
            raise place.error(f"engine command '{name}' takes only {'msg' if name != 'noop' else 'no parameters'}; got {', '.join(sorted(params))}")
        check_expressions(Place(params, place.source, place.path, place.labels))
        return Target(name, condition, params)
    if params:
        raise place.error(f"a transition to task '{name}' cannot carry parameters ('{text}')")
    if task_names is not None and name not in task_names:
        raise place.error(f"Task '{name}' not found.")
    return Target(name, condition)


def _hashable(value: Any) -> Any:
    """A value that compares (and hashes) like the YAML value it stands for."""
    if isinstance(value, dict):
        return ("mapping", frozenset((_hashable(k), _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", tuple(_hashable(v) for v in value))
    return value


def _item_text(item: Any) -> str:
    return next(iter(item)) if isinstance(item, dict) and item else str(item)
