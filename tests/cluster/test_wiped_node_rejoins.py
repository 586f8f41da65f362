"""A node whose data directory is wiped (stopped, emptied, started) rejoins the cluster and ends with the same
rows as the others, table by table: from the leader's log alone while the log is whole, and from the leader's
snapshot plus the rest of the log once the leader has compacted (raft-compaction-min-entries set low)."""

from __future__ import annotations

import shutil

import aiohttp

from tests.support.api import Api
from tests.support.cluster import LocalCluster
from tests.support.cluster_state import assert_same_rows, count, duplicated_work, stop_settled
from tests.support.process import ServerProcess
from tests.support.workflows import simple

COMPACT_AFTER = 50
RESTORED = "restoring the database from a raft snapshot"


async def write_history(api: Api, prefix: str, workflows: int, executions: int) -> list[str]:
    for n in range(workflows):
        await api.upload(simple(f"{prefix}{n}"))
    started = [(await api.start(f"{prefix}{n % workflows}", {"name": f"{prefix}{n}"}))["id"] for n in range(executions)]
    for execution_id in started:
        assert (await api.wait(execution_id))["state"] == "SUCCESS"
    return started


async def wipe_and_rejoin(cluster: LocalCluster, http: aiohttp.ClientSession, workflows: int) -> ServerProcess:
    leader = cluster.start()
    api = Api(http, leader.url)
    await write_history(api, "before", workflows, 5)
    cluster.wait_applied_equal()
    wiped = cluster.followers()[0]
    wiped.stop()
    shutil.rmtree(wiped.data_dir)
    await write_history(api, "while", 2, 2)  # the survivors still commit: a majority is up
    wiped.start()
    cluster.wait_applied_equal(timeout=30)
    assert count(wiped.data_dir, "SELECT COUNT(*) FROM workflow_definitions") == workflows + 2
    # The rejoined node takes part as any other: a write through it, read back there.
    rejoined = Api(http, wiped.url)
    await rejoined.upload(simple("after"))
    assert (await rejoined.ok("GET", "/workflows/after"))["name"] == "after"
    assert (await rejoined.run("after", {"name": "again"}))["output"] == {"message": "Hello, again"}
    stop_settled(cluster)
    return wiped


async def test_a_wiped_node_catches_up_from_the_log(tmp_path):
    with LocalCluster(tmp_path) as cluster:
        async with aiohttp.ClientSession() as http:
            wiped = await wipe_and_rejoin(cluster, http, workflows=5)
        assert RESTORED not in wiped.log_path.read_text()
    for node in cluster.nodes:
        assert duplicated_work(node.data_dir) == []
    assert_same_rows(cluster.nodes)


async def test_a_wiped_node_catches_up_from_a_snapshot_and_the_log(tmp_path):
    with LocalCluster(tmp_path, extra_args=("--raft-compaction-min-entries", str(COMPACT_AFTER))) as cluster:
        async with aiohttp.ClientSession() as http:
            wiped = await wipe_and_rejoin(cluster, http, workflows=COMPACT_AFTER + 10)
        # The leader had compacted its log: the wiped node could only start from the snapshot.
        assert RESTORED in wiped.log_path.read_text(), wiped.log()
        assert all((node.data_dir / "raft.snapshot").exists() for node in cluster.nodes)
    for node in cluster.nodes:
        assert duplicated_work(node.data_dir) == []
    assert_same_rows(cluster.nodes)
