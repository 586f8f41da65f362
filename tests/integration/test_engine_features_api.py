"""Issue-6 features through the HTTP API on a real server: joins, with-items, policies,
environments, execution control, rerun and the report."""

import asyncio
import json
import time

import pytest
from aiohttp import web

from tests.support.remote import serving


@pytest.fixture
async def remote():
    """A fake outside service on 127.0.0.1 that counts concurrent calls and fails on request."""
    state = {"inflight": 0, "peak": 0, "calls": [], "fail_once": set()}

    async def work(request: web.Request) -> web.Response:
        item = request.query.get("item")
        state["calls"].append(item)
        state["inflight"] += 1
        state["peak"] = max(state["peak"], state["inflight"])
        try:
            await asyncio.sleep(0.005)
        finally:
            state["inflight"] -= 1
        if item in state["fail_once"]:
            state["fail_once"].discard(item)
            return web.json_response({"error": f"item {item} failed"}, status=500)
        return web.json_response({"item": item})

    app = web.Application()
    app.add_routes([web.get("/work", work)])
    async with serving(app) as base:
        yield base, state


async def test_join_fed_by_a_failing_branch(api):
    await api.upload("""---
version: '2.0'
wf:
  tasks:
    ok: {action: std.noop, on-success: [merge]}
    broken: {action: std.fail, on-success: [merge]}
    merge: {join: all, action: std.noop}
""")
    ex = await api.run("wf")
    assert ex["state"] == "ERROR"
    tasks = {t["name"]: t for t in await api.tasks(ex["id"])}
    assert tasks["merge"]["state"] == "ERROR" and tasks["merge"]["state_info"] == "Failed by tasks: ['broken']"


async def test_with_items_200_items_concurrency_10(api, remote):
    base, state = remote
    await api.upload("""---
version: '2.0'
fanout:
  input: [base]
  tasks:
    each:
      with-items: i in <% range(0, 200) %>
      concurrency: 10
      action: std.http url="<% $.base %>/work?item=<% $.i %>"
      publish: {items: <% task().result.content.item %>}
""")
    ex = await api.wait((await api.start("fanout", {"base": base}))["id"], timeout=60)
    assert ex["state"] == "SUCCESS", ex
    assert state["peak"] == 10  # never more than 10 at once, and the limit was reached
    assert len(state["calls"]) == 200
    assert ex["output"]["items"] == [str(i) for i in range(200)]  # results in item order


async def test_rerun_of_a_failed_with_items_task_runs_only_failed_items(api, remote):
    base, state = remote
    state["fail_once"].update({"3", "7"})
    await api.upload("""---
version: '2.0'
batch:
  input: [base]
  tasks:
    each:
      with-items: i in <% range(0, 10) %>
      action: std.http url="<% $.base %>/work?item=<% $.i %>"
      publish: {done: <% task().result.content.item %>}
""")
    ex = await api.run("batch", {"base": base})
    assert ex["state"] == "ERROR"
    [task] = await api.tasks(ex["id"])
    assert task["state"] == "ERROR" and "One or more actions had failed" in task["state_info"]
    state["calls"].clear()
    rerun = await api.ok("PUT", f"/tasks/{task['id']}", {"id": task["id"], "state": "RUNNING", "reset": False})
    assert rerun["state"] in ("RUNNING", "SUCCESS")
    ex = await api.wait(ex["id"])
    assert ex["state"] == "SUCCESS"
    assert sorted(state["calls"]) == ["3", "7"]
    assert ex["output"]["done"] == [str(i) for i in range(10)]


async def test_rerun_validation(api):
    await api.upload("---\nversion: '2.0'\nwf:\n  tasks:\n    t: {action: std.noop}\n")
    ex = await api.run("wf")
    [task] = await api.tasks(ex["id"])
    status, body = await api.call("PUT", f"/tasks/{task['id']}", {"state": "RUNNING", "reset": True})
    assert status == 409 and "must be in ERROR" in body["faultstring"]
    status, body = await api.call("PUT", f"/tasks/{task['id']}", {"state": "RUNNING"})
    assert status == 400 and "Reset field is mandatory" in body["faultstring"]
    status, body = await api.call("PUT", f"/tasks/{task['id']}", {"state": "DELAYED", "reset": True})
    assert status == 400 and "Only updating task to RUNNING" in body["faultstring"]


async def test_timeout_fires(api):
    await api.upload("""---
version: '2.0'
wf:
  output: {handled: <% $.handled %>}
  tasks:
    slow:
      action: std.sleep seconds=30
      timeout: 1
      on-error: [handle]
    handle: {action: std.noop, publish: {handled: <% task(slow).state_info %>}}
""")
    started = time.monotonic()
    ex = await api.run("wf")
    assert time.monotonic() - started < 10
    assert ex["state"] == "SUCCESS"
    assert ex["output"] == {"handled": "Task timed out [timeout(s)=1]."}


async def test_retry_then_success_and_wait_policies(api, remote):
    base, state = remote
    state["fail_once"].add("r")
    await api.upload("""---
version: '2.0'
wf:
  input: [base]
  tasks:
    call:
      action: std.http url="<% $.base %>/work?item=r"
      retry: {count: 3, delay: 1}
      wait-before: 1
      wait-after: 1
      publish: {item: <% task().result.content.item %>}
""")
    ex = await api.run("wf", {"base": base})
    assert ex["state"] == "SUCCESS" and ex["output"] == {"item": "r"}
    assert state["calls"] == ["r", "r"]
    [task] = await api.tasks(ex["id"])
    assert task["runtime_context"]["retry_task_policy"] == {"retry_no": 1}
    actions = (await api.ok("GET", f"/tasks/{task['id']}/action_executions"))["action_executions"]
    assert sorted(a["accepted"] for a in actions) == [False, True]


async def test_environments_by_name_reach_sub_workflows(api):
    env = await api.ok("POST", "/environments",
                       {"name": "lab", "variables": json.dumps({"region": "lab-1", "size": 3}),
                        "description": "the lab"}, status=201)
    assert json.loads(env["variables"]) == {"region": "lab-1", "size": 3}
    assert (await api.call("POST", "/environments", {"name": "lab", "variables": {}}))[0] == 409
    await api.ok("PUT", "/environments", {"name": "lab", "variables": {"region": "lab-2", "size": 3}})
    assert [e["name"] for e in (await api.ok("GET", "/environments"))["environments"]] == ["lab"]
    await api.upload("""---
version: '2.0'
parent:
  output: {seen: <% $.seen %>, top: <% env().region %>}
  tasks:
    call: {workflow: child, publish: {seen: <% task().result.region %>}}
child:
  output: {region: '{{ env().region }}'}
  tasks:
    t: {action: std.noop}
""")
    ex = await api.run("parent", params={"env": "lab"})
    assert ex["output"] == {"seen": "lab-2", "top": "lab-2"}
    status, body = await api.call("POST", "/executions", {"workflow_name": "parent", "params": {"env": "nope"}})
    assert status == 400 and body["faultstring"] == "Environment is not found: nope"  # Mistral's status and words
    assert (await api.call("DELETE", "/environments/lab"))[0] == 204
    assert (await api.call("GET", "/environments/lab"))[0] == 404


async def test_pause_resume_and_cancel_with_a_running_child(api):
    await api.upload("""---
version: '2.0'
parent:
  tasks:
    call: {workflow: child}
child:
  tasks:
    wait: {action: std.async_noop, on-success: [after]}
    after: {action: std.noop}
""")
    started = await api.start("parent")
    await api.ok("PUT", f"/executions/{started['id']}", {"state": "PAUSED"})
    executions = {e["workflow_name"]: e for e in (await api.ok("GET", "/executions"))["executions"]}
    assert executions["parent"]["state"] == "PAUSED" and executions["child"]["state"] == "PAUSED"
    child_id = executions["child"]["id"]
    [wait] = await api.tasks(child_id)
    [action] = (await api.ok("GET", f"/tasks/{wait['id']}/action_executions"))["action_executions"]
    await api.ok("PUT", f"/action_executions/{action['id']}", {"state": "SUCCESS", "output": {}})
    assert list(await api.task_states(child_id)) == ["wait"]  # held while paused
    await api.ok("PUT", f"/executions/{started['id']}", {"state": "RUNNING"})
    ex = await api.wait(started["id"])
    assert ex["state"] == "SUCCESS" and await api.task_states(child_id) == {"wait": "SUCCESS", "after": "SUCCESS"}

    again = await api.start("parent")
    child = [e for e in (await api.ok("GET", "/executions"))["executions"]
             if e["workflow_name"] == "child" and e["state"] == "RUNNING"]
    await api.ok("PUT", f"/executions/{again['id']}", {"state": "CANCELLED"})
    assert (await api.wait(again["id"]))["state"] == "CANCELLED"
    assert (await api.wait(child[0]["id"]))["state"] == "CANCELLED"


async def test_reverse_workflow_over_the_api(api):
    await api.upload("""---
version: '2.0'
build:
  type: reverse
  tasks:
    fetch: {action: std.echo output="src", publish: {src: <% task().result %>}}
    compile: {action: std.echo output="bin", requires: [fetch], publish: {bin: <% task().result %>}}
    package: {action: std.noop, requires: [compile]}
    docs: {action: std.noop, requires: fetch}
""")
    ex = await api.run("build", params={"task_name": "package"})
    assert ex["state"] == "SUCCESS"
    assert await api.task_states(ex["id"]) == {"fetch": "SUCCESS", "compile": "SUCCESS", "package": "SUCCESS"}
    status, body = await api.call("POST", "/executions", {"workflow_name": "build", "params": {"task_name": "x"}})
    assert status == 400 and "Invalid task name" in body["faultstring"]


async def test_report_and_sub_executions(api):
    await api.upload("""---
version: '2.0'
top:
  tasks:
    call: {workflow: child, on-complete: [done]}
    done: {action: std.noop}
child:
  tasks:
    boom: {action: std.fail, retry: {count: 1, delay: 0}}
""")
    ex = await api.run("top")
    assert ex["state"] == "ERROR"
    report = await api.ok("GET", f"/executions/{ex['id']}/report?errors_only=false&max_depth=-1")
    stats = report["statistics"]
    assert stats["total_tasks_count"] == 3 and stats["error_tasks_count"] == 2 and stats["success_tasks_count"] == 1
    root = report["root_workflow_execution"]
    assert root["id"] == ex["id"] and root["state"] == "ERROR"
    call = next(t for t in root["task_executions"] if t["name"] == "call")
    [child] = call["workflow_executions"]
    [boom] = child["task_executions"]
    assert boom["retry_count"] == 1 and len(boom["action_executions"]) == 2
    errors = await api.ok("GET", f"/executions/{ex['id']}/report?errors_only=True&max_depth=-1")
    assert [t["name"] for t in errors["root_workflow_execution"]["task_executions"]] == ["call"]
    only_stats = await api.ok("GET", f"/executions/{ex['id']}/report?statistics_only=true")
    assert set(only_stats) == {"statistics"}
    subs = await api.ok("GET", f"/executions/{ex['id']}/executions?max_depth=-1&errors_only=")
    assert [e["workflow_name"] for e in subs["executions"]] == ["top", "child"]
