"""Finding expressions in strings, and checking their syntax.

Delimiters: YAQL ``<% ... %>``; Jinja ``{{ ... }}`` and ``{% ... %}``.

Mistral finds them with regular expressions (``<%.*?%>``, ``{{(.*?)}}``), so
a closing delimiter inside a quoted string (``<% '%>' %>``) or a nested map
(``{{ {'a': {'b': 1}} }}``) cuts the expression short. The scanner here skips
quoted strings (and, for Jinja, balanced brackets, as Jinja's own lexer
does), and falls back to the first closing delimiter when the quotes or
brackets never balance -- so it only differs from Mistral where Mistral
fails. It also
finds expressions that span lines, which Mistral's regexes (no DOTALL) miss.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from mistral_lite.expr import jinja_lang, yaql_lang

Kind = Literal["yaql", "jinja"]

_OPENER = re.compile(r"<%|\{\{|\{%")

# opener -> (closer, kind, is_block)
_DELIMITERS: dict[str, tuple[str, Kind, bool]] = {
    "<%": ("%>", "yaql", False),
    "{{": ("}}", "jinja", False),
    "{%": ("%}", "jinja", True),
}

_QUOTES: dict[Kind, str] = {"yaql": "'\"`", "jinja": "'\""}

MIXING_MESSAGE = "Mixing expression types in a single line is not allowed"


@dataclass(frozen=True)
class Expression:
    """One expression found in a string.

    ``source`` is the text between the delimiters; ``start``/``end`` delimit
    the whole expression, delimiters included (``text[start:end]``).
    ``is_block`` marks a Jinja statement block ``{% ... %}``.
    """

    kind: Kind
    source: str
    start: int
    end: int
    is_block: bool = False


def expressions_in(text: str) -> list[Expression]:
    """All expressions in ``text``, in order of appearance."""
    if not isinstance(text, str):
        return []
    return list(_scan(text))


def single_expression(text: str) -> Expression | None:
    """The expression if ``text`` is exactly one value expression (``<% %>``
    or ``{{ }}``, whitespace around it allowed), else None. Such a string
    evaluates to a typed value; any other string evaluates to a string."""
    found = expressions_in(text)
    if len(found) != 1 or found[0].is_block:
        return None
    only = found[0]
    if text[: only.start].strip() or text[only.end :].strip():
        return None
    return only


def has_expression(value: Any) -> bool:
    """True if a string anywhere in ``value`` (nested lists, map values;
    never map keys) contains an expression."""
    if isinstance(value, str):
        return bool(_scan(value))
    if isinstance(value, Mapping):
        return any(has_expression(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_expression(v) for v in value)
    return False


def mixing_error(text: str, expressions: list[Expression] | tuple[Expression, ...]) -> str | None:
    """The message for a string mixing YAQL and Jinja, or None if it does not."""
    if len({e.kind for e in expressions}) > 1:
        return f"{MIXING_MESSAGE} [text={text}]"
    return None


def syntax_error(text: str) -> str | None:
    """None if every expression in ``text`` parses, else a message naming
    the offending expression. Used to reject workflow files at upload."""
    if not isinstance(text, str):
        return None
    found = _scan(text)
    if not found:
        return None
    mixed = mixing_error(text, found)
    if mixed:
        return mixed
    if found[0].kind == "yaql":
        for e in found:
            problem = yaql_lang.syntax_error(e.source)
            if problem:
                return f"Invalid YAQL expression {text[e.start:e.end]!r}: {problem}"
        return None
    return _jinja_syntax_error(text, found)


def _jinja_syntax_error(text: str, found: tuple[Expression, ...]) -> str | None:
    # Check each {{ }} alone first so the message can name it; blocks only
    # make sense together ({% if %} ... {% endif %}), so the whole text last.
    for e in found:
        if not e.is_block:
            problem = jinja_lang.syntax_error(text[e.start:e.end])
            if problem:
                return f"Invalid Jinja expression {text[e.start:e.end]!r}: {problem}"
    problem = jinja_lang.syntax_error(text)
    if problem:
        return f"Invalid Jinja template {text!r}: {problem}"
    return None


# Expression strings come from workflow definitions and repeat; strings this
# long are data that has_expression() is asked about, not worth keeping.
_CACHED_TEXT_CHARS = 4096


def _scan(text: str) -> tuple[Expression, ...]:
    if len(text) > _CACHED_TEXT_CHARS:
        return _scan_uncached(text)
    return _scan_cached(text)


@lru_cache(maxsize=4096)
def _scan_cached(text: str) -> tuple[Expression, ...]:
    return _scan_uncached(text)


def _scan_uncached(text: str) -> tuple[Expression, ...]:
    # Linear in len(text) even for hostile input (uploads are scanned): a
    # closer that no longer occurs is remembered, and after the first
    # quote-aware search that runs off the end (unbalanced quotes) the rest
    # of the text is matched as Mistral matches it, by the first closer.
    found: list[Expression] = []
    pos = 0
    quote_aware = True
    exhausted: set[str] = set()
    while (match := _OPENER.search(text, pos)) is not None:
        closer, kind, is_block = _DELIMITERS[match.group()]
        body = match.end()
        close_at = None if closer in exhausted else text.find(closer, body)
        if close_at is None or close_at < 0:
            # Unclosed: not an expression; look for a later opener.
            exhausted.add(closer)
            pos = match.start() + 1
            continue
        if quote_aware:
            aware = _find_closer(text, body, closer, kind)
            if aware is None:
                quote_aware = False
            else:
                close_at = aware
        found.append(Expression(kind, text[body:close_at], match.start(), close_at + 2, is_block))
        pos = close_at + 2
    return tuple(found)


def _find_closer(text: str, start: int, closer: str, kind: Kind) -> int | None:
    """Index of the closing delimiter, skipping quoted strings (and for
    Jinja, bracketed code); None if the quotes or brackets never balance."""
    quotes = _QUOTES[kind]
    track_brackets = kind == "jinja"
    depth = 0
    quote: str | None = None
    i = start
    while i < len(text):
        char = text[i]
        if quote is not None:
            if char == "\\":
                i += 2
                continue
            if char == quote:
                quote = None
        elif depth == 0 and text.startswith(closer, i):
            return i
        elif char in quotes:
            quote = char
        elif track_brackets and char in "([{":
            depth += 1
        elif track_brackets and char in ")]}" and depth > 0:
            depth -= 1
        i += 1
    return None
