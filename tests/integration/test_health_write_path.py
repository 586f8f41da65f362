"""/health tells when writes fail, with real faults under a running server. Before: "database ok"
with 200 while every write failed with a disk I/O error."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from mistral_lite.config import Config
from mistral_lite.server import RunningServer
from tests.support.api import Api
from tests.support.ports import free_port
from tests.support.storage_faults import fill_up, immutable, small_file_system

SINGLE_NODE_AT_1 = {"term": 0, "leader": None, "leader_url": None, "commit_index": 1, "peers": []}
WF = "---\nversion: '2.0'\n{name}:\n  tasks:\n    t: {{action: std.noop}}\n"


async def health(server) -> tuple[int, dict]:
    """Status and body without `storage`, whose sizes vary (test_health_storage.py checks them)."""
    async with server.http.get(server.root + "/health") as r:
        body = await r.json()
    body.pop("storage")
    return r.status, body


async def test_failing_writes_turn_health_to_503_until_writes_work_again(server, api) -> None:
    await api.upload(WF.format(name="first"))
    assert await health(server) == (200, {"node_id": "node1", "role": "leader", "applied_index": 1, "database": "ok", **SINGLE_NODE_AT_1})
    with immutable(server.data_dir / "mistral-lite.sqlite-wal"):
        status, body = await api.call("POST", "/workflows", text=WF.format(name="second"))
        assert status >= 500, body
        status, body = await health(server)
        assert status == 503 and body["database"] == "error: writes fail: disk I/O error", body
        # Still failing on the next probe: health tries the write path again, it does not just forget.
        assert (await health(server))[0] == 503
    # Without any other write, health's own probe sees that writes work again.
    assert await health(server) == (200, {"node_id": "node1", "role": "leader", "applied_index": 1, "database": "ok", **SINGLE_NODE_AT_1})
    await api.upload(WF.format(name="second"))
    assert (await health(server))[1]["applied_index"] == 2


async def test_an_immutable_database_file_is_reported_before_a_write_fails(server, api) -> None:
    await api.upload(WF.format(name="first"))
    db = server.data_dir / "mistral-lite.sqlite"
    with immutable(db):
        status, body = await health(server)
        assert status == 503 and body["database"] == f"error: writes fail: {db} is not writable", body
    assert (await health(server))[0] == 200


async def test_a_full_disk_turns_health_to_503_until_a_write_succeeds(tmp_path: Path) -> None:
    with small_file_system(tmp_path / "small") as mount:
        config = Config(port=free_port(), data_dir=str(mount / "data"), log_level="warning")
        running = RunningServer(config)
        await running.start()
        try:
            async with aiohttp.ClientSession() as http:
                api = Api(http, f"http://127.0.0.1:{config.port}/v2")

                async def health() -> tuple[int, dict]:
                    async with http.get(f"http://127.0.0.1:{config.port}/health") as r:
                        return r.status, await r.json()

                await api.upload(WF.format(name="first"))
                filler = fill_up(mount / "filler")
                # Small writes may still fit in the WAL's old space: write bigger ones until one fails.
                padding = "x" * 4000
                for n in range(200):
                    text = WF.format(name=f"wf{n}").replace("  tasks:", f"  description: {padding}\n  tasks:")
                    status, _ = await api.call("POST", "/workflows", text=text)
                    if status != 201:
                        break
                assert status >= 500
                status, body = await health()
                assert status == 503 and body["database"] == "error: writes fail: database or disk is full", body
                filler.unlink()
                # A one-page probe would fit where the failed write did not: "full" stays until a real write works.
                assert (await health())[0] == 503
                await api.upload(WF.format(name="after"))
                assert (await health())[1]["database"] == "ok"
        finally:
            await running.stop()
