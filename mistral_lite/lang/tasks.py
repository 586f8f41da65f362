"""Tasks: which keys each workflow type allows, and what each key means."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mistral_lite.lang.place import Place, describe
from mistral_lite.lang.policies import POLICY_KEYS, merge, parse_policies
from mistral_lite.lang.specs import Clause, Policies, TaskSpec
from mistral_lite.lang.transitions import CLAUSE_KEYS, parse_clause
from mistral_lite.lang.values import (
    bool_or_expression,
    call,
    description,
    expression_or_literal,
    mapping_or_expression,
    non_empty_mapping,
    refuse_dates,
    tags,
)
from mistral_lite.lang.with_items import parse_with_items

COMMON_KEYS = (
    "name", "description", "tags", "action", "workflow", "input", "with-items", "publish",
    "publish-on-error", "publish-on-skip", "keep-result", "target", *POLICY_KEYS,
)
TYPE_KEYS = {
    "direct": ("join", *CLAUSE_KEYS),
    "reverse": ("requires",),
}
DEFAULTABLE_KEYS = {
    # Mistral accepts (and ignores) `requires` in a direct workflow's task-defaults.
    "direct": (*CLAUSE_KEYS, *POLICY_KEYS, "requires"),
    "reverse": ("requires", *POLICY_KEYS),
}
MAX_NAME = 255
MAX_JOIN_NAME = 208


def _field(key: str) -> str:
    return key.replace("-", "_")


def parse_defaults(place: Place, wf_type: str, task_names: set[str]) -> dict[str, Any]:
    """task-defaults: only the keys Mistral lets a default set, parsed like a task's."""
    place.mapping("task-defaults")
    place.check_keys(DEFAULTABLE_KEYS[wf_type], f"task-defaults of a {wf_type} workflow")
    refuse_dates(place)
    values: dict[str, Any] = {"policies": parse_policies(place)}
    for key in CLAUSE_KEYS:
        if key in place.value:
            values[_field(key)] = parse_clause(place.child(key), task_names)
    if "requires" in place.value:
        values["requires"] = _requires(place.child("requires"), task_names)
    return values


def parse_task(place: Place, wf_type: str, task_names: set[str], defaults: dict[str, Any]) -> TaskSpec:
    name = place.path[-1]
    if not isinstance(name, str) or not name:
        raise place.error(f"a task name must be a non-empty string, got {describe(name)}")
    place.mapping(f"task '{name}'")
    place.check_keys(COMMON_KEYS + TYPE_KEYS[wf_type], f"a task of a {wf_type} workflow")
    refuse_dates(place)
    value = place.value

    action, workflow, inline_input = _callable(place)
    task_input = mapping_or_expression(place.child("input"), "input") if "input" in value else {}
    if inline_input:
        if not isinstance(task_input, dict):
            raise place.child("input").error("inline parameters cannot be combined with an input expression")
        task_input = {**task_input, **inline_input}  # inline wins, as in Mistral's code

    spec = TaskSpec(
        name=name,
        action=action,
        workflow=workflow,
        input=task_input,
        publish=_publish(place, "publish"),
        publish_on_error=_publish(place, "publish-on-error"),
        publish_on_skip=_publish(place, "publish-on-skip"),
        with_items=parse_with_items(place.child("with-items")) if "with-items" in value else None,
        policies=parse_policies(place),
        keep_result=bool_or_expression(place.child("keep-result"), "keep-result") if "keep-result" in value else True,
        target=expression_or_literal(place.child("target")) if "target" in value else None,
        join=_join(place.child("join")) if "join" in value else None,
        requires=_requires(place.child("requires"), task_names) if "requires" in value else (),
        description=description(place.child("description")) if "description" in value else None,
        tags=tags(place.child("tags")) if "tags" in value else (),
        **{_field(k): parse_clause(place.child(k), task_names) for k in CLAUSE_KEYS if k in value},
    )
    limit = MAX_JOIN_NAME if spec.join is not None else MAX_NAME
    if len(name) > limit:
        raise place.error(f"task name is {len(name)} characters long; the limit is {limit}")
    return with_defaults(spec, defaults)


def with_defaults(spec: TaskSpec, defaults: dict[str, Any]) -> TaskSpec:
    """Apply task-defaults: a task's own clause replaces the default one; policies fill gaps."""
    if not defaults:
        return spec
    changes: dict[str, Any] = {"policies": merge(spec.policies, defaults.get("policies", Policies()))}
    for key in CLAUSE_KEYS:
        field = _field(key)
        default: Clause | None = defaults.get(field)
        if getattr(spec, field) is None and default is not None:
            # A default never makes a task transition to itself.
            targets = tuple(t for t in default.targets if t.is_command or t.name != spec.name)
            changes[field] = replace(default, targets=targets) if targets or _publishes(default) else None
    if defaults.get("requires"):
        own = list(spec.requires)
        changes["requires"] = tuple(own + [r for r in defaults["requires"] if r not in own and r != spec.name])
    return replace(spec, **changes)


def _publishes(clause: Clause) -> bool:
    return any((clause.publish_branch, clause.publish_global, clause.publish_atomic))


def _callable(place: Place) -> tuple[str | None, str | None, dict[str, Any]]:
    """action or workflow (never both), split from its inline parameters."""
    value = place.value
    if "action" in value and "workflow" in value:
        raise place.child("workflow").error("Task properties 'action' and 'workflow' can't be specified both")
    key = "action" if "action" in value else "workflow" if "workflow" in value else None
    if key is None:
        return None, None, {}
    name, params = call(place.child(key), key)
    return (name, None, params) if key == "action" else (None, name, params)


def _publish(place: Place, key: str) -> dict[str, Any] | None:
    if key not in place.value:
        return None
    return non_empty_mapping(place.child(key), key)


def _join(place: Place) -> str | int:
    value = place.value
    if value == "all":
        return "all"
    if value == "one":
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise place.error(f"join must be 'all', 'one' or a whole number ≥ 0, got {describe(value)}")
    return value


def _requires(place: Place, task_names: set[str]) -> tuple[str, ...]:
    value = place.value
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise place.error(f"requires must be a task name or a list of them, got {describe(value)}")
    for i, name in enumerate(names):
        if name not in task_names:
            where = place if isinstance(value, str) else place.child(i)
            raise where.error(f"Task '{name}' not found.")
    return tuple(names)


