"""The node's size and depth limits, through a real server with small limits set in its config."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.support.api import Api
from tests.support.servers import live_api
from tests.support.remote import serving

ECHO = """---
version: '2.0'
echo:
  input: [size]
  tasks:
    say:
      action: std.echo
      input:
        output: "{{ 'x' * _.size }}"
"""


@pytest.fixture
async def small(tmp_path: Path) -> AsyncIterator[Api]:
    """A server whose limits are small enough to pass with test-sized data."""
    async with live_api(tmp_path / "data", max_action_result_size=1000, max_action_input_size=5000,
                        max_http_response_size=1000, max_subworkflow_depth=5, max_list_response_size=4000) as api:
        yield api


async def every_row(api: Api, path: str, key: str) -> list[dict]:
    """All rows of a listing, following `next` links (pages may end early at their byte budget)."""
    page = await api.ok("GET", path)
    rows = page[key]
    for _ in range(50):
        if "next" not in page:
            return rows
        async with api.http.get(page["next"]) as r:
            assert r.status == 200
            page = await r.json()
        rows += page[key]
    raise AssertionError(f"{path}: more than 50 pages")


async def only_action(api: Api, execution_id: str) -> dict:
    [task] = await api.tasks(execution_id)
    body = await api.ok("GET", f"/tasks/{task['id']}/action_executions?include_output=true")
    [action] = body["action_executions"]
    return action


async def test_a_result_over_the_limit_fails_the_task_and_says_why(small: Api):
    await small.upload(ECHO)
    ex = await small.run("echo", {"size": 1100})  # the input (1.1 KB) fits, its echo does not
    assert ex["state"] == "ERROR", ex
    assert "Field size limit exceeded" in ex["state_info"] and "max-action-result-size" in ex["state_info"]
    action = await only_action(small, ex["id"])
    assert action["state"] == "ERROR"
    assert "limit=1000 bytes" in json.loads(action["output"])["result"]
    assert (await small.run("echo", {"size": 900}))["state"] == "SUCCESS"


async def test_a_result_reported_over_the_api_is_held_to_the_same_limit(small: Api):
    await small.upload("---\nversion: '2.0'\nwait:\n  tasks:\n    hold: {action: std.async_noop}\n")
    started = await small.start("wait")
    for _ in range(200):
        actions = (await small.ok("GET", "/action_executions"))["action_executions"]
        if actions:
            break
        await asyncio.sleep(0.02)
    [action] = actions
    await small.ok("PUT", f"/action_executions/{action['id']}", {"state": "SUCCESS", "output": {"data": "y" * 2000}})
    ex = await small.wait(started["id"])
    assert ex["state"] == "ERROR" and "max-action-result-size" in ex["state_info"], ex


async def test_an_input_over_the_limit_fails_the_task_before_running_anything(small: Api):
    await small.upload(ECHO)
    ex = await small.run("echo", {"size": 6000})
    assert ex["state"] == "ERROR", ex
    assert "field=input" in ex["state_info"] and "max-action-input-size" in ex["state_info"]
    assert (await small.ok("GET", "/action_executions"))["action_executions"] == []


async def test_std_http_stops_reading_a_body_past_the_limit(small: Api):
    sent = {"chunks": 0}

    async def endless(request: web.Request) -> web.StreamResponse:
        """64 MB in 64 KB chunks without a Content-Length: only reading stops it early."""
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await response.prepare(request)
        try:
            for _ in range(1000):
                await response.write(b"y" * 65536)
                sent["chunks"] += 1
        except (ConnectionError, aiohttp.ClientConnectionResetError):
            pass  # the action hung up, as it should
        return response

    async def declared(request: web.Request) -> web.Response:
        return web.Response(body=b"z" * 5000)

    async def small_body(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/endless", endless)
    app.router.add_get("/declared", declared)
    app.router.add_get("/small", small_body)
    async with serving(app) as remote:
        await small.upload(f"""---
version: '2.0'
fetch:
  input: [path]
  tasks:
    get:
      action: std.http
      input:
        url: {remote}<% $.path %>
""")
        endless_ex = await small.run("fetch", {"path": "/endless"})
        declared_ex = await small.run("fetch", {"path": "/declared"})
        ok = await small.run("fetch", {"path": "/small"})
    assert endless_ex["state"] == "ERROR", endless_ex
    assert "HTTP response is too large (more than 1000 bytes received, limit=1000 bytes)" in endless_ex["state_info"]
    assert "max-http-response-size" in endless_ex["state_info"]
    assert sent["chunks"] < 1000
    assert declared_ex["state"] == "ERROR"
    assert "HTTP response is too large (Content-Length=5000, limit=1000 bytes)" in declared_ex["state_info"]
    assert ok["state"] == "SUCCESS", ok


async def test_a_workflow_that_starts_itself_ends_error_at_the_depth_limit(small: Api):
    await small.upload("---\nversion: '2.0'\nrecurse:\n  tasks:\n    again:\n      workflow: recurse\n")
    ex = await small.run("recurse")
    assert ex["state"] == "ERROR", ex
    assert "max-subworkflow-depth" in ex["state_info"]
    tree = await every_row(small, "/executions?workflow_name=recurse", "executions")
    assert len(tree) == 6  # the root and 5 levels
    assert all(e["state"] == "ERROR" for e in tree)


async def test_self_recursion_with_the_default_limit_ends_and_the_node_keeps_serving(api: Api):
    await api.upload("---\nversion: '2.0'\nrecurse:\n  tasks:\n    again:\n      workflow: recurse\n")
    ex = await api.wait((await api.start("recurse"))["id"], timeout=30)
    assert ex["state"] == "ERROR" and "limit of 100 set by max-subworkflow-depth" in ex["state_info"], ex
    listed = (await api.ok("GET", "/executions?workflow_name=recurse&fields=id"))["executions"]
    assert len(listed) == 101


async def test_list_rows_leave_out_output_unless_asked(small: Api):
    await small.upload(ECHO)
    ex = await small.run("echo", {"size": 10})
    [row] = (await small.ok("GET", "/action_executions?limit=5"))["action_executions"]
    assert "output" not in row and json.loads(row["input"]) == {"output": "x" * 10}  # Mistral's list row
    [full] = (await small.ok("GET", "/action_executions?limit=5&include_output=true"))["action_executions"]
    assert json.loads(full["output"]) == {"result": "x" * 10}
    [execution] = (await small.ok("GET", "/executions"))["executions"]
    assert "output" not in execution and execution["id"] == ex["id"]
    [task] = (await small.ok("GET", "/tasks"))["tasks"]
    assert "result" not in task and "in_context" not in task


async def test_a_list_page_of_big_rows_ends_early_and_next_brings_the_rest(small: Api):
    await small.upload(ECHO)
    for _ in range(6):
        assert (await small.run("echo", {"size": 900}))["state"] == "SUCCESS"
    first = await small.ok("GET", "/action_executions?limit=100")
    assert 0 < len(first["action_executions"]) < 6 and "next" in first
    seen = [a["id"] for a in await every_row(small, "/action_executions?limit=100", "action_executions")]
    assert len(seen) == len(set(seen)) == 6
