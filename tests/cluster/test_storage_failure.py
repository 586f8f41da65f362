"""A node whose own storage fails under a committed entry stops, loudly, instead of recording an error row the
other nodes do not have (which would silently diverge it); once its disk works again it starts and catches up."""

from __future__ import annotations

import aiohttp

from tests.support.api import Api
from tests.support.cluster import LocalCluster, wait_for
from tests.support.cluster_state import assert_same_rows
from tests.support.storage_faults import immutable
from tests.support.workflows import simple


async def test_a_storage_failure_under_a_committed_entry_stops_that_node_and_it_catches_up_later(tmp_path):
    with LocalCluster(tmp_path) as cluster:
        leader = cluster.start()
        follower = cluster.followers()[0]
        async with aiohttp.ClientSession() as http:
            api = Api(http, leader.url)
            await api.upload(simple("before"))
            cluster.wait_applied_equal()
            with immutable(follower.database.with_name(follower.database.name + "-wal")):
                await api.upload(simple("during"))  # committed by the other two
                code = wait_for(lambda: follower.proc.poll(), 30, "the node whose disk failed to stop")
            assert code == 1
            log = follower.log()
            assert "storage failed while applying a committed entry" in log
            assert "node stopped" in log and "fix the disk, then start it again" in log
            assert (await api.ok("GET", "/workflows/during"))["name"] == "during"  # the others went on
            follower.start()
            cluster.wait_applied_equal()
            assert (await Api(http, follower.url).ok("GET", "/workflows/during"))["name"] == "during"
        assert_same_rows(cluster.nodes)
