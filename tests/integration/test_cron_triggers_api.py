"""Cron triggers over the API: validation, firing on schedule, counting down, deletion."""

import asyncio
import json
import time

WORKFLOW = """---
version: '2.0'
report:
  input: [region]
  output: {region: <% $.region %>}
  tasks:
    t: {action: std.noop}
"""


async def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_trigger_fires_counts_down_and_goes(api):
    await api.upload(WORKFLOW)
    trigger = await api.ok("POST", "/cron_triggers", {
        "name": "every-second", "workflow_name": "report", "workflow_input": json.dumps({"region": "lab"}),
        "pattern": "* * * * * *", "remaining_executions": 2,
    }, status=201)
    assert trigger["pattern"] == "* * * * * *" and trigger["remaining_executions"] == 2
    assert json.loads(trigger["workflow_input"]) == {"region": "lab"} and trigger["next_execution_time"]
    assert (await api.ok("GET", "/cron_triggers/every-second"))["id"] == trigger["id"]

    async def two_done():
        listed = (await api.ok("GET", "/executions?include_output=true"))["executions"]
        done = [e for e in listed if e["state"] == "SUCCESS"]
        return listed if len(done) == 2 else None

    executions = await wait_for(two_done)
    assert all(json.loads(e["output"]) == {"region": "lab"} for e in executions)
    description = json.loads(executions[0]["description"])
    assert description["triggered_by"] == {"type": "cron_trigger", "id": trigger["id"]}
    # the last firing removed it
    await wait_for(lambda: _gone(api, "every-second"))
    assert (await api.ok("GET", "/cron_triggers"))["cron_triggers"] == []


async def _gone(api, name):
    return (await api.call("GET", f"/cron_triggers/{name}"))[0] == 404


async def test_trigger_validation(api):
    await api.upload(WORKFLOW)
    base = {"name": "t", "workflow_name": "report", "workflow_input": {"region": "x"}}
    cases = [
        ({**base, "pattern": "not a pattern"}, 400, "The specified pattern is not valid"),
        (base, 400, "Pattern or first_execution_time must be specified."),
        ({**base, "pattern": "0 2 * * *", "workflow_input": {}}, 400, "missing=['region']"),
        ({**base, "pattern": "0 2 * * *", "remaining_executions": 0}, 400, "remaining_executions"),
        ({**base, "first_execution_time": "2000-01-01 00:00"}, 400, "at least 1 minute in the future"),
        ({**base, "first_execution_time": "2999-01-01 00:00", "remaining_executions": 3}, 400,
         "only be greater than 1 when a pattern"),
        ({**base, "pattern": "0 2 * * *", "workflow_name": "ghost"}, 404, "Workflow not found"),
    ]
    for body, status, fragment in cases:
        got, answer = await api.call("POST", "/cron_triggers", body)
        assert got == status and fragment in answer["faultstring"], (body, answer)
    nightly = await api.ok("POST", "/cron_triggers", {**base, "pattern": "0 2 * * *"}, status=201)
    assert nightly["next_execution_time"].endswith("02:00:00")
    got, answer = await api.call("POST", "/cron_triggers", {**base, "pattern": "0 3 * * *"})
    assert got == 409 and "Duplicate entry for cron trigger" in answer["faultstring"]
    once = await api.ok("POST", "/cron_triggers", {**base, "name": "once", "first_execution_time": "2999-01-01 10:30"},
                        status=201)
    assert once["remaining_executions"] == 1 and once["next_execution_time"] == "2999-01-01 10:30:00"
    # a workflow with triggers cannot be deleted
    got, answer = await api.call("DELETE", "/workflows/report")
    assert got == 400 and "cron triggers" in answer["faultstring"]
    assert (await api.call("DELETE", "/cron_triggers/t"))[0] == 204
    assert (await api.call("DELETE", f"/cron_triggers/{once['id']}"))[0] == 204
    assert (await api.call("DELETE", "/workflows/report"))[0] == 204
