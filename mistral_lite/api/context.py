"""Typed access to what the application carries."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, AsyncIterator

from aiohttp import web

from mistral_lite.node import Node

if TYPE_CHECKING:
    from mistral_lite.engine_runner import EngineRunner
    from mistral_lite.leadership import Leadership

NODE = web.AppKey("node", Node)
RUNNER = web.AppKey("runner", object)  # the node's Leadership: its engine exists while it leads
# Client-chosen execution ids being created now: the lock their creates take turns on, and how many wait.
CREATING = web.AppKey("creating", dict)


def node_of(request: web.Request) -> Node:
    return request.app[NODE]


def leadership_of(request: web.Request) -> "Leadership":
    return request.app[RUNNER]  # type: ignore[return-value]


def runner_of(request: web.Request) -> "EngineRunner":
    """The engine, for a write the forwarding middleware admitted on the leader (503 if it stopped leading)."""
    return leadership_of(request).current()


@asynccontextmanager
async def one_at_a_time(turns: dict, key: str) -> AsyncIterator[None]:
    """Requests about one client-chosen id take turns: a later one finds what the first did
    instead of racing it to the database. `turns` holds a lock and a count of waiters per id."""
    turn = turns.setdefault(key, {"lock": asyncio.Lock(), "waiting": 0})
    turn["waiting"] += 1
    try:
        async with turn["lock"]:
            yield
    finally:
        turn["waiting"] -= 1
        if not turn["waiting"]:
            del turns[key]
