"""/health tells when writes fail, with real faults under a running server. Before: "database ok"
with 200 while every write failed with a disk I/O error."""

from __future__ import annotations

from tests.support.storage_faults import immutable

WF = "---\nversion: '2.0'\n{name}:\n  tasks:\n    t: {{action: std.noop}}\n"


async def health(server) -> tuple[int, dict]:
    async with server.http.get(server.root + "/health") as r:
        return r.status, await r.json()


async def test_failing_writes_turn_health_to_503_until_writes_work_again(server, api) -> None:
    await api.upload(WF.format(name="first"))
    assert await health(server) == (200, {"node_id": "node1", "role": "leader", "applied_index": 1, "database": "ok"})
    with immutable(server.data_dir / "mistral-lite.sqlite-wal"):
        status, body = await api.call("POST", "/workflows", text=WF.format(name="second"))
        assert status >= 500, body
        status, body = await health(server)
        assert status == 503 and body["database"] == "error: writes fail: disk I/O error", body
        # Still failing on the next probe: health tries the write path again, it does not just forget.
        assert (await health(server))[0] == 503
    # Without any other write, health's own probe sees that writes work again.
    assert await health(server) == (200, {"node_id": "node1", "role": "leader", "applied_index": 1, "database": "ok"})
    await api.upload(WF.format(name="second"))
    assert (await health(server))[1]["applied_index"] == 2


async def test_an_immutable_database_file_is_reported_before_a_write_fails(server, api) -> None:
    await api.upload(WF.format(name="first"))
    db = server.data_dir / "mistral-lite.sqlite"
    with immutable(db):
        status, body = await health(server)
        assert status == 503 and body["database"] == f"error: writes fail: {db} is not writable", body
    assert (await health(server))[0] == 200
