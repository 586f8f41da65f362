"""GET /v2/services: Mistral's service list, one entry per cluster member this node knows, with its Raft state."""

from __future__ import annotations

from tests.support.ports import free_port
from tests.support.servers import live_api


async def test_a_single_node_lists_itself_as_the_engine(server, api):
    await api.upload("---\nversion: '2.0'\nwf:\n  tasks:\n    t: {action: std.noop}\n")
    body = await api.ok("GET", "/services")
    assert body == {"services": [{"name": "node1", "type": "engine_group", "url": server.root, "role": "leader",
                                  "term": 0, "commit_index": 1, "applied_index": 1, "reachable": True}]}


async def test_peers_are_listed_with_what_their_own_health_says(server, api, tmp_path, monkeypatch):
    dead = f"http://127.0.0.1:{free_port()}"
    async with live_api(tmp_path / "peer", node_id="node2") as peer:
        peer_root = peer.url.removesuffix("/v2")
        own = server.node.log.status()
        # The peers a cluster's log would report: one whose API answers, one whose process is gone.
        peers = [{"address": "127.0.0.1:7992", "url": peer_root, "reachable": True},
                 {"address": "127.0.0.1:7993", "url": dead, "reachable": False}]
        monkeypatch.setattr(server.node.log, "status", lambda: {**own, "peers": peers})
        body = await api.ok("GET", "/services")
    names = [(s["name"], s["url"], s["role"], s["reachable"]) for s in body["services"]]
    assert names == [("node1", server.root, "leader", True), ("node2", peer_root, "leader", True),
                     ("127.0.0.1:7993", dead, None, False)]
    assert body["services"][2] == {"name": "127.0.0.1:7993", "type": "api_group", "url": dead, "role": None,
                                   "term": None, "commit_index": None, "applied_index": None, "reachable": False}
