"""A cluster seeded from a single node's database (docs/operations.md, "Seeding a cluster from a single
node"): the single node is stopped, its SQLite file copied into the three nodes' data directories, and the
cluster started. Everything the single node held is on every node, new writes work through any node, and the
nodes end with the same rows: Raft's numbering continues after the single node's entries (the index base).
A node of the seeded cluster wiped empty rejoins with the seed's rows, from a snapshot."""

from __future__ import annotations

import json
import shutil

import aiohttp

from tests.support.api import Api
from tests.support.cluster import LocalCluster, wait_for
from tests.support.cluster_state import assert_same_rows, count, duplicated_work, stop_settled
from tests.support.process import ServerProcess
from tests.support.workflows import HELLO, simple

DATABASE = "mistral-lite.sqlite"


async def single_node_history(http: aiohttp.ClientSession, single: ServerProcess) -> list[str]:
    api = Api(http, single.url)
    await api.upload(HELLO)
    for n in range(3):
        await api.upload(simple(f"solo{n}"))
    await api.ok("POST", "/environments", {"name": "lab", "variables": json.dumps({"region": "x"})}, status=201)
    await api.ok("POST", "/cron_triggers", {"name": "nightly", "workflow_name": "solo0", "pattern": "0 2 * * *",
                                            "workflow_input": json.dumps({"name": "night"})}, status=201)
    finished = []
    for n in range(5):
        done = await api.run("hello" if n % 2 else f"solo{n % 3}", {"name": f"seed{n}"})
        assert done["state"] == "SUCCESS", done
        finished.append(done["id"])
    return finished


async def test_a_cluster_seeded_from_a_single_nodes_database(tmp_path):
    single = ServerProcess(tmp_path / "single")
    single.start()
    try:
        async with aiohttp.ClientSession() as http:
            finished = await single_node_history(http, single)
    finally:
        single.stop()
    seed_applied = count(single.data_dir, "SELECT last_applied FROM log_state")
    assert seed_applied > 10

    cluster = LocalCluster(tmp_path)
    for node in cluster.nodes:
        node.data_dir.mkdir(parents=True)
        shutil.copy2(single.data_dir / DATABASE, node.data_dir / DATABASE)  # a cleanly stopped node has no -wal
    with cluster:
        leader = cluster.start()
        cluster.wait_applied_equal()
        async with aiohttp.ClientSession() as http:
            for node in cluster.nodes:
                api = Api(http, node.url)
                names = {w["name"] for w in (await api.ok("GET", "/workflows"))["workflows"]}
                assert {"hello", "solo0", "solo1", "solo2"} <= names
                assert (await api.ok("GET", "/environments/lab"))["name"] == "lab"
                assert (await api.ok("GET", "/cron_triggers/nightly"))["pattern"] == "0 2 * * *"
                for execution_id in finished:
                    assert (await api.ok("GET", f"/executions/{execution_id}"))["state"] == "SUCCESS"
            follower = Api(http, cluster.followers()[0].url)
            await follower.upload(simple("clustered"))
            done = await follower.run("clustered", {"name": "all"})
            assert done["output"] == {"message": "Hello, all"}
            done = await Api(http, leader.url).run("hello", {"name": "again"})
            assert done["output"] == {"message": "Hello, again"}

            # The seed's rows are in no Raft entry: a node wiped empty gets them from a snapshot, which each
            # seeded node makes as soon as it has applied its first entry.
            wait_for(lambda: all((n.data_dir / "raft.snapshot").exists() for n in cluster.nodes) or None, 20,
                     "a snapshot on every seeded node")
            wiped = cluster.followers()[0]
            wiped.stop()
            shutil.rmtree(wiped.data_dir)
            await Api(http, leader.url).upload(simple("while-wiped"))
            wiped.start()
            cluster.wait_applied_equal(timeout=30)  # caught up (its return may have set off an election)
            wait_for(lambda: (wiped.health() or {}).get("leader_url"), 10, "a leader known to the wiped node")
            back = Api(http, wiped.url)
            for execution_id in finished:
                assert (await back.ok("GET", f"/executions/{execution_id}"))["state"] == "SUCCESS"
            assert (await back.run("while-wiped", {"name": "back"}))["state"] == "SUCCESS"
        stop_settled(cluster)
    for node in cluster.nodes:
        # Raft's entries were numbered after the seed's: none was skipped as already applied.
        assert count(node.data_dir, "SELECT index_base FROM log_state") == seed_applied
        assert count(node.data_dir, "SELECT last_applied FROM log_state") > seed_applied
        assert count(node.data_dir, "SELECT COUNT(*) FROM workflow_executions") == len(finished) + 3
        assert duplicated_work(node.data_dir) == []
    assert_same_rows(cluster.nodes)
