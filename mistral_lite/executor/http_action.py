"""std.http and std.mistral_http on aiohttp, with the quirks of Mistral's requests-based HTTPAction.

Input is turned into an `HttpRequest` first (pure, so its rules are easy to
read and test), then sent on the executor's shared client session.
"""

from __future__ import annotations

import asyncio
import base64
import json as jsonlib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from mistral_lite.executor.env import ActionEnv
from mistral_lite.executor.outcome import ERROR, ActionException, Outcome, error_text

# Seconds to wait for a connection and between received bytes when the input
# gives no timeout (recent Mistral also stopped waiting forever by default).
DEFAULT_TIMEOUT = 60.0
# requests follows up to 30 redirects; aiohttp's default is 10.
MAX_REDIRECTS = 30
# Mistral treats 200..306 as success; anything else is an error result.
SUCCESS_STATUSES = range(200, 307)


# Bytes read from the body at a time while counting it against the limit.
READ_CHUNK = 64 * 1024


class InvalidHttpInput(ValueError):
    """The action input cannot describe a request; the message is the action's error."""


class ResponseTooLarge(Exception):
    """The body is bigger than max-http-response-size; the message is the action's error."""


@dataclass(frozen=True)
class HttpRequest:
    """Everything aiohttp needs to send one request."""

    method: str
    url: str
    params: list[tuple[str, str]] | str | None
    data: bytes | None
    json: Any
    headers: dict[str, str]
    cookies: dict[str, str] | None
    timeout: aiohttp.ClientTimeout
    allow_redirects: bool
    proxy: str | None
    ssl: bool | ssl.SSLContext


async def http(
    env: ActionEnv, /, url: Any, method: Any = "GET", params: Any = None, body: Any = None, json: Any = None,
    headers: Any = None, cookies: Any = None, auth: Any = None, timeout: Any = None,
    allow_redirects: Any = None, proxies: Any = None, verify: Any = None,
) -> Outcome:
    """Send an HTTP request; SUCCESS with the response map, or ERROR (the map itself for a bad status)."""
    try:
        request = build_request(url, method, params, body, json, headers, cookies, auth, timeout,
                                allow_redirects, proxies, verify)
    except InvalidHttpInput as e:
        return Outcome.error(str(e))
    return await send(env.http.get(), request, env.limits.http_response_size)


async def mistral_http(
    env: ActionEnv, /, url: Any, method: Any = "GET", params: Any = None, body: Any = None, json: Any = None,
    headers: Any = None, cookies: Any = None, auth: Any = None, timeout: Any = None,
    allow_redirects: Any = None, proxies: Any = None, verify: Any = None,
) -> Outcome:
    """Send an HTTP request telling the receiver where to deliver the result; RUNNING unless it fails."""
    if headers is None or isinstance(headers, Mapping):
        headers = {**(headers or {}), **mistral_headers(env)}
    outcome = await http(env, url, method, params, body, json, headers, cookies, auth, timeout,
                         allow_redirects, proxies, verify)
    # The response only matters when it is an error: the real result comes
    # later from the receiver, over PUT /v2/action_executions/<id>.
    return outcome if outcome.state == ERROR else Outcome.running()


def mistral_headers(env: ActionEnv) -> dict[str, str]:
    """The headers std.mistral_http adds; unknown values are left out."""
    ctx = env.context
    headers = {
        "Mistral-Workflow-Name": ctx.workflow_name,
        "Mistral-Workflow-Execution-Id": ctx.workflow_execution_id,
        "Mistral-Task-Id": ctx.task_execution_id,
        "Mistral-Action-Execution-Id": ctx.action_execution_id,
        "Mistral-Callback-URL": ctx.callback_url,
    }
    return {k: v for k, v in headers.items() if v is not None}


def build_request(
    url: Any, method: Any, params: Any, body: Any, json: Any, headers: Any, cookies: Any, auth: Any,
    timeout: Any, allow_redirects: Any, proxies: Any, verify: Any,
) -> HttpRequest:
    """Turn std.http input into a request; raises InvalidHttpInput with the action's error message."""
    if not isinstance(url, str) or not url:
        raise InvalidHttpInput(f"Invalid 'url' for an HTTP request: {url!r}")
    if body and json:
        raise InvalidHttpInput("Only one of the parameters 'json' and 'body' can be passed")
    # Like requests: a body wins; json is only sent when there is no body.
    data = _encode_body(body) if body is not None and (body or json is None) else None
    request_headers = _headers(headers)
    authorization = _authorization(auth)
    if authorization is not None:
        # Like requests, `auth` replaces an Authorization header given in `headers`.
        request_headers = {k: v for k, v in request_headers.items() if k.lower() != "authorization"}
        request_headers["Authorization"] = authorization
    return HttpRequest(
        method=str(method or "GET").upper(),
        url=url,
        params=_query(params),
        data=data,
        json=json if data is None else None,
        headers=request_headers,
        cookies=_cookies(cookies),
        timeout=_timeout(timeout),
        # Mistral passes allow_redirects=None to requests, which then does not
        # follow redirects: only an explicit true follows them.
        allow_redirects=bool(allow_redirects),
        proxy=_proxy(proxies, url),
        ssl=_ssl(verify, url),
    )


async def send(session: aiohttp.ClientSession, request: HttpRequest, max_size: int | None = None) -> Outcome:
    """Send the request and describe the response the way Mistral does; raises ActionException when no response
    arrives or its body is over max_size bytes."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        async with session.request(
            request.method, request.url, params=request.params, data=request.data, json=request.json,
            headers=request.headers, cookies=request.cookies, timeout=request.timeout,
            allow_redirects=request.allow_redirects, max_redirects=MAX_REDIRECTS, proxy=request.proxy,
            ssl=request.ssl,
            # requests sends a string body without a Content-Type; aiohttp would add one.
            skip_auto_headers=("Content-Type",) if request.data is not None else None,
        ) as response:
            elapsed = loop.time() - started  # like requests: until the headers arrived
            raw = await read_body(response, max_size)
            result = response_map(response, raw, elapsed)
    except ResponseTooLarge as e:
        raise ActionException(str(e)) from None
    except Exception as e:  # noqa: BLE001 - connection, TLS, timeout, bad URL...: all reported alike
        raise ActionException(f"Failed to send HTTP request: {error_text(e)}") from None
    if result["status"] in SUCCESS_STATUSES:
        return Outcome.success(result)
    return Outcome.error(result)


async def read_body(response: aiohttp.ClientResponse, max_size: int | None) -> bytes:
    """The whole body, read in chunks and given up as soon as it passes max_size (None or 0: no limit).

    A declared Content-Length over the limit fails before reading anything;
    a chunked or compressed body is counted as it arrives (decompressed).
    """
    if not max_size:
        return await response.read()
    declared = response.content_length
    if declared is not None and declared > max_size:
        raise ResponseTooLarge(_too_large(f"Content-Length={declared}", max_size))
    body = bytearray()
    async for chunk in response.content.iter_chunked(READ_CHUNK):
        body += chunk
        if len(body) > max_size:
            raise ResponseTooLarge(_too_large(f"more than {max_size} bytes received", max_size))
    return bytes(body)


def _too_large(what: str, max_size: int) -> str:
    # Mistral's words (its check looks at Content-Length only), plus the option to raise.
    return f"HTTP response is too large ({what}, limit={max_size} bytes); the limit is set by max-http-response-size"


def response_map(response: aiohttp.ClientResponse, raw: bytes, elapsed: float) -> dict[str, Any]:
    """{content, status, headers, url, history, encoding, reason, cookies, elapsed}."""
    return {
        "content": decode_content(raw, response.charset),
        "status": response.status,
        "headers": _header_map(response.headers),
        "url": str(response.url),
        "history": [_history_entry(r) for r in response.history],
        "encoding": response_encoding(response.headers.get("Content-Type"), response.charset),
        "reason": response.reason,
        "cookies": {name: morsel.value for name, morsel in response.cookies.items()},
        "elapsed": round(elapsed, 6),
    }


def decode_content(raw: bytes, charset: str | None) -> Any:
    """The body JSON-decoded if it is JSON, else as text."""
    text = _decode_text(raw, charset)
    try:
        # NaN/Infinity are not JSON the store could keep: such a body stays text.
        return jsonlib.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return text


def response_encoding(content_type: str | None, charset: str | None) -> str | None:
    """requests' Response.encoding: the declared charset, else its defaults for text and JSON."""
    if charset:
        return charset
    content_type = (content_type or "").lower()
    if "text" in content_type:
        return "ISO-8859-1"
    if "application/json" in content_type:
        return "utf-8"
    return None


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _decode_text(raw: bytes, charset: str | None) -> str:
    if charset:
        try:
            return raw.decode(charset, errors="replace")
        except LookupError:  # an unknown charset name: fall through to the guesses
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _header_map(headers: Mapping[str, str]) -> dict[str, str]:
    """Response headers as a plain map; repeated headers joined with ', ' like requests."""
    out: dict[str, str] = {}
    for key, value in headers.items():
        key = str(key)
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def _history_entry(response: aiohttp.ClientResponse) -> dict[str, Any]:
    """A followed redirect, as plain data (requests keeps Response objects here)."""
    return {
        "status": response.status,
        "url": str(response.url),
        "reason": response.reason,
        "headers": _header_map(response.headers),
    }


def _query(params: Any) -> list[tuple[str, str]] | str | None:
    """Query parameters as pairs; like requests, None values are dropped and lists repeat the key."""
    if params is None or isinstance(params, str):
        return params
    if isinstance(params, Mapping):
        items = list(params.items())
    elif isinstance(params, (list, tuple)) and all(isinstance(p, (list, tuple)) and len(p) == 2 for p in params):
        items = [(k, v) for k, v in params]
    else:
        raise InvalidHttpInput(f"Invalid 'params' for an HTTP request: expected a map, got {params!r}")
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        for one in value if isinstance(value, (list, tuple)) else [value]:
            if one is not None:
                pairs.append((str(key), str(one)))  # str(): requests writes True as "True"
    return pairs


def _encode_body(body: Any) -> bytes:
    """A string is sent as UTF-8; a map (or any other JSON value) is JSON-encoded."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return jsonlib.dumps(body).encode("utf-8")


def _headers(headers: Any) -> dict[str, str]:
    """Request headers; numbers (and anything else) stringified, None values dropped like requests."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise InvalidHttpInput(f"Invalid 'headers' for an HTTP request: expected a map, got {headers!r}")
    return {str(k): str(v) for k, v in headers.items() if v is not None}


def _cookies(cookies: Any) -> dict[str, str] | None:
    if cookies is None:
        return None
    if not isinstance(cookies, Mapping):
        raise InvalidHttpInput(f"Invalid 'cookies' for an HTTP request: expected a map, got {cookies!r}")
    return {str(k): str(v) for k, v in cookies.items()}


def _authorization(auth: Any) -> str | None:
    """The Basic Authorization header value for "user:password" or [user, password]."""
    if auth is None or auth == "":
        return None
    if isinstance(auth, str):
        # Split at the first colon: RFC 7617 forbids one in the user name, a password may have one.
        user, colon, password = auth.partition(":")
        if colon:
            return _basic(user, password)
    elif isinstance(auth, (list, tuple)) and len(auth) == 2 and ":" not in str(auth[0]):
        return _basic(str(auth[0]), str(auth[1]))
    raise InvalidHttpInput("Invalid 'auth' for an HTTP request: expected \"user:password\" or [user, password]")


def _basic(user: str, password: str) -> str:
    credentials = f"{user}:{password}"
    try:
        raw = credentials.encode("latin-1")  # what requests sends
    except UnicodeEncodeError:
        raw = credentials.encode("utf-8")  # RFC 7617's charset, for what latin-1 cannot carry
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _timeout(timeout: Any) -> aiohttp.ClientTimeout:
    """requests' meaning: a connect timeout and a read timeout (between bytes), or one number for both."""
    if timeout is None:
        connect = read = DEFAULT_TIMEOUT
    elif isinstance(timeout, (list, tuple)) and len(timeout) == 2:
        connect, read = (_seconds(t) for t in timeout)
    else:
        connect = read = _seconds(timeout)
    return aiohttp.ClientTimeout(total=None, connect=None, sock_connect=connect, sock_read=read)


def _seconds(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0.0
    if isinstance(value, bool) or not seconds > 0:
        raise InvalidHttpInput(f"Invalid 'timeout' for an HTTP request: expected positive seconds, got {value!r}")
    return seconds


def _proxy(proxies: Any, url: str) -> str | None:
    """The one proxy for this URL from a requests-style map ({"http": ..., "https": ..., "all": ...})."""
    if not proxies:
        return None
    if isinstance(proxies, str):
        return proxies
    if not isinstance(proxies, Mapping):
        raise InvalidHttpInput(f"Invalid 'proxies' for an HTTP request: expected a map, got {proxies!r}")
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname
    # requests' precedence: scheme://host, scheme, all://host, all.
    for key in (f"{scheme}://{host}", scheme, f"all://{host}", "all"):
        if proxies.get(key):
            return str(proxies[key])
    return None


def _ssl(verify: Any, url: str) -> bool | ssl.SSLContext:
    """TLS verification; Mistral applies `verify` to https URLs only."""
    if urlsplit(url).scheme.lower() != "https" or verify is None:
        return True
    if isinstance(verify, str):
        # requests: a string is the path of a CA bundle to verify against.
        try:
            return ssl.create_default_context(cafile=verify)
        except (OSError, ssl.SSLError) as e:
            raise InvalidHttpInput(f"Invalid 'verify' for an HTTP request: {error_text(e)}") from e
    return bool(verify)
