"""Turn expression results into plain JSON-compatible Python values.

Results are stored as JSON and replicated, so they must be dicts, lists,
strings, numbers, booleans or None -- never yaql's FrozenDict or tuples,
Jinja's Markup/Undefined, ranges, generators or datetimes. Every container
is rebuilt, so the result never aliases the caller's data.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from typing import Any

# oslo.serialization (what Mistral stores JSON with) writes datetimes so.
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"

_SCALARS = (bool, int, float, type(None))


def to_json_compatible(value: Any) -> Any:
    """Return a deep, JSON-compatible copy of ``value``.

    Mappings become dicts, sequences and other iterables become lists, sets
    become *sorted* lists (set order depends on string hashing, which differs
    between processes, and replicas must agree), datetimes become strings in
    oslo's format, and anything else unknown becomes ``str(value)``.
    """
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, str):
        # str subclasses (jinja2 Markup) are stored as plain strings.
        return value if type(value) is str else str(value)
    if isinstance(value, Mapping):
        return {_key(k): to_json_compatible(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return _sorted([to_json_compatible(v) for v in value])
    if isinstance(value, datetime.datetime):
        return value.strftime(_DATETIME_FORMAT)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, Iterable):
        return [to_json_compatible(v) for v in value]
    return str(value)


def _key(key: Any) -> Any:
    # JSON object keys: keep what json.dumps accepts, stringify the rest.
    if isinstance(key, str):
        return key if type(key) is str else str(key)
    if isinstance(key, _SCALARS):
        return key
    return str(key)


def _sorted(items: list[Any]) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:
        # Mixed types: order by canonical JSON text, still deterministic.
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
