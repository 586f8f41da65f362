"""GET /v2/services on a single node (a cluster's members: tests/cluster/test_operator_views.py)."""

from __future__ import annotations


async def test_a_single_node_lists_itself_as_the_engine(server, api):
    await api.upload("---\nversion: '2.0'\nwf:\n  tasks:\n    t: {action: std.noop}\n")
    body = await api.ok("GET", "/services")
    assert body == {"services": [{"name": "node1", "type": "engine_group", "url": server.root, "role": "leader",
                                  "term": 0, "commit_index": 1, "applied_index": 1, "reachable": True}]}

