"""Writes go to the leader: a follower forwards each write over HTTP and answers once it has applied it too.

Reads are served from this node's own SQLite. A write on the leader waits
(briefly) for its engine to be ready, so a request that arrives while a new
leader rebuilds its memory is served, not refused. The leader's answer names
the Raft index its change reached; the follower holds its answer until it
has applied that index, so a client reads its own write on the node it
wrote through. With no leader the answer is 503 with Retry-After.
"""

from __future__ import annotations

import aiohttp
from aiohttp import web

from mistral_lite import logs
from mistral_lite.api.context import leadership_of, node_of
from mistral_lite.errors import Unavailable

log = logs.get("mistral_lite.api.forwarding")

FORWARDED = "X-Mistral-Lite-Forwarded"
APPLIED = "X-Mistral-Lite-Applied"
READS = frozenset({"GET", "HEAD", "OPTIONS"})
# How long a write on the leader waits for its engine (a new leader rebuilding memory), in seconds.
ADMIT_TIMEOUT = 5.0
# How long a follower waits to apply the leader's change before answering anyway.
CATCH_UP_TIMEOUT = 10.0
# Headers that describe one hop, not the message (RFC 9110 §7.6.1), or that aiohttp sets itself.
HOP_HEADERS = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                         "upgrade", "host", "content-length", "content-encoding"})
HTTP = web.AppKey("forwarding_http", aiohttp.ClientSession)


@web.middleware
async def route_writes(request: web.Request, handler) -> web.StreamResponse:
    node = node_of(request)
    if request.method in READS or not request.path.startswith("/v2") or not node.config.clustered:
        return await handler(request)
    if node.log.role == "leader":
        await leadership_of(request).wait_runner(ADMIT_TIMEOUT)
        response = await handler(request)
        response.headers[APPLIED] = str(node.log.raft_applied)
        return response
    if request.headers.get(FORWARDED):
        raise Unavailable("The node this write was forwarded to no longer leads the cluster; retry the request")
    leader = node.log.leader_url()
    if leader is None:
        raise Unavailable("The cluster has no leader right now (an election is under way); retry the request")
    return await _forward(request, leader)


async def _forward(request: web.Request, leader: str) -> web.Response:
    node = node_of(request)
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
    headers[FORWARDED] = node.config.node_id
    body = await request.read()
    try:
        async with request.app[HTTP].request(request.method, leader + request.rel_url.path_qs, data=body,
                                             headers=headers, allow_redirects=False) as answer:
            payload = await answer.read()
            status, answer_headers = answer.status, answer.headers
    except (aiohttp.ClientError, OSError) as e:
        raise Unavailable(f"The leader {leader} could not be reached ({type(e).__name__}); retry the request") from None
    applied = answer_headers.get(APPLIED, "")
    if applied.isdigit() and not await node.log.wait_applied(int(applied), CATCH_UP_TIMEOUT):
        log.warning("answering a forwarded write before this node applied it", raft_index=int(applied),
                    applied=node.log.raft_applied)
    kept = {k: v for k, v in answer_headers.items() if k.lower() not in HOP_HEADERS}
    return web.Response(status=status, body=payload, headers=kept)


async def http_session(app: web.Application):
    """The client session forwarded writes travel on, for the application's lifetime."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=2.0)
    async with aiohttp.ClientSession(timeout=timeout, auto_decompress=False) as session:
        app[HTTP] = session
        yield
