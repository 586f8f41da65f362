"""GET /v2/executions/{id}/stream: server-sent events from a real server, read with aiohttp's client."""

from __future__ import annotations

import asyncio
import json

from mistral_lite.config import Config
from mistral_lite.server import RunningServer
from tests.support.ports import free_port
from tests.support.sse import EventReader

SLOW = """
version: '2.0'
slow:
  tasks:
    first:
      action: std.sleep seconds=1
      on-success: [second]
    second:
      action: std.echo output=2
"""


def finished(event) -> bool:
    return (event.data.get("execution") or {}).get("state") == "SUCCESS"


async def test_a_snapshot_then_changes_until_the_execution_ends(server, api):
    await api.upload(SLOW)
    ex = await api.start("slow")
    async with server.http.get(f"{server.url}/executions/{ex['id']}/stream") as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/event-stream")
        assert r.headers["Cache-Control"] == "no-cache"
        reader = EventReader(r)
        snapshot = await reader.next()
        assert snapshot.name == "snapshot" and int(snapshot.id) == snapshot.data["index"] > 0
        assert snapshot.data["execution"]["id"] == ex["id"]
        assert snapshot.data["execution"]["state"] == "RUNNING"
        events = await reader.until(finished)
    assert {e.name for e in events} == {"changes"}
    indexes = [int(snapshot.id)] + [int(e.id) for e in events]
    assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes)
    assert all(int(e.id) == e.data["index"] for e in events)
    last_state = {}
    for e in [snapshot, *events]:
        last_state.update({t["name"]: t["state"] for t in e.data["tasks"]})
    assert last_state == {"first": "SUCCESS", "second": "SUCCESS"}
    assert last_state == await api.task_states(ex["id"])
    # Coalesced: far fewer events than the entries applied meanwhile would have made.
    assert len(events) <= indexes[-1] - indexes[0]


async def test_last_event_id_resumes_with_only_what_changed(server, api):
    await api.upload(SLOW)
    ex = await api.start("slow")
    url = f"{server.url}/executions/{ex['id']}/stream"
    async with server.http.get(url) as r:
        snapshot = await EventReader(r).next()
    done = await api.wait(ex["id"])
    assert done["state"] == "SUCCESS"
    async with server.http.get(url, headers={"Last-Event-ID": snapshot.id}) as r:
        resumed = await EventReader(r).next()
    assert resumed.name == "changes" and int(resumed.id) > int(snapshot.id)
    assert resumed.data["execution"]["state"] == "SUCCESS"
    # Every task that was not yet done (or not yet there) at the snapshot, and no other.
    pending = {t["id"] for t in snapshot.data["tasks"] if t["state"] != "SUCCESS"}
    after = {t["id"]: t["state"] for t in resumed.data["tasks"]}
    assert set(after.values()) == {"SUCCESS"} and pending <= set(after)
    assert {t["name"] for t in resumed.data["tasks"]} | {t["name"] for t in snapshot.data["tasks"]} == {
        "first", "second"}
    assert not {t["id"] for t in snapshot.data["tasks"] if t["state"] == "SUCCESS"} & set(after)
    async with server.http.get(url, headers={"Last-Event-ID": resumed.id}) as r:
        nothing = await EventReader(r).next()
    assert nothing.name == "changes" and nothing.data["tasks"] == [] and "execution" not in nothing.data
    for bad in ("abc", "-1"):  # not an index: a fresh snapshot
        async with server.http.get(url, headers={"Last-Event-ID": bad}) as r:
            again = await EventReader(r).next()
        assert again.name == "snapshot" and {t["state"] for t in again.data["tasks"]} == {"SUCCESS"}


async def test_an_unknown_execution_is_a_mistral_404(server, api):
    status, body = await api.call("GET", "/executions/nope/stream")
    assert status == 404 and body["faultcode"] == "Client" and "nope" in body["faultstring"]
    status, body = await api.call("GET", "/executions/nope/stream?x=1")
    assert status == 400 and "x" in body["faultstring"]


async def test_deleting_the_execution_ends_its_stream(server, api):
    await api.upload(SLOW)
    ex = await api.run("slow")
    async with server.http.get(f"{server.url}/executions/{ex['id']}/stream") as r:
        reader = EventReader(r)
        assert (await reader.next()).name == "snapshot"
        await api.ok("DELETE", f"/executions/{ex['id']}", status=204)
        gone = await reader.next()
        assert gone.name == "deleted" and gone.data["id"] == ex["id"]
        assert await reader.next() is None


async def test_shutdown_closes_open_streams(tmp_path):
    import aiohttp

    config = Config(port=free_port(), data_dir=str(tmp_path / "data"), log_level="warning")
    running = RunningServer(config)
    await running.start()
    stopped = False
    try:
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{config.port}/v2"
            async with http.post(f"{base}/workflows", data=SLOW.encode(), headers={"Content-Type": "text/plain"}) as r:
                assert r.status == 201
            async with http.post(f"{base}/executions", json={"workflow_name": "slow", "input": json.dumps({})}) as r:
                ex = await r.json()
            async with http.get(f"{base}/executions/{ex['id']}/stream") as r:
                reader = EventReader(r)
                assert (await reader.next()).name == "snapshot"
                # aiohttp waits up to 60 s for open requests; a closed stream lets it stop at once.
                await asyncio.wait_for(running.stop(), 30)
                stopped = True
                for _ in range(20):
                    if await reader.next() is None:
                        break
                else:
                    raise AssertionError("the stream never ended")
    finally:
        if not stopped:
            await running.stop()
