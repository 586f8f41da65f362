"""Typed access to what the application carries."""

from __future__ import annotations

from aiohttp import web

from mistral_lite.node import Node

NODE = web.AppKey("node", Node)


def node_of(request: web.Request) -> Node:
    return request.app[NODE]
