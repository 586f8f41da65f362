"""kill -9 a real server while executions are mid-way; after a restart every one finishes."""

import json
import signal
import time
import urllib.request

from tests.support.process import ServerProcess

WORKFLOWS = """---
version: '2.0'
resumable:
  input: [n]
  output: {r: <% $.r %>}
  tasks:
    first:
      action: std.echo output=<% $.n %>
      publish: {a: <% task().result %>}
      on-success: [nap]
    nap:
      action: std.sleep seconds=2
      safe-rerun: true
      on-success: [last]
    last:
      action: std.echo output=<% $.a * 10 %>
      publish: {r: <% task().result %>}
fragile:
  tasks:
    nap:
      action: std.sleep seconds=2
      on-error: [report]
    report:
      action: std.echo output="<% task(nap).state_info %>"
      publish: {why: <% task().result %>}
"""


def call(method: str, url: str, body=None, text: str | None = None):
    data, headers = None, {}
    if text is not None:
        data, headers = text.encode(), {"Content-Type": "text/plain"}
    elif body is not None:
        data, headers = json.dumps(body).encode(), {"Content-Type": "application/json"}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_kill_9_mid_way_then_every_execution_finishes(tmp_path):
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    call("POST", server.url + "/workflows", text=WORKFLOWS)
    ids = [call("POST", server.url + "/executions", {"workflow_name": "resumable", "input": {"n": n}})["id"]
           for n in range(20)]
    fragile = call("POST", server.url + "/executions", {"workflow_name": "fragile"})["id"]

    def all_napping():
        tasks = call("GET", server.url + "/tasks?name=nap&state=RUNNING&limit=1000")["tasks"]
        return len(tasks) == 21

    wait_until(all_napping, 15, "every execution to reach its sleeping task")
    assert server.kill() == -signal.SIGKILL

    again = ServerProcess(data, port=server.port).start()
    try:
        def finished():
            listed = call("GET", again.url + "/executions?limit=1000&include_output=true")["executions"]
            done = [e for e in listed if e["state"] in ("SUCCESS", "ERROR", "CANCELLED")]
            return listed if len(done) == len(listed) == 21 else None

        listed = {e["id"]: e for e in wait_until(finished, 30, "every execution to finish after the restart")}
        for n, execution_id in enumerate(ids):
            ex = listed[execution_id]
            assert ex["state"] == "SUCCESS", ex
            assert json.loads(ex["output"]) == {"r": n * 10}  # the same output as an uninterrupted run
        # Without safe-rerun the interrupted action fails with a reason, and on-error still runs.
        ex = listed[fragile]
        assert ex["state"] == "SUCCESS", ex
        assert "was running when the node running it stopped or died" in json.loads(ex["output"])["why"]
        stuck = call("GET", again.url + "/tasks?state=RUNNING")["tasks"]
        assert stuck == []
    finally:
        again.stop()


def test_a_retry_timer_survives_a_restart(tmp_path):
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    call("POST", server.url + "/workflows", text="""---
version: '2.0'
retrying:
  tasks:
    flaky:
      action: std.fail
      retry: {count: 1, delay: 2}
""")
    execution_id = call("POST", server.url + "/executions", {"workflow_name": "retrying"})["id"]

    def delayed():
        tasks = call("GET", server.url + f"/executions/{execution_id}/tasks")["tasks"]
        return tasks and tasks[0]["state"] == "DELAYED" and tasks[0]

    task = wait_until(delayed, 10, "the retry to be scheduled")
    assert task["state_info"] == "Delayed by 'retry' policy [delay=2]"
    assert server.kill() == -signal.SIGKILL

    again = ServerProcess(data, port=server.port).start()
    try:
        def finished():
            ex = call("GET", again.url + f"/executions/{execution_id}")
            return ex["state"] in ("SUCCESS", "ERROR") and ex

        ex = wait_until(finished, 20, "the retried execution to finish after the restart")
        assert ex["state"] == "ERROR"
        actions = call("GET", again.url + f"/tasks/{task['id']}/action_executions")["action_executions"]
        assert len(actions) == 2  # the retry ran, after the restart
        runtime = json.loads(call("GET", again.url + f"/tasks/{task['id']}")["runtime_context"])
        assert runtime["retry_task_policy"] == {"retry_no": 1}
    finally:
        again.stop()


def settled(server: ServerProcess, path: str) -> dict:
    """The row at `path` once the restarted server has settled it (it is no longer RUNNING)."""
    def done():
        row = call("GET", server.url + path)
        return row["state"] != "RUNNING" and row

    return wait_until(done, 20, f"{path} to be settled after the restart")


def test_a_standalone_action_left_running_by_a_dead_node_ends_error_after_the_restart(tmp_path):
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    saved = call("POST", server.url + "/action_executions",
                 {"name": "std.sleep", "input": {"seconds": 60}, "params": {"save_result": True}})
    waiting = call("POST", server.url + "/action_executions",
                   {"name": "std.async_noop", "input": {}, "params": {"save_result": True}})
    assert saved["state"] == "RUNNING" and waiting["state"] == "RUNNING"
    assert server.kill() == -signal.SIGKILL

    again = ServerProcess(data, port=server.port).start()
    try:
        row = settled(again, f"/action_executions/{saved['id']}")
        assert row["state"] == "ERROR"
        assert "node running it stopped or died" in row["state_info"]
        # An asynchronous one was never running here: it keeps waiting for its result over the API.
        assert call("GET", again.url + f"/action_executions/{waiting['id']}")["state"] == "RUNNING"
        done = call("PUT", again.url + f"/action_executions/{waiting['id']}",
                    {"state": "SUCCESS", "output": json.dumps({"result": "late"})})
        assert done["state"] == "SUCCESS"
    finally:
        again.stop()


def test_a_task_still_at_work_after_its_execution_ended_is_settled_after_a_restart(tmp_path):
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    call("POST", server.url + "/workflows", text="""---
version: '2.0'
ends_early:
  tasks:
    first:
      action: std.noop
      on-success: [slow, succeed]
    slow:
      action: std.sleep seconds=60
""")
    execution_id = call("POST", server.url + "/executions", {"workflow_name": "ends_early"})["id"]

    def slow_running():
        ex = call("GET", server.url + f"/executions/{execution_id}")
        tasks = {t["name"]: t for t in call("GET", server.url + f"/executions/{execution_id}/tasks")["tasks"]}
        return ex["state"] == "SUCCESS" and tasks.get("slow", {}).get("state") == "RUNNING" and tasks["slow"]

    slow = wait_until(slow_running, 10, "the execution to succeed while `slow` still runs")
    assert server.kill() == -signal.SIGKILL

    again = ServerProcess(data, port=server.port).start()
    try:
        task = settled(again, f"/tasks/{slow['id']}")
        assert task["state"] == "ERROR"
        assert "node running it stopped or died" in task["state_info"]
        assert call("GET", again.url + f"/executions/{execution_id}")["state"] == "SUCCESS"
    finally:
        again.stop()
