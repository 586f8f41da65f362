"""How big a value's JSON would be, found without building it.

The store keeps values as compact ASCII JSON (`separators=(",", ":")`,
non-ASCII escaped). Encoding a 100 MB result only to learn that it is too
big to keep would double the peak; this walk adds up the size piece by
piece, encodes only strings short enough to fit, and stops as soon as the
total passes the limit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

_encode_string = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
_LOG10_2 = 0.30103


def size_over(value: Any, limit: int) -> int | None:
    """None if the JSON encoding of value fits in limit bytes; else a lower bound of its size above limit."""
    total = 0
    pending: list[Any] = [value]  # an explicit stack: deep nesting must not hit the recursion limit
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if len(item) + 2 > limit - total:
                return total + len(item) + 2
            total += len(_encode_string(item))
        elif isinstance(item, Mapping):
            total += 2 + max(len(item) - 1, 0) + len(item)  # braces, commas, one colon per key
            for key, member in item.items():
                pending.append(member)
                pending.append(key if isinstance(key, str) else str(key))
        elif isinstance(item, (list, tuple)):
            total += 2 + max(len(item) - 1, 0)
            pending.extend(item)
        else:
            total += _scalar_size(item)
        if total > limit:
            return total
    return None


def _scalar_size(item: Any) -> int:
    if item is None or item is True:
        return 4
    if item is False:
        return 5
    if isinstance(item, int):
        if item.bit_length() < 14_000:
            return len(str(item))
        # At least this many digits: str() of a huge int is slow (and refused past 4,300 digits).
        return int((item.bit_length() - 1) * _LOG10_2) + 1 + (item < 0)
    if isinstance(item, float):
        return len(repr(item))
    return len(str(item)) + 2  # what the store's encoder would make of it at best


def describe(size: int) -> str:
    """Bytes in the unit a person reads best: 1048577 -> '1.0 MiB (1048577 bytes)'."""
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= factor:
            return f"{size / factor:.1f} {unit} ({size} bytes)"
    return f"{size} bytes"
