"""Reading requests: query parameters, text and JSON bodies, each checked with a clear error."""

from __future__ import annotations

import json
from typing import Any, Iterable

from aiohttp import web

from mistral_lite.errors import InvalidInput


def check_known(request: web.Request, allowed: Iterable[str]) -> None:
    """Reject query parameters the endpoint does not know, as Mistral does."""
    allowed = set(allowed)
    unknown = sorted(k for k in request.query if k not in allowed)
    if unknown:
        raise InvalidInput(f"Unknown argument(s): {', '.join(unknown)}; this endpoint accepts: {', '.join(sorted(allowed))}")


def flag(request: web.Request, name: str, default: bool = False) -> bool:
    raw = request.query.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in ("", "true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise InvalidInput(f"Invalid value for {name}: '{raw}'; expected true or false")


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


async def json_body(request: web.Request, allowed: Iterable[str]) -> dict[str, Any]:
    """A JSON object body whose keys are all among `allowed`."""
    raw = await request.read()
    try:
        body = json.loads(raw or b"{}")
    except ValueError as e:
        raise InvalidInput(f"The request body is not valid JSON: {e}") from None
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise InvalidInput(f"Unknown attribute(s) in the request body: {', '.join(unknown)}")
    return body


def json_object(value: Any, field: str, *, allow_none: bool = True) -> dict[str, Any] | None:
    """A field that Mistral accepts as an object or as a string holding JSON."""
    if value is None or value == "":
        if allow_none:
            return None
        raise InvalidInput(f"{field} is required")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as e:
            raise InvalidInput(f"{field} is not valid JSON: {e}") from None
    if not isinstance(value, dict):
        raise InvalidInput(f"JsonType field value must be a dictionary [actual={value!r}] ({field})")
    return value


def as_json_text(value: Any) -> str | None:
    """Mistral sends these fields as JSON documents inside strings."""
    return None if value is None else json.dumps(value)
