"""What the schemathesis run found, each kept as a plain test: bad input gets a 4xx naming it, never a 5xx."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("collection", ["environments", "cron_triggers"])
async def test_tags_on_a_collection_without_tags_is_an_unknown_argument(api, collection):
    # Was a 500 (KeyError: unknown column tags); Mistral answers 400 Unknown argument: "tags".
    status, body = await api.call("GET", f"/{collection}?tags=")
    assert status == 400 and "tags" in body["faultstring"]


async def test_tags_still_filter_collections_that_have_them(api):
    await api.upload("---\nversion: '2.0'\nwf:\n  tags: [a]\n  tasks:\n    t: {action: std.noop}\n")
    assert [w["name"] for w in (await api.ok("GET", "/workflows?tags=a"))["workflows"]] == ["wf"]
    assert (await api.ok("GET", "/workflows?tags=b"))["workflows"] == []


async def test_a_method_a_path_lacks_is_405_with_allow(server):
    async with server.http.request("TRACE", f"{server.url}/services") as r:
        assert r.status == 405 and set(r.headers["Allow"].split(",")) >= {"GET"}
        assert (await r.json())["faultstring"] == "Method Not Allowed"
