"""The */validate endpoints: the same parse as upload, answered as {"valid": ..., "error": ...}
(and "warnings" when the document is accepted with some)."""

from __future__ import annotations

from typing import Any, Callable

from aiohttp import web

from mistral_lite.api.context import node_of
from mistral_lite.api.params import text_body
from mistral_lite.lang.errors import DslError
from mistral_lite.registry.definitions import parse_document


def validate_handler(parse: Callable[[str, int], Any]) -> Callable[[web.Request], Any]:
    async def validate(request: web.Request) -> web.Response:
        # No check of the query: Mistral's validate endpoints ignore every parameter (a client sends namespace).
        text = await text_body(request)
        try:
            _, warnings = await parse_document(node_of(request), parse, text)
        except DslError as e:
            return web.json_response({"valid": False, "error": str(e)})
        # Mistral's answer, plus what mistral-lite doubts (only when there is something to say).
        extra = {"warnings": [str(w) for w in warnings]} if warnings else {}
        return web.json_response({"valid": True, **extra})

    return validate
