"""Reading requests: query parameters and text bodies, each checked with a clear error (JSON bodies: fields.py)."""

from __future__ import annotations

import json
from typing import Any, Iterable

from aiohttp import web

from mistral_lite.errors import InvalidInput
from mistral_lite.lang.documents import UUID_RE


def check_known(request: web.Request, allowed: Iterable[str]) -> None:
    """Reject query parameters the endpoint does not know, as Mistral does."""
    allowed = set(allowed)
    unknown = sorted(k for k in request.query if k not in allowed)
    if unknown:
        raise unknown_arguments(unknown)


def unknown_arguments(names: list[str]) -> InvalidInput:
    """Mistral's words for query parameters an endpoint does not take (scripts grep for them)."""
    return InvalidInput('Unknown argument: "' + ', '.join(sorted(names)) + '"')


def flag(request: web.Request, name: str, default: bool = False) -> bool:
    """A boolean query parameter; empty is false, as in Mistral (python-mistralclient sends `errors_only=`
    when the option is not given)."""
    raw = request.query.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("", "false", "0", "no", "off"):
        return False
    raise InvalidInput(f"Invalid value for {name}: '{raw}'; expected true or false")


def query_int(request: web.Request, name: str, default: int) -> int:
    """An integer query parameter, refused in the words of Mistral's API."""
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as e:
        raise InvalidInput(f"Invalid input for field/attribute {name}. Value: '{raw}'. "
                           f"unable to convert to int. Error: {e}") from None


def as_uuid(name: str, value: str) -> str:
    """An id from a path or the query, refused in the words of Mistral's API."""
    if not UUID_RE.match(value):
        raise InvalidInput(f"Invalid input for field/attribute {name}. Value: '{value}'. "
                           f"unable to convert to uuid. Error: Expected a uuid but received {value}.")
    return value


def path_uuid(request: web.Request, name: str = "id") -> str:
    return as_uuid(name, request.match_info[name])


async def text_body(request: web.Request) -> str:
    """The raw YAML text python-mistralclient sends for definitions."""
    if request.content_type in ("application/xml", "text/xml"):
        raise web.HTTPUnsupportedMediaType(text="XML request bodies are not supported; send the YAML text")
    raw = await request.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInput(f"The request body is not UTF-8 text: {e}") from None
    if not text.strip():
        raise InvalidInput("The request body is empty; send the definition as YAML text")
    return text


def as_json_text(value: Any) -> str | None:
    """Mistral sends these fields as JSON documents inside strings."""
    return None if value is None else json.dumps(value)
