"""The */validate endpoints: the same parse as upload, answered as {"valid": ..., "error": ...}."""

from __future__ import annotations

from typing import Any, Callable

from aiohttp import web

from mistral_lite.api.context import node_of
from mistral_lite.api.params import check_known, text_body
from mistral_lite.lang.errors import DslError


def validate_handler(parse: Callable[[str, int], Any]) -> Callable[[web.Request], Any]:
    async def validate(request: web.Request) -> web.Response:
        check_known(request, ())
        text = await text_body(request)
        try:
            parse(text, node_of(request).config.max_nesting_depth)
        except DslError as e:
            return web.json_response({"valid": False, "error": str(e)})
        return web.json_response({"valid": True})

    return validate
