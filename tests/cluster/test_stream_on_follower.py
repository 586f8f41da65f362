"""The live stream of an execution works through a follower: it applies every entry, so its feed sees
the leader's engine decisions and reads them from its own database."""

from __future__ import annotations

import aiohttp

from tests.integration.test_ui_stream_api import SLOW, finished
from tests.support.api import Api
from tests.support.cluster import LocalCluster
from tests.support.sse import EventReader


async def test_a_follower_streams_an_execution_the_leader_runs(tmp_path):
    with LocalCluster(tmp_path) as cluster:
        leader = cluster.start()
        follower = cluster.followers()[0]
        assert follower is not leader
        async with aiohttp.ClientSession() as http:
            api = Api(http, follower.url)
            await api.upload(SLOW)
            ex = await api.start("slow")
            async with http.get(f"{follower.url}/executions/{ex['id']}/stream") as r:
                reader = EventReader(r)
                snapshot = await reader.next()
                assert snapshot.name == "snapshot" and snapshot.data["execution"]["id"] == ex["id"]
                events = await reader.until(finished, timeout=30)
            states = {}
            for e in [snapshot, *events]:
                states.update({t["name"]: t["state"] for t in e.data["tasks"]})
            assert states == {"first": "SUCCESS", "second": "SUCCESS"}
            assert int(events[-1].id) <= follower.health()["applied_index"]
