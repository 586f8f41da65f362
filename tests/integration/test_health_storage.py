"""/health reports the data file's and WAL's sizes and free pages: what an operator watches before the disk fills."""

async def _storage(server) -> dict:
    async with server.http.get(f"{server.root}/health") as r:
        assert r.status == 200
        return (await r.json())["storage"]


async def test_health_reports_the_data_file_and_wal_sizes_as_they_grow(server, api):
    before = await _storage(server)
    assert before["data_bytes"] > 0 and before["page_size"] > 0 and before["free_pages"] >= 0
    total = before["data_bytes"] + before["wal_bytes"]
    # Enough definitions that new pages must be written to the WAL or the file.
    text = "version: '2.0'\n" + "".join(
        f"size_{i}:\n  description: {'x' * 2000}\n  tasks:\n    t:\n      action: std.noop\n" for i in range(40))
    await api.upload(text)
    after = await _storage(server)
    assert after["data_bytes"] + after["wal_bytes"] > total
