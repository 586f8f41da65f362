"""Any node serves the whole API: a write through a follower is forwarded to the leader and readable on that
follower as soon as it answers; with no leader, writes get 503 with Retry-After, never 500."""

from __future__ import annotations

import json

import aiohttp

from tests.support.api import Api
from tests.support.cluster import LocalCluster, wait_for
from tests.support.mistral_cli import cli
from tests.support.workflows import HELLO, simple


async def test_write_through_a_follower_then_read_it_there(tmp_path):
    with LocalCluster(tmp_path) as cluster:
        cluster.start()
        follower = cluster.followers()[0]
        async with aiohttp.ClientSession() as http:
            api = Api(http, follower.url)
            for n in range(20):  # each read follows its write at once, on the follower
                await api.upload(simple(f"wf{n}"))
                assert (await api.ok("GET", f"/workflows/wf{n}"))["name"] == f"wf{n}"
                started = await api.start(f"wf{n}", {"name": "x"})
                got = await api.ok("GET", f"/executions/{started['id']}")
                assert got["id"] == started["id"]
            done = await api.wait(started["id"])
            assert done["state"] == "SUCCESS", done
            assert done["output"] == {"message": "Hello, x"}


async def test_writes_with_no_leader_get_503_and_reads_still_work(tmp_path):
    with LocalCluster(tmp_path) as cluster:
        leader = cluster.start()
        async with aiohttp.ClientSession() as http:
            await Api(http, leader.url).upload(simple("kept"))
            cluster.wait_applied_equal()
            survivor = cluster.followers()[0]
            for node in cluster.running(exclude=survivor):
                node.kill()
            api = Api(http, survivor.url)

            async def refused() -> tuple[int, dict, str] | None:
                async with http.post(survivor.url + "/workflows", data=simple("new").encode(),
                                     headers={"Content-Type": "text/plain"}) as r:
                    body = await r.json()
                    return (r.status, body, r.headers.get("Retry-After", "")) if r.status != 201 else None

            status, body, retry_after = await refused()
            assert status == 503, body
            assert retry_after == "1"
            assert "leader" in body["faultstring"]
            # Reads come from the node's own database, leader or not.
            assert (await api.ok("GET", "/workflows/kept"))["name"] == "kept"
            health = wait_for(lambda: survivor.health() if survivor.health()["role"] != "leader" else None, 10,
                              "a leaderless survivor")
            assert health["role"] in ("follower", "candidate")


async def test_the_mistral_cli_works_through_any_node(tmp_path):
    with LocalCluster(tmp_path) as cluster:
        cluster.start()
        follower = cluster.followers()[0]
        path = tmp_path / "hello.yaml"
        path.write_text(HELLO)
        code, out, err = await cli(follower, "workflow-create", str(path), "-f", "json")
        assert code == 0, err
        code, out, err = await cli(follower, "execution-create", "hello", '{"name": "Ann"}', "-f", "json")
        assert code == 0, err
        execution_id = json.loads(out)["ID"]
        async with aiohttp.ClientSession() as http:
            await Api(http, follower.url).wait(execution_id)
        for node in cluster.running():  # every node has the outcome in its own database
            code, out, err = await cli(node, "execution-get-output", execution_id)
            assert code == 0 and json.loads(out) == {"message": "Hello, Ann"}, (node.port, out, err)
