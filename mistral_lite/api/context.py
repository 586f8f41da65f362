"""Typed access to what the application carries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from mistral_lite.node import Node

if TYPE_CHECKING:
    from mistral_lite.engine_runner import EngineRunner

NODE = web.AppKey("node", Node)
RUNNER = web.AppKey("runner", object)
# Client-chosen execution ids being created now: the lock their creates take turns on, and how many wait.
CREATING = web.AppKey("creating", dict)


def node_of(request: web.Request) -> Node:
    return request.app[NODE]


def runner_of(request: web.Request) -> "EngineRunner":
    return request.app[RUNNER]  # type: ignore[return-value]
