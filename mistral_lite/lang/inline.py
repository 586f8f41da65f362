"""Inline parameters: `std.http url="http://x" method='POST' timeout=5`.

The first word is a name (an action, a workflow, an engine command, or an
expression giving one); the rest are key=value pairs. Values may be quoted
strings, YAQL or Jinja expressions, JSON lists, true/false/null or whole numbers.
Mistral silently drops values it cannot read (`output=Hi`); here they are
an error that says how to write them.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Mistral reads only digits as a number: of `1.5` it keeps 1, `-2` it drops (see _value).
NUMBER = re.compile(r"\d+(?=[\s,)]|$)")
NUMBER_LIKE = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(?=[\s,)]|$)")
KEY = re.compile(r"[\w][\w.-]*")
NAME_END = re.compile(r"[\s=(\"]")
EXPRESSION_PAIRS = (("<%", "%>"), ("{{", "}}"), ("{%", "%}"))
LITERALS = {"true": True, "false": False, "null": None}


class InlineError(ValueError):
    """Inline parameters that cannot be read."""


def split_name(text: str) -> tuple[str, str]:
    """('std.echo', 'output="hi"') from 'std.echo output="hi"'; an expression may be the name."""
    text = text.strip()
    for start, end in EXPRESSION_PAIRS:
        if text.startswith(start):
            close = text.find(end, len(start))
            if close < 0:
                return text, ""
            return text[: close + len(end)], text[close + len(end):].strip()
    match = NAME_END.search(text)
    if match is None:
        return text, ""
    return text[: match.start()], text[match.start():].strip()


def parse(text: str) -> tuple[str, dict[str, Any]]:
    """Name and parameters of an inline call; raises InlineError on anything unreadable."""
    name, rest = split_name(text)
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1].strip()  # the call form: fail(msg="x")
    return name, parse_params(rest)


def parse_params(text: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    pos = 0
    while True:
        while pos < len(text) and (text[pos].isspace() or text[pos] == ","):
            pos += 1
        if pos >= len(text):
            return params
        key_match = KEY.match(text, pos)
        if key_match is None or not text.startswith("=", key_match.end()):
            raise InlineError(f"expected key=value at '{_excerpt(text, pos)}'")
        key = key_match.group()
        value, pos = _value(text, key_match.end() + 1, key)
        params[key] = value


def _value(text: str, pos: int, key: str) -> tuple[Any, int]:
    rest = text[pos:]
    for quote in ('"', "'"):
        if rest.startswith(quote):
            close = text.find(quote, pos + 1)
            if close < 0:
                raise InlineError(f"unclosed {quote} in the value of '{key}'")
            return text[pos + 1 : close], close + 1
    for start, end in EXPRESSION_PAIRS:
        if rest.startswith(start):
            close = text.find(end, pos + len(start))
            if close < 0:
                raise InlineError(f"unclosed {start} in the value of '{key}'")
            return text[pos : close + len(end)], close + len(end)
    if rest.startswith("["):
        close = _matching_bracket(text, pos)
        if "]" in text[close + 1 :]:
            # Mistral's pattern takes everything up to the last ']' as this one value.
            raise InlineError(
                f"Mistral would read the value of '{key}' up to the last ']' of the line, swallowing what "
                f"follows it; give only the last parameter as an inline list, the others in input:"
            )
        raw = text[pos : close + 1]
        try:
            return json.loads(raw), close + 1
        except ValueError:
            return raw, close + 1
    for word, value in LITERALS.items():
        if re.match(rf"{word}(?=[\s,)]|$)", rest):
            return value, pos + len(word)
    number = NUMBER.match(text, pos)
    if number is not None:
        raw = number.group()
        # Mistral reads the digits as JSON, which has no leading zeros: `007` stays the text "007".
        return (raw if len(raw) > 1 and raw.startswith("0") else int(raw)), number.end()
    like = NUMBER_LIKE.match(text, pos)
    if like is not None:
        raise InlineError(
            f"the value of '{key}' is {like.group()}: Mistral reads only whole numbers ≥ 0 inline "
            f"(it would silently drop this one or its fraction); write {key}=<% {like.group()} %> "
            f"for the number, or {key}=\"{like.group()}\" for the text"
        )
    raise InlineError(
        f"cannot read the value of '{key}' at '{_excerpt(text, pos)}': quote text "
        f"({key}=\"...\"), or use a number, true, false, null, [a JSON list] or an expression"
    )


def _matching_bracket(text: str, pos: int) -> int:
    depth = 0
    quote: str | None = None
    for i in range(pos, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i
    raise InlineError(f"unclosed [ at '{_excerpt(text, pos)}'")


def _excerpt(text: str, pos: int) -> str:
    piece = text[pos : pos + 30]
    return piece + ("..." if len(text) > pos + 30 else "")
