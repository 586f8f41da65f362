"""with-items: `var in <% expr %>`, `var in {{ expr }}`, `var in [json list]`, or a list of them."""

from __future__ import annotations

import json
import re

from mistral_lite.lang.place import Place, describe
from mistral_lite.lang.specs import WithItems
from mistral_lite.lang.values import check_expressions, is_expression

ITEM = re.compile(r"^\s*([\w-]+)\s+in\s+(.+?)\s*$", re.DOTALL)


def parse_with_items(place: Place) -> WithItems:
    value = place.value
    if isinstance(value, str):
        return WithItems((_one(place, value),))
    if isinstance(value, list) and value:
        items = tuple(_one(place.child(i), v) for i, v in enumerate(value))
        names = [n for n, _ in items]
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate:
            raise place.error(f"with-items variable '{duplicate}' is used twice")
        return WithItems(items)
    raise place.error(f"with-items must be 'var in <% expression %>' or a list of such, got {describe(value)}")


def _one(place: Place, text: object) -> tuple[str, object]:
    match = ITEM.match(text) if isinstance(text, str) else None
    if match is None:
        raise place.error(
            f"with-items must read 'var in <% $.list %>', 'var in {{{{ _.list }}}}' or 'var in [1, 2]', got {describe(text)}"
        )
    name, collection = match.groups()
    if is_expression(collection):
        check_expressions(Place(collection, place.source, place.path, place.labels))
        return name, collection
    if collection.startswith("["):
        try:
            items = json.loads(collection)
        except ValueError as e:
            raise place.error(f"with-items list for '{name}' is not a JSON list: {e}") from None
        return name, items
    raise place.error(
        f"with-items collection for '{name}' must be an expression or a JSON list, got {collection!r}"
    )
