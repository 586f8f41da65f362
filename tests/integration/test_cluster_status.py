"""`mistral-lite cluster status`: every node's /health at once, as a table, exit 0 only when a leader answers."""

from __future__ import annotations

import asyncio
import json
import sys

from aiohttp import web

from tests.support.ports import free_port
from tests.support.remote import serving
from tests.support.servers import live_api


async def cluster_status(*args: str) -> tuple[int, str]:
    # A subprocess awaited without blocking the loop: the servers under test run on this loop.
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mistral_lite", "cluster", "status", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode, out.decode()


def root(api) -> str:
    return api.url.removesuffix("/v2")


def answering(handler):
    """A bare HTTP server on 127.0.0.1 whose /health is `handler`: a node in a state one process cannot reach alone."""
    app = web.Application()
    app.router.add_get("/health", handler)
    return serving(app)


FOLLOWER = {"node_id": "node2", "role": "follower", "applied_index": 7, "database": "ok", "term": 3,
            "leader": "127.0.0.1:7991", "leader_url": "http://127.0.0.1:8991", "commit_index": 8,
            "peers": [{"address": "127.0.0.1:7991", "url": "http://127.0.0.1:8991", "reachable": True},
                      {"address": "127.0.0.1:7993", "url": "http://127.0.0.1:8993", "reachable": False}]}


async def test_table_of_live_nodes_and_an_unreachable_one(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    async with live_api(tmp_path / "a", node_id="alpha") as a, live_api(tmp_path / "b", node_id="beta") as b:
        await a.upload("---\nversion: '2.0'\nwf:\n  tasks:\n    t: {action: std.noop}\n")
        code, out = await cluster_status("--nodes", f"{a.url},{root(b)},{dead}")
    assert code == 0, out
    header, *rows = [line.split() for line in out.splitlines()]
    assert header == ["node", "url", "role", "term", "leader", "commit", "applied", "peers", "database"]
    assert rows[0] == ["alpha", root(a), "leader", "0", "self", "1", "1", "0/0", "ok"]
    assert rows[1] == ["beta", root(b), "leader", "0", "self", "0", "0", "0/0", "ok"]
    assert rows[2][:3] == ["-", dead, "unreachable"]


async def test_no_leader_among_the_answers_exits_1():
    async def follower(request):
        return web.json_response(FOLLOWER)

    async with answering(follower) as url:
        code, out = await cluster_status("--nodes", f"{url},127.0.0.1:{free_port()}")
    assert code == 1, out
    rows = [line.split() for line in out.splitlines()[1:]]
    assert rows[0] == ["node2", url, "follower", "3", "http://127.0.0.1:8991", "8", "7", "1/2", "ok"]
    assert rows[1][2] == "unreachable"


async def test_a_node_that_never_answers_costs_the_timeout_and_is_unreachable():
    released = asyncio.Event()

    async def hang(request):
        await released.wait()
        return web.json_response(FOLLOWER)

    async with answering(hang) as url:
        try:
            code, out = await cluster_status("--nodes", url)
        finally:
            released.set()  # the server's shutdown waits for its handlers
    assert code == 1
    assert out.splitlines()[1].split()[:3] == ["-", url, "unreachable"]
    assert "no answer within 2 s" in out


async def test_json_prints_each_nodes_answer(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    async with live_api(tmp_path / "a") as a:
        code, out = await cluster_status("--json", "--nodes", f"{a.url}/,{dead}")
        async with a.http.get(root(a) + "/health") as r:
            health = await r.json()
    assert code == 0
    listed = json.loads(out)
    assert listed[0] == {"url": root(a), "health": health, "error": None}
    assert (listed[1]["url"], listed[1]["health"]) == (dead, None) and listed[1]["error"]
