"""Declared inputs (workflows and ad-hoc actions): names, some with defaults."""

from __future__ import annotations

import json
from typing import Any, Mapping

from mistral_lite.lang.place import Place, describe
from mistral_lite.lang.specs import InputParam
from mistral_lite.lang.values import refuse_dates


def parse_inputs(place: Place) -> tuple[InputParam, ...]:
    """`[name, {name: default}, ...]`; defaults are taken literally, never evaluated."""
    if place.value is None:
        return ()
    if not isinstance(place.value, list):
        raise place.error(f"input must be a list of names or {{name: default}}, got {describe(place.value)}")
    if not place.value:
        raise place.error("input must not be an empty list; leave it out when there is no input")
    params: list[InputParam] = []
    seen: set[str] = set()
    for i, item in enumerate(place.value):
        item_place = place.child(i)
        if isinstance(item, str) and item:
            param = InputParam(item)
        elif isinstance(item, dict) and len(item) == 1 and isinstance(next(iter(item)), str):
            refuse_dates(item_place)
            name, default = next(iter(item.items()))
            param = InputParam(name, True, default)
        else:
            raise item_place.error(
                f"input item must be a name or a mapping of one name to its default, got {describe(item)}"
            )
        if param.name in seen:
            raise item_place.error(f"input '{param.name}' is declared twice")
        seen.add(param.name)
        params.append(param)
    return tuple(params)


def signature(params: tuple[InputParam, ...] | list[Any]) -> str:
    """Mistral's one-line signature: 'name, greeting="Hello"'."""
    parts = []
    for param in params:
        if isinstance(param, InputParam):
            parts.append(f"{param.name}={json.dumps(param.default)}" if param.has_default else param.name)
        elif isinstance(param, dict):
            parts.extend(f"{k}={json.dumps(v)}" for k, v in param.items())
        else:
            parts.append(str(param))
    return ", ".join(parts)


def workflow_signature(raw_input: list[Any]) -> str:
    """A workflow's `input` as Mistral's API shows it: each default in Python's own words inside double
    quotes (`level="1"`, `tags="['a', 'b']"`, `on="True"`), unlike an action's JSON defaults."""
    parts = []
    for param in raw_input:
        if isinstance(param, dict):
            parts.extend(f'{k}="{v}"' for k, v in param.items())
        else:
            parts.append(str(param))
    return ", ".join(parts)


def check_supplied(params: tuple[InputParam, ...], supplied: Mapping[str, Any], name: str, kind: str) -> dict[str, Any]:
    """Supplied values checked against declared params, defaults filled in; raises InputMismatch."""
    declared = {p.name for p in params}
    missing = [p.name for p in params if not p.has_default and p.name not in supplied]
    unexpected = [k for k in supplied if k not in declared]
    if missing or unexpected:
        raise InputMismatch(mismatch_message(name, kind, missing, unexpected))
    # Mistral's order: the supplied values as given, then the defaults of the others in declared order.
    return {**supplied, **{p.name: p.default for p in params if p.has_default and p.name not in supplied}}


def mismatch_message(name: str, class_name: str | None, missing: list[str], unexpected: list[str]) -> str:
    """Mistral's `Invalid input [...]`: only the lists that are not empty (scripts match on the text)."""
    msg = f"Invalid input [name={name}, class={class_name}"
    if missing:
        msg += f", missing={missing}"
    if unexpected:
        msg += f", unexpected={unexpected}"
    return msg + "]"


def workflow_class(spec_type: str) -> str:
    """The class Mistral names in a workflow's input errors: DirectWorkflowSpec, ReverseWorkflowSpec."""
    return f"{spec_type.capitalize()}WorkflowSpec"


# The class Mistral names in an ad-hoc action's input errors.
ADHOC_ACTION_CLASS = "mistral.actions.adhoc.AdHocAction"


class InputMismatch(ValueError):
    """Missing or unexpected input names; the message is Mistral's `Invalid input [...]`."""
