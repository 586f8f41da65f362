"""GET /v2/services: the members of the cluster this node knows, itself first.

Mistral lists the members of its api/engine/executor groups by name and type.
Every mistral-lite node serves the API and only the leader runs the engine and
executor, so each member is listed once: the leader as `engine_group`, the others
as `api_group`, with the Raft state an operator needs beside them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp import web

from mistral_lite.api.context import node_of
from mistral_lite.cluster_status import NodeHealth, ask_health

# A peer's API gets this long to answer; the listing never waits longer for the slowest one.
PEER_TIMEOUT = 1.0


def _member(name: str, url: str | None, reachable: bool, health: dict[str, Any] | None) -> dict[str, Any]:
    h = health or {}
    role = h.get("role")
    return {"name": name, "type": "engine_group" if role == "leader" else "api_group", "url": url, "role": role,
            "term": h.get("term"), "commit_index": h.get("commit_index"), "applied_index": h.get("applied_index"),
            "reachable": reachable}


async def _peer_health(peers: list[dict[str, Any]]) -> list[NodeHealth]:
    if not peers:
        return []
    async def ask(http: aiohttp.ClientSession, peer: dict[str, Any]) -> NodeHealth:
        if not peer.get("url"):
            return NodeHealth("", None, "no API address known")
        return await ask_health(http, peer["url"], PEER_TIMEOUT)

    async with aiohttp.ClientSession(trust_env=False) as http:
        return list(await asyncio.gather(*(ask(http, p) for p in peers)))


async def services(request: web.Request) -> web.Response:
    node = node_of(request)
    status = node.log.status()
    own = {**status, "node_id": node.config.node_id}
    members = [_member(node.config.node_id, str(request.url.origin()), True, own)]
    peers = status["peers"]
    for peer, answer in zip(peers, await _peer_health(peers)):
        # Reachable is the Raft view of the peer; its API may answer or not independently.
        name = (answer.health or {}).get("node_id") or peer["address"]
        members.append(_member(str(name), answer.url or None, bool(peer["reachable"]), answer.health))
    return web.json_response({"services": members})


def routes() -> list[web.RouteDef]:
    return [web.get("/v2/services", services)]
