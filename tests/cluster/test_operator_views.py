"""What an operator sees of a real three-node cluster: /health, GET /v2/services, `mistral-lite cluster status`
and `mistral-lite db checksum` agree with each other and with what the cluster does (a leader killed)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import aiohttp

from tests.support.api import Api
from tests.support.cluster import LocalCluster, wait_for
from tests.support.workflows import simple


def mistral_lite(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mistral_lite", *args], capture_output=True, text=True, timeout=60)


def root(node) -> str:
    return node.url.removesuffix("/v2")


async def test_health_services_status_and_checksums_agree_and_follow_a_killed_leader(tmp_path):
    with LocalCluster(tmp_path) as cluster:
        leader = cluster.start()
        follower = cluster.followers()[0]
        async with aiohttp.ClientSession() as http:
            await Api(http, leader.url).upload(simple("wf1"))
            await Api(http, follower.url).upload(simple("wf2"))  # forwarded to the leader
            index = cluster.wait_applied_equal()

            def connected() -> list[dict] | None:
                healths = [n.health() for n in cluster.nodes]
                ok = all(h and all(p["reachable"] for p in h["peers"]) and h["commit_index"] >= index
                         for h in healths)
                return healths if ok else None

            healths = wait_for(connected, 20, "every node connected to both peers")
            assert {h["leader_url"] for h in healths} == {root(leader)}
            assert len({h["term"] for h in healths}) == 1 and healths[0]["term"] >= 1
            assert sorted(h["role"] for h in healths) == ["follower", "follower", "leader"]

            services = (await Api(http, follower.url).ok("GET", "/services"))["services"]
            assert services[0]["url"] == root(follower)  # the answering node first, then its peers
            assert sorted(s["name"] for s in services) == ["node1", "node2", "node3"]
            assert [s["url"] for s in services if s["type"] == "engine_group"] == [root(leader)]
            assert all(s["reachable"] and s["applied_index"] == index for s in services)

            status = mistral_lite("cluster", "status", "--nodes", ",".join(n.url for n in cluster.nodes))
            assert status.returncode == 0, status.stdout
            rows = [line.split() for line in status.stdout.splitlines()[1:]]
            assert [r[2] for r in rows if r[1] == root(leader)] == ["leader"]
            assert all(r[7] == "2/2" and r[8] == "ok" for r in rows), status.stdout

            # Running nodes at the same applied index hold the same rows, table by table.
            sums = [mistral_lite("db", "checksum", "--data-dir", str(n.data_dir)) for n in cluster.nodes]
            assert all(s.returncode == 0 for s in sums) and len({s.stdout for s in sums}) == 1
            assert "workflow_definitions 2 " in sums[0].stdout

            leader.kill()
            api = Api(http, follower.url)
            deadline = time.monotonic() + 20
            while True:  # the survivors elect a new leader and see the old one gone
                services = (await api.ok("GET", "/services"))["services"]
                dead = [s for s in services if s["url"] == root(leader)]
                if dead and not dead[0]["reachable"] and any(s["type"] == "engine_group" for s in services):
                    break
                assert time.monotonic() < deadline, f"the killed leader still looks alive or no new leader: {services}"
                await asyncio.sleep(0.1)
            assert (dead[0]["role"], dead[0]["applied_index"]) == (None, None)
            status = mistral_lite("cluster", "status", "--nodes", ",".join(n.url for n in cluster.nodes))
            assert status.returncode == 0, status.stdout
            rows = {line.split()[1]: line.split()[2] for line in status.stdout.splitlines()[1:]}
            assert rows[root(leader)] == "unreachable" and sorted(rows.values()).count("leader") == 1
