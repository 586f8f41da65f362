"""Executions end to end through the HTTP API on a real server with real SQLite."""

import json

from tests.support.api import decoded
from tests.support.workflows import HELLO



async def test_success_with_output_tasks_and_action_executions(api):
    await api.upload(HELLO)
    started = await api.start("hello", {"name": "Ann"}, description="first run")
    assert started["state"] == "RUNNING" and started["description"] == "first run"
    assert json.loads(started["input"]) == {"name": "Ann", "greeting": "Hello"}
    ex = await api.wait(started["id"])
    assert ex["state"] == "SUCCESS" and ex["output"] == {"message": "Hello, Ann"}
    assert ex["published_global"] == {}
    tasks = await api.tasks(ex["id"])
    assert [(t["name"], t["state"]) for t in tasks] == [("greet", "SUCCESS"), ("done", "SUCCESS")]
    assert tasks[0]["published"] == {"message": "Hello, Ann"}
    task = decoded(await api.ok("GET", f"/tasks/{tasks[0]['id']}"))
    assert task["result"] == "Hello, Ann"
    actions = await api.ok("GET", f"/tasks/{tasks[0]['id']}/action_executions")
    [action] = actions["action_executions"]
    assert action["name"] == "std.echo" and action["state"] == "SUCCESS"
    full = decoded(await api.ok("GET", f"/action_executions/{action['id']}"))
    assert full["output"] == {"result": "Hello, Ann"} and full["input"] == {"output": "Hello, Ann"}


async def test_start_errors(api):
    await api.upload(HELLO)
    status, body = await api.call("POST", "/executions", {"workflow_name": "nope"})
    assert status == 404 and body["faultstring"] == "Workflow not found [workflow_identifier=nope, namespace=]"
    status, body = await api.call("POST", "/executions", {"workflow_name": "hello", "input": {"nam": "x"}})
    assert status == 400 and "missing=['name'], unexpected=['nam']" in body["faultstring"]
    status, body = await api.call("POST", "/executions", {})
    assert status == 400 and "Workflow ID or workflow name must be provided" in body["faultstring"]
    status, body = await api.call("POST", "/executions", {"workflow_name": "hello", "colour": 1})
    assert status == 400 and "colour" in body["faultstring"]
    status, body = await api.call("POST", "/executions", {"workflow_name": "hello", "input": "[1]"})
    assert status == 400 and "must be a dictionary" in body["faultstring"]
    assert (await api.ok("GET", "/executions"))["executions"] == []


async def test_client_chosen_id_makes_create_idempotent(api):
    await api.upload(HELLO)
    first = await api.start("hello", {"name": "A"}, id="0b7e7d2c-8f33-4c5e-9b8e-1c1d1e1f2a3b")
    again = await api.start("hello", {"name": "B"}, id="0b7e7d2c-8f33-4c5e-9b8e-1c1d1e1f2a3b")
    assert again["id"] == first["id"] and json.loads(again["input"])["name"] == "A"
    assert len((await api.ok("GET", "/executions"))["executions"]) == 1


async def test_failure_state_info_and_output_on_error(api):
    await api.upload("""---
version: '2.0'
wf:
  output-on-error: {stage: <% $.stage %>}
  tasks:
    prepare: {action: std.echo output="ok", publish: {stage: prepared}, on-success: [explode]}
    explode: {action: std.fail error_data="disk full"}
""")
    ex = await api.run("wf")
    assert ex["state"] == "ERROR"
    assert ex["state_info"].startswith("Failure caused by error in tasks: explode")
    assert "disk full" in ex["state_info"]
    assert ex["output"] == {"result": ex["state_info"], "stage": "prepared"}
    tasks = {t["name"]: t for t in await api.tasks(ex["id"])}
    assert tasks["explode"]["state"] == "ERROR" and tasks["explode"]["state_info"] == "disk full"


async def test_on_error_recovery_and_on_complete(api):
    await api.upload("""---
version: '2.0'
wf:
  tasks:
    risky:
      action: std.fail
      on-error: [recover]
      on-complete: [audit]
    recover: {action: std.echo output="recovered", publish: {how: <% task().result %>}}
    audit: {action: std.noop}
""")
    ex = await api.run("wf")
    assert ex["state"] == "SUCCESS" and ex["output"] == {"how": "recovered"}
    assert await api.task_states(ex["id"]) == {"risky": "ERROR", "recover": "SUCCESS", "audit": "SUCCESS"}


async def test_engine_commands(api):
    await api.upload("""---
version: '2.0'
failing:
  tasks:
    a: {action: std.noop, on-success: ['fail msg="refused by policy"']}
succeeding:
  output: {done: true}
  tasks:
    a: {action: std.noop, on-success: [succeed, never]}
    never: {action: std.noop}
pausing:
  tasks:
    a: {action: std.noop, on-success: [pause, b]}
    b: {action: std.noop}
""")
    failed = await api.run("failing")
    assert failed["state"] == "ERROR" and failed["state_info"] == "refused by policy"
    succeeded = await api.run("succeeding")
    assert succeeded["state"] == "SUCCESS" and succeeded["output"] == {"done": True}
    assert list(await api.task_states(succeeded["id"])) == ["a"]
    paused = await api.start("pausing")
    paused = await api.wait(paused["id"], ("PAUSED",))
    assert list(await api.task_states(paused["id"])) == ["a"]
    resumed = await api.ok("PUT", f"/executions/{paused['id']}", {"state": "RUNNING"})
    assert resumed["state"] in ("RUNNING", "SUCCESS")
    done = await api.wait(paused["id"])
    assert done["state"] == "SUCCESS" and list(await api.task_states(done["id"])) == ["a", "b"]


async def test_nested_sub_workflows_three_levels(api):
    await api.upload("""---
version: '2.0'
top:
  input: [n]
  output: {result: <% $.r %>}
  tasks:
    call: {workflow: middle n=<% $.n %>, publish: {r: <% task().result.r %>}}
middle:
  input: [n]
  output: {r: <% $.r %>}
  tasks:
    call: {workflow: bottom n=<% $.n * 2 %>, publish: {r: <% task().result.r %>}}
bottom:
  input: [n]
  output: {r: <% $.n + 1 %>}
  tasks:
    t: {action: std.noop}
""")
    ex = await api.run("top", {"n": 5})
    assert ex["state"] == "SUCCESS" and ex["output"] == {"result": 11}
    everything = (await api.ok("GET", "/executions"))["executions"]
    assert len(everything) == 3
    children = [e for e in everything if e["root_execution_id"] == ex["id"]]
    assert len(children) == 2 and all(e["state"] == "SUCCESS" for e in children)
    roots = (await api.ok("GET", "/executions?nulls=root_execution_id"))["executions"]
    assert [e["id"] for e in roots] == [ex["id"]]


async def test_async_action_completed_over_the_api(api):
    await api.upload("""---
version: '2.0'
approval:
  output: {decision: <% $.decision %>}
  tasks:
    ask:
      action: std.async_noop
      publish: {decision: <% task().result.approved %>}
      on-success: [notify]
    notify: {action: std.noop}
""")
    started = await api.start("approval")
    [task] = await api.tasks(started["id"])
    assert task["state"] == "RUNNING"
    [action] = (await api.ok("GET", f"/tasks/{task['id']}/action_executions"))["action_executions"]
    assert action["state"] == "RUNNING"
    updated = await api.ok("PUT", f"/action_executions/{action['id']}", {"state": "SUCCESS", "output": {"approved": True}})
    assert updated["state"] == "SUCCESS"
    ex = await api.wait(started["id"])
    assert ex["state"] == "SUCCESS" and ex["output"] == {"decision": True}
    status, body = await api.call("PUT", f"/action_executions/{action['id']}", {"state": "SUCCESS", "output": {}})
    assert status == 409 and "already completed" in body["faultstring"]


async def test_async_action_failed_over_the_api(api):
    await api.upload("""---
version: '2.0'
wf:
  tasks:
    ask: {action: std.async_noop}
""")
    started = await api.start("wf")
    [task] = await api.tasks(started["id"])
    [action] = (await api.ok("GET", f"/tasks/{task['id']}/action_executions"))["action_executions"]
    await api.ok("PUT", f"/action_executions/{action['id']}", {"state": "ERROR", "output": {"error": "worker crashed"}})
    ex = await api.wait(started["id"])
    assert ex["state"] == "ERROR" and "worker crashed" in ex["state_info"]


async def test_pause_resume_cancel_over_the_api(api):
    await api.upload("""---
version: '2.0'
wf:
  tasks:
    wait: {action: std.async_noop, on-success: [after]}
    after: {action: std.noop}
""")
    started = await api.start("wf")
    paused = await api.ok("PUT", f"/executions/{started['id']}", {"state": "PAUSED"})
    assert paused["state"] == "PAUSED"
    resumed = await api.ok("PUT", f"/executions/{started['id']}", {"state": "RUNNING"})
    assert resumed["state"] == "RUNNING"
    cancelled = await api.ok("PUT", f"/executions/{started['id']}", {"state": "CANCELLED", "state_info": "no longer needed"})
    assert cancelled["state"] == "CANCELLED" and cancelled["state_info"] == "no longer needed"
    assert await api.task_states(started["id"]) == {"wait": "CANCELLED"}
    status, body = await api.call("PUT", f"/executions/{started['id']}", {"state": "PAUSED"})
    assert status == 409 and "from CANCELLED to PAUSED" in body["faultstring"]
    status, body = await api.call("PUT", f"/executions/{started['id']}", {"state": "WAITING"})
    assert status == 400 and "Cannot change state to WAITING" in body["faultstring"]


async def test_description_update_and_delete(api):
    await api.upload(HELLO)
    ex = await api.run("hello", {"name": "x"})
    updated = await api.ok("PUT", f"/executions/{ex['id']}", {"description": "renamed"})
    assert updated["description"] == "renamed"
    assert (await api.call("DELETE", f"/executions/{ex['id']}"))[0] == 204
    assert (await api.call("GET", f"/executions/{ex['id']}"))[0] == 404
    assert (await api.ok("GET", "/tasks"))["tasks"] == []


async def test_deleting_a_running_execution_needs_force(api):
    await api.upload("---\nversion: '2.0'\nwf:\n  tasks:\n    w: {action: std.async_noop}\n")
    started = await api.start("wf")
    status, body = await api.call("DELETE", f"/executions/{started['id']}")
    assert status == 403 and "force" in body["faultstring"]
    assert (await api.call("DELETE", f"/executions/{started['id']}?force=true"))[0] == 204


async def test_list_filters_and_fields_as_the_cli_asks(api):
    await api.upload(HELLO)
    ok = await api.run("hello", {"name": "x"})
    await api.upload("---\nversion: '2.0'\nbad:\n  tasks:\n    t: {action: std.fail}\n")
    bad = await api.run("bad")
    fields = "id,workflow_id,workflow_name,workflow_namespace,description,task_execution_id,root_execution_id,state,state_info,created_at,updated_at"
    body = await api.ok("GET", f"/executions?limit=100&sort_keys=created_at&sort_dirs=desc&fields={fields}")
    assert {e["id"] for e in body["executions"]} == {ok["id"], bad["id"]}
    assert all(set(e) == set(fields.split(",")) for e in body["executions"])
    errors = (await api.ok("GET", "/executions?state=ERROR"))["executions"]
    assert [e["id"] for e in errors] == [bad["id"]]
    assert "output" not in errors[0]
    with_output = (await api.ok("GET", "/executions?state=SUCCESS&include_output=true"))["executions"]
    assert json.loads(with_output[0]["output"]) == {"message": "Hello, x"}
    task_fields = "id,name,workflow_name,workflow_namespace,workflow_execution_id,state,state_info,created_at,started_at,finished_at"
    tasks = await api.ok("GET", f"/executions/{ok['id']}/tasks?limit=100&sort_keys=created_at&sort_dirs=desc&fields={task_fields}")
    assert [t["name"] for t in tasks["tasks"]] == ["done", "greet"]
    assert (await api.call("GET", "/executions/nope/tasks"))[0] == 404
    assert (await api.call("GET", "/tasks/nope"))[0] == 404


async def test_run_an_action_by_itself(api):
    transient = await api.ok("POST", "/action_executions", {"name": "std.echo", "input": '{"output": "yo"}'}, status=201)
    assert transient["id"] is None and json.loads(transient["output"]) == {"result": "yo"}
    saved = await api.ok("POST", "/action_executions",
                         {"name": "std.echo", "input": {"output": 1}, "params": '{"save_result": true, "run_sync": true}'},
                         status=201)
    assert saved["id"] and saved["state"] == "SUCCESS"
    assert json.loads((await api.ok("GET", f"/action_executions/{saved['id']}"))["output"]) == {"result": 1}
    background = await api.ok("POST", "/action_executions", {"name": "std.async_noop"}, status=201)
    assert background["state"] == "RUNNING"
    await api.ok("PUT", f"/action_executions/{background['id']}", {"state": "SUCCESS", "output": {"x": 1}})
    status, body = await api.call("POST", "/action_executions", {"name": "std.echo", "input": {}})
    assert status == 400 and "missing=['output']" in body["faultstring"]
    status, body = await api.call("POST", "/action_executions", {"name": "std.nothing"})
    assert status == 400 and "Failed to find action" in body["faultstring"]
    failed = await api.ok("POST", "/action_executions", {"name": "std.fail"}, status=201)
    assert failed["state"] == "ERROR"
