"""kill -9 the node running the workflows, once, five times in a row, or all three at once: every execution
finishes as the same batch does on a single node that nobody killed, nothing is done twice, and the nodes end
with the same data."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import aiohttp

from tests.support.api import Api
from tests.support.cluster import LocalCluster
from tests.support.cluster_state import assert_same_rows
from tests.support.mixed_workload import (INTERRUPTED, WORKFLOWS, Batch, Outcome, differences,
                                          first_task_after)
from tests.support.process import ServerProcess
from tests.support.servers import live_api

_UNINTERRUPTED: dict[str, dict[str, Outcome]] = {}
# Seconds from each kill -9 of a leader to the next task of a running execution starting; printed by the
# last test (pytest -s) for the record.
FAILOVERS: list[float] = []


async def uninterrupted(root: Path) -> dict[str, Outcome]:
    """The batch's outcomes on a single node nobody kills (computed once per session)."""
    if "batch" not in _UNINTERRUPTED:
        async with live_api(root / "single") as api:
            await api.upload(WORKFLOWS)
            batch = Batch("single")
            await batch.start(lambda i: api)
            await batch.settle(lambda: api, lambda: api)
            _UNINTERRUPTED["batch"] = await batch.outcomes(api)
    return _UNINTERRUPTED["batch"]


async def mid_way(api: Api, batch: Batch, fragile: str, timeout: float = 40.0) -> None:
    """Wait until the batch is well under way: the fragile action runs and the loops have ticked a few times."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ticks = len([t for t in await api.tasks(batch.ids["ticker0"]) if t["name"] == "tick"])
        napping = [t["state"] for t in await api.tasks(fragile)] == ["RUNNING"]
        if ticks >= 3 and napping:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"batch {batch.tag} did not get going within {timeout} s")


def other_than(cluster: LocalCluster, node: ServerProcess) -> ServerProcess:
    return next(n for n in cluster.running() if n is not node)


async def assert_fragile_failed(api: Api, fragile: str) -> None:
    """The one task without safe-rerun was running on the dead node: ERROR with the reason, on-error ran."""
    done = await api.wait(fragile, timeout=60)
    assert done["state"] == "SUCCESS", done
    assert INTERRUPTED in done["output"]["why"]
    assert await api.task_states(fragile) == {"nap": "ERROR", "report": "SUCCESS"}


async def kill_leader_mid_batch(cluster: LocalCluster, http: aiohttp.ClientSession, tag: str,
                                expected: dict[str, Outcome]) -> ServerProcess:
    """One failover: start the batch through every node, kill -9 the leader mid-way, and check that every
    execution ends as uninterrupted, on every survivor. Returns the killed node."""
    leader = cluster.leader()
    nodes = cluster.running()
    batch = Batch(tag)
    await batch.start(lambda i: Api(http, nodes[i % len(nodes)].url))
    fragile = await batch.start_fragile(Api(http, leader.url))
    await mid_way(Api(http, leader.url), batch, fragile)
    killed_at = time.time()
    leader.kill()
    # Results and reads go through a survivor that may or may not become the next leader.
    survivor = Api(http, cluster.running()[0].url)
    await batch.settle(lambda: survivor, lambda: survivor)
    await assert_fragile_failed(survivor, fragile)
    new_leader = cluster.leader()
    problems = differences(expected, await batch.outcomes(Api(http, new_leader.url)), kills=1)
    assert not problems, f"after killing {leader.data_dir.name}:\n" + "\n".join(problems)
    assert_same_rows(cluster.running())  # the other survivor holds exactly the same
    failover = first_task_after(new_leader.database, killed_at)
    assert failover is not None
    FAILOVERS.append(failover)
    return leader


async def test_kill_9_the_leader_mid_batch_and_every_execution_finishes_as_uninterrupted(tmp_path):
    expected = await uninterrupted(tmp_path)
    with LocalCluster(tmp_path / "cluster") as cluster:
        leader = cluster.start()
        async with aiohttp.ClientSession() as http:
            await Api(http, leader.url).upload(WORKFLOWS)
            await kill_leader_mid_batch(cluster, http, "once", expected)


async def test_five_failovers_in_a_row_with_the_killed_node_restarted_each_time(tmp_path):
    expected = await uninterrupted(tmp_path)
    with LocalCluster(tmp_path / "cluster") as cluster:
        leader = cluster.start()
        killed = []
        async with aiohttp.ClientSession() as http:
            await Api(http, leader.url).upload(WORKFLOWS)
            for round_no in range(5):
                node = await kill_leader_mid_batch(cluster, http, f"round{round_no}", expected)
                killed.append(node.data_dir.name)
                node.start()
                cluster.wait_applied_equal()  # the restarted node caught up before the next leader dies
        assert len(set(killed)) >= 2, killed  # leadership moved around
        assert_same_rows(cluster.nodes)


async def test_kill_9_all_three_then_start_them_and_everything_continues(tmp_path):
    expected = await uninterrupted(tmp_path)
    with LocalCluster(tmp_path / "cluster") as cluster:
        leader = cluster.start()
        async with aiohttp.ClientSession() as http:
            api = Api(http, leader.url)
            await api.upload(WORKFLOWS)
            batch = Batch("all")
            await batch.start(lambda i: api)
            fragile = await batch.start_fragile(api)
            await mid_way(api, batch, fragile)
            for node in cluster.nodes:
                node.kill()
            leader = cluster.start()
            reader = Api(http, other_than(cluster, leader).url)
            await batch.settle(lambda: reader, lambda: reader)
            await assert_fragile_failed(reader, fragile)
            assert (await reader.ok("GET", "/workflows/steps"))["name"] == "steps"  # data intact
            problems = differences(expected, await batch.outcomes(reader), kills=1)
            assert not problems, "\n".join(problems)
        assert_same_rows(cluster.nodes)


def teardown_module() -> None:
    if FAILOVERS:
        print(f"\nfailover (kill -9 -> next task created) over {len(FAILOVERS)} kills: "
              f"median {statistics.median(FAILOVERS):.3f} s, max {max(FAILOVERS):.3f} s, all {FAILOVERS}")
