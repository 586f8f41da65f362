"""One place that turns errors into Mistral's error body, and logs each request."""

from __future__ import annotations

import time

from aiohttp import web

from mistral_lite import logs
from mistral_lite.api.context import node_of
from mistral_lite.errors import MistralLiteError
from mistral_lite.lang.errors import DslError

log = logs.get("mistral_lite.api")


def error_response(status: int, message: str) -> web.Response:
    """Mistral's fault body; clients read `faultstring`. A 503 says when to try again."""
    body = {"faultcode": "Client" if status < 500 else "Server", "faultstring": message, "debuginfo": None}
    headers = {"Retry-After": "1"} if status == 503 else None
    return web.json_response(body, status=status, headers=headers)


@web.middleware
async def errors(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except MistralLiteError as e:
        return error_response(e.status, e.message)
    except DslError as e:
        return error_response(400, str(e))
    except web.HTTPRequestEntityTooLarge:
        size = f"{request.content_length} bytes" if request.content_length is not None else "over the limit"
        return error_response(
            400, f"Request body is too large ({size}); the limit is {node_of(request).config.max_body_size} bytes "
            "(option max_body_size)"
        )
    except web.HTTPException as e:
        if e.status < 400:
            raise
        default_text = f"{e.status}: {e.reason}"
        response = error_response(e.status, e.reason if e.text in (None, default_text) else e.text)
        if "Allow" in e.headers:  # a 405 says which methods the resource has (RFC 9110)
            response.headers["Allow"] = e.headers["Allow"]
        return response
    except Exception as e:  # a bug: answer 500 with the reason, keep serving
        log.exception("request failed", method=request.method, path=request.path)
        return error_response(500, f"Internal error: {type(e).__name__}: {e}")


@web.middleware
async def access_log(request: web.Request, handler) -> web.StreamResponse:
    started = time.perf_counter()
    response = await handler(request)
    log.info(
        "request",
        method=request.method,
        path=request.path_qs,
        status=response.status,
        ms=round((time.perf_counter() - started) * 1000, 2),
    )
    return response
