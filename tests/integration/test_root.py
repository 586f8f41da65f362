async def test_versions_document(server):
    async with server.http.get(server.root + "/") as r:
        assert r.status == 200
        body = await r.json()
    assert body["versions"][0]["id"] == "v2.0"
    assert body["versions"][0]["status"] == "CURRENT"
    assert body["versions"][0]["links"][0]["href"] == server.url


async def test_v2_without_slash_redirects(server):
    async with server.http.get(server.url, allow_redirects=False) as r:
        assert r.status == 302
        assert r.headers["Location"] == server.url + "/"
    async with server.http.get(server.url) as r:
        assert await r.json() == {"uri": server.url}


async def test_health(server):
    async with server.http.get(server.root + "/health") as r:
        body = await r.json()
    storage = body.pop("storage")  # sizes vary with SQLite's page use; test_health_storage.py checks them
    assert set(storage) == {"data_bytes", "wal_bytes", "page_size", "free_pages"}
    assert body == {"node_id": "node1", "role": "leader", "applied_index": 0, "database": "ok",
                    "term": 0, "leader": None, "leader_url": None, "commit_index": 0, "peers": []}


async def test_health_counts_committed_entries_of_a_single_node(server, api):
    await api.upload("---\nversion: '2.0'\nwf:\n  tasks:\n    t: {action: std.noop}\n")
    async with server.http.get(server.root + "/health") as r:
        body = await r.json()
    assert (body["role"], body["commit_index"], body["applied_index"], body["peers"]) == ("leader", 1, 1, [])


async def test_unknown_path_is_a_404_fault(server):
    async with server.http.get(server.url + "/nothing-here") as r:
        assert r.status == 404
        body = await r.json()
    assert body["faultstring"] == "Not Found"
    assert "debuginfo" in body
