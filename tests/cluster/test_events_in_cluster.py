"""An event posted to any node of a cluster starts its trigger's workflow once, even when the same id is
posted to every node at once and again after the leader is killed."""

from __future__ import annotations

import asyncio

import aiohttp

from tests.integration.test_event_triggers_api import WORKFLOW, _body
from tests.support.api import Api
from tests.support.cluster import LocalCluster
from tests.support.process import ServerProcess

EVENT = {"exchange": "openstack", "topic": "notifications", "event": "alarm.fired", "id": "alarm-7",
         "payload": {"host": "db1"}}


async def test_an_event_fires_once_through_followers_and_a_new_leader(tmp_path):
    with LocalCluster(tmp_path) as cluster:
        leader = cluster.start()
        follower = cluster.followers()[0]
        async with aiohttp.ClientSession() as http:
            api = Api(http, follower.url)
            created = await api.ok("POST", "/workflows", text=WORKFLOW, status=201)
            await api.ok("POST", "/event_triggers", _body(created["workflows"][0]["id"]), status=201)
            nodes: list[ServerProcess] = cluster.running()
            answers = await asyncio.gather(*(Api(http, n.url).ok("POST", "/events", EVENT, status=202)
                                             for n in nodes for _ in range(2)))
            assert all(a == answers[0] for a in answers), answers
            [started] = answers[0]["executions"]
            done = await api.wait(started["id"], timeout=40)
            assert done["state"] == "SUCCESS" and done["input"]["event"]["payload"] == {"host": "db1"}

            leader.kill()
            new_leader = cluster.agreed_leader()
            survivor = next(n for n in cluster.running() if n is not new_leader)  # a follower of the new leader
            again = await Api(http, survivor.url).ok("POST", "/events", EVENT, status=202)
            assert again == answers[0]
            for node in cluster.running():
                listed = (await Api(http, node.url).ok("GET", "/executions"))["executions"]
                assert [e["id"] for e in listed] == [started["id"]], node.port
