"""What can be kept as JSON text in the database: finite numbers, UTF-8 strings, bounded nesting.

Both edges check data with it before anything is stored: request bodies (api/fields.py)
and YAML definitions (lang/yaml_source.py). Each names the place with its own words,
so a problem carries the path to the bad value, not a message about where it came from.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any

# Deeper documents are refused; the default of the max_nesting_depth option.
DEFAULT_MAX_DEPTH = 100
# The YAML composer takes three stack frames a level; Python's default stack of 1,000
# frames holds this many levels with room for the server's own frames.
HIGHEST_MAX_DEPTH = 250

Path = tuple[Any, ...]


@dataclass(frozen=True)
class Problem:
    """Why the value at `path` (keys and list indexes from the top) cannot be stored."""

    path: Path
    message: str


def has_lone_surrogate(text: str) -> bool:
    """True when text holds half of a UTF-16 pair ("\\ud800"), which UTF-8 cannot encode."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def describe_text(text: str) -> str | None:
    """Why a string cannot be stored, or None."""
    if has_lone_surrogate(text):
        bad = next(c for c in text if 0xD800 <= ord(c) <= 0xDFFF)
        return f"the text holds a lone surrogate (\\u{ord(bad):04x}), which is not valid Unicode text"
    return None


def control_character(text: str) -> str | None:
    """The first control character of text, written as an escape ("\\u0000"); None if it has none.

    Storable, but not in a name: names end up in lookups, URLs and log lines.
    """
    for char in text:
        if unicodedata.category(char) == "Cc":
            return f"\\u{ord(char):04x}"
    return None


def first_problem(value: Any, max_depth: int = DEFAULT_MAX_DEPTH, start_depth: int = 0) -> Problem | None:
    """The first part of value that is not plain, storable JSON; None when all of it is.

    Iterative, so a document nested far deeper than the limit is refused instead of
    exhausting the stack. `start_depth` counts the containers already above value.
    """
    pending: list[tuple[Any, Path, int]] = [(value, (), start_depth)]
    while pending:
        item, path, depth = pending.pop()
        if isinstance(item, (dict, list, tuple)):
            depth += 1
            if depth > max_depth:
                return Problem(path, f"the value is nested deeper than {max_depth} levels (option max_nesting_depth)")
            if isinstance(item, dict):
                children = []
                for key, child in item.items():
                    if isinstance(key, str):
                        problem = describe_text(key)
                        if problem:
                            return Problem(path + (key,), f"the key is not storable: {problem}")
                    elif not (key is None or isinstance(key, (bool, int, float))):
                        return Problem(path + (key,), f"a key of type {type(key).__name__} cannot be stored; keys are text")
                    children.append((child, path + (key,), depth))
            else:
                children = [(child, path + (i,), depth) for i, child in enumerate(item)]
            pending.extend(reversed(children))  # popped in document order
        elif isinstance(item, str):
            problem = describe_text(item)
            if problem:
                return Problem(path, problem)
        elif isinstance(item, float):
            if not math.isfinite(item):
                return Problem(path, f"{item} is not a number JSON can hold (no NaN or Infinity)")
        elif not (item is None or isinstance(item, (bool, int))):
            return Problem(path, f"a value of type {type(item).__name__} cannot be stored as JSON")
    return None
