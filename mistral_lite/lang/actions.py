"""Ad-hoc actions: a base action with preset input and an optional output transform."""

from __future__ import annotations

from mistral_lite.lang.inputs import parse_inputs
from mistral_lite.lang.place import Place
from mistral_lite.lang.specs import ActionSpec
from mistral_lite.lang.values import call, check_expressions, description, refuse_date, refuse_dates, tags

ACTION_KEYS = ("base", "base-input", "input", "output", "description", "tags")


def parse_action(place: Place) -> ActionSpec:
    name = place.path[-1] if place.path else place.labels.get("action")
    place.mapping(f"action '{name}'")
    place.check_keys(ACTION_KEYS, "an ad-hoc action")
    refuse_dates(place)
    base, inline_input = call(place.require("base", f"action '{name}'"), "base")
    base_input = {}
    if "base-input" in place.value and place.value["base-input"] is not None:
        base_input = place.child("base-input").mapping("base-input")
        check_expressions(place.child("base-input"))
        refuse_dates(place.child("base-input"))
    if "output" in place.value:
        check_expressions(place.child("output"))
        refuse_date(place.child("output"))
    return ActionSpec(
        name=name,
        base=base,
        base_input={**base_input, **inline_input},
        input=parse_inputs(place.child("input")) if "input" in place.value else (),
        output=place.value.get("output"),
        description=description(place.child("description")) if "description" in place.value else None,
        tags=tags(place.child("tags")) if "tags" in place.value else (),
    )


def check_base_cycles(actions: dict[str, ActionSpec], places: dict[str, Place], prefix: str = "") -> None:
    """Bases that lead back to the action itself would never resolve."""
    for name in actions:
        chain = [name]
        current = actions[name]
        while True:
            base = current.base
            local = base[len(prefix):] if prefix and base.startswith(prefix) else base
            nxt = local if local in actions else None
            if nxt is None:
                break
            if nxt in chain:
                raise places[name].child("base").error(
                    f"action bases form a cycle: {' -> '.join(chain + [nxt])}"
                )
            chain.append(nxt)
            current = actions[nxt]
