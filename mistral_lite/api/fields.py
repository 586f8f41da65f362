"""Request bodies and their fields: each one's type and size, checked before a handler acts on it.

Every write endpoint declares its body as a schema (field name -> Field). `read_body`
parses the JSON within the node's limits, refuses what could not be stored (NaN,
lone surrogates, deep nesting) and answers a 400 naming the first wrong field, in
the words Mistral's API uses ("Invalid input for field/attribute ..."). Handlers
then get values of the declared types: a handler never sees a list where it expects
a name, so nothing malformed reaches the engine or the log.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from aiohttp import web

from mistral_lite import storable
from mistral_lite.api.context import node_of
from mistral_lite.errors import Forbidden, InvalidInput

# Mistral's column widths: ids are 36 characters, names 255, execution descriptions 255.
ID_LENGTH = 36
NAME_LENGTH = 255
SHORT_TEXT = 255
LONG_TEXT = 65_535
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SHOWN = 80


def _shown(value: Any) -> str:
    """The value as the error quotes it: JSON, escaped, cut short."""
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


PATH_PARTS = 6


def field_path(field: str, path: storable.Path = ()) -> str:
    """input.servers[2].name (a deep path is cut short: the top of it says where)."""
    text = field
    for part in path[:PATH_PARTS]:
        text += f"[{part}]" if isinstance(part, int) else f".{_shown(part).strip(chr(34))}"
    return text + ("…" if len(path) > PATH_PARTS else "")


def invalid(field: str, message: str, value: Any = None, *, show: bool = True) -> InvalidInput:
    quoted = f" Value: '{_shown(value)}'." if show else ""
    return InvalidInput(f"Invalid input for field/attribute {field}.{quoted} {message}")


@dataclass(frozen=True)
class Field:
    """One body field: what it must be. A null is always accepted and means "not given"."""

    kind: str  # "text", "uuid", "object", "json", "bool", "int", "number"
    max_length: int = LONG_TEXT
    # Names, ids and states: no control characters (they end up in lookups, URLs and logs).
    plain: bool = False
    minimum: int | None = None
    maximum: int | None = None

    def check(self, name: str, value: Any, max_depth: int) -> Any:
        if value is None:
            return None
        return getattr(self, f"_{self.kind}")(name, value, max_depth)

    def _text(self, name: str, value: Any, max_depth: int) -> str:
        if not isinstance(value, str):
            raise invalid(name, f"Wrong type. Expected a string, got {_type_name(value)}.", value)
        if len(value) > self.max_length:
            raise invalid(name, f"The text is {len(value)} characters long; at most {self.max_length} are allowed.",
                          show=False)
        char = "\\u0000" if "\x00" in value else storable.control_character(value) if self.plain else None
        if char is not None:
            raise invalid(name, f"The text holds the control character {char}, which is not allowed here.", value)
        return value

    def _uuid(self, name: str, value: Any, max_depth: int) -> str:
        if not UUID_RE.match(self._text(name, value, max_depth)):
            raise invalid(name, f"Expected a uuid but received {_shown(value)}.", value)
        return value

    def _object(self, name: str, value: Any, max_depth: int) -> dict[str, Any] | None:
        """An object, or (as Mistral's clients send it) a string holding one; "" and {} mean none."""
        if isinstance(value, str):
            if not value.strip():
                return None
            value = parse_json(value, name, max_depth, start_depth=1)
        if not isinstance(value, dict):
            raise invalid(name, f"JsonType field value must be a dictionary [actual={_shown(value)}]", show=False)
        return value

    def _json(self, name: str, value: Any, max_depth: int) -> Any:
        return value  # any JSON value; storable.first_problem has checked it already

    def _bool(self, name: str, value: Any, max_depth: int) -> bool:
        if not isinstance(value, bool):
            raise invalid(name, f"Wrong type. Expected true or false, got {_type_name(value)}.", value)
        return value

    def _int(self, name: str, value: Any, max_depth: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(name, f"Wrong type. Expected a whole number, got {_type_name(value)}.", value)
        return self._in_range(name, value)

    def _number(self, name: str, value: Any, max_depth: int) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                isinstance(value, float) and not math.isfinite(value)):
            raise invalid(name, f"Wrong type. Expected a number, got {_type_name(value)}.", value)
        return self._in_range(name, value)

    def _in_range(self, name: str, value: Any) -> Any:
        if self.minimum is not None and value < self.minimum:
            raise invalid(name, f"Value should be greater or equal to {self.minimum}", value)
        if self.maximum is not None and value > self.maximum:
            raise invalid(name, f"Value should be lower or equal to {self.maximum}", value)
        return value


# SQLite and Mistral keep counts in 32-bit integers; a year bounds any timeout.
COUNT = Field("int", minimum=1, maximum=2**31 - 1)
SECONDS = Field("number", minimum=0, maximum=365 * 24 * 3600)
TEXT = Field("text")
SHORT = Field("text", max_length=SHORT_TEXT)
NAME = Field("text", max_length=NAME_LENGTH, plain=True)
ID = Field("uuid")
OBJECT = Field("object")
JSON = Field("json")
BOOL = Field("bool")

Schema = Mapping[str, Field]


class _NotJsonNumber(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJsonNumber(f"{name} is not a JSON number (JSON has no NaN or Infinity)")


def parse_json(text: str | bytes, where: str, max_depth: int, start_depth: int = 0) -> Any:
    """JSON text parsed as strictly as it will be stored: no NaN, no lone surrogates, bounded depth."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise _too_deep(where, max_depth) from None
    except _NotJsonNumber as e:
        raise invalid(where, f"Not valid JSON: {e}.", show=False) from None
    except ValueError as e:  # JSONDecodeError, bad UTF-8, an integer of thousands of digits
        raise invalid(where, f"Not valid JSON: {e}.", show=False) from None
    problem = storable.first_problem(value, max_depth, start_depth)
    if problem is not None:
        raise invalid(field_path(where, problem.path), _sentence(problem.message), show=False)
    return value


def _too_deep(where: str, max_depth: int) -> InvalidInput:
    return invalid(where, f"The value is nested deeper than {max_depth} levels (option max_nesting_depth).",
                   show=False)


def _sentence(message: str) -> str:
    return message[0].upper() + message[1:] + "."


def check(body: Any, schema: Schema, max_depth: int, argument: str | None = None) -> dict[str, Any]:
    """A parsed body checked against the schema; object fields come back as dicts.

    argument: the name Mistral gives the body in its unknown-attribute error, where a client greps for it."""
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object")
    unknown = sorted(set(body) - set(schema))
    if unknown and argument:
        raise InvalidInput(f"Unknown attribute for argument {argument}: {', '.join(unknown)}")
    if unknown:
        raise InvalidInput(f"Unknown attribute(s) in the request body: {', '.join(_shown(k) for k in unknown)}")
    return {key: schema[key].check(key, value, max_depth) for key, value in body.items()}


async def read_body(request: web.Request, schema: Schema, argument: str | None = None) -> dict[str, Any]:
    """The JSON object body of a write request, every field checked; an empty body is {}."""
    max_depth = node_of(request).config.max_nesting_depth
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidInput(
            f"The request body is nested deeper than {max_depth} levels (option max_nesting_depth)"
        ) from None
    except ValueError as e:
        raise InvalidInput(f"The request body is not valid JSON: {e}") from None
    if isinstance(body, dict):
        for key, value in body.items():
            problem = storable.first_problem(value, max_depth, start_depth=1)
            if problem is not None:
                raise invalid(field_path(key, problem.path), _sentence(problem.message), show=False)
    return check(body, schema, max_depth, argument)


def query_text(request: web.Request, name: str, default: str = "", field: Field = NAME) -> str:
    """A query parameter that names something (namespace, scope), with the same rules as a body field."""
    value = request.query.get(name, default)
    problem = storable.describe_text(value)
    if problem:
        raise invalid(name, _sentence(problem), value)
    return field.check(name, value, 0)


def refuse_public(scope: str | None) -> None:
    """Mistral lets only an administrator publish a definition; without authentication nobody is one, so
    `scope=public` is refused as Mistral refuses it (403, its words)."""
    if scope == "public":
        raise Forbidden()


def query_scope(request: web.Request) -> str:
    """The `scope` query parameter of a write (private unless given), public refused."""
    scope = query_text(request, "scope", "private")
    refuse_public(scope)
    return scope


def check_part(value: Mapping[str, Any], schema: Schema, prefix: str,
               max_depth: int = storable.DEFAULT_MAX_DEPTH) -> None:
    """The known keys of an object field (other keys are the caller's business)."""
    for key, field in schema.items():
        if key in value:
            field.check(f"{prefix}.{key}", value[key], max_depth)


# The execution parameters the engine reads; any other key is kept as given, as in Mistral.
WORKFLOW_PARAMS: Schema = {"task_name": NAME, "evaluate_env": BOOL, "namespace": NAME, "notify": JSON}


def check_workflow_params(params: Mapping[str, Any] | None, prefix: str) -> None:
    """`params` of an execution or a cron trigger; `env` is an object or an environment's name."""
    if not params:
        return
    check_part(params, WORKFLOW_PARAMS, prefix)
    env = params.get("env")
    if isinstance(env, str):
        NAME.check(f"{prefix}.env", env, 0)
    elif env is not None and not isinstance(env, dict):
        raise invalid(f"{prefix}.env",
                      f"Wrong type. Expected an object or the name of an environment, got {_type_name(env)}.", env)
