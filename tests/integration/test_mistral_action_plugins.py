"""A Mistral action plug-in package (entry points in the `mistral.actions` group, classes on mistral_lib) works
after installation alone, here driven by an alarm event: the server runs in its own process with the package on
its path, as `pip install` would put it."""

import os

import aiohttp

from tests.support.api import Api
from tests.support.plugin import make_mistral_plugin
from tests.support.process import ServerProcess

WORKFLOW = """---
version: '2.0'
remediate:
  input: [event]
  output: {restart: <% $.restart %>, echoed: <% $.echoed %>}
  tasks:
    restart:
      action: ops.restart host=<% $.event.payload.host %>
      publish: {restart: <% task().result %>}
      on-success: [escalate]
    escalate:
      action: ops.escalate reason=<% $.event.payload.alarm %>
      on-error: [echo]
    echo:
      action: std.echo output="done"
      publish: {echoed: <% task().result %>}
"""


async def test_mistral_plugin_actions_run_when_an_alarm_fires(tmp_path, monkeypatch):
    site = make_mistral_plugin(tmp_path / "site")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p))
    server = ServerProcess(tmp_path / "data").start()
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(http, server.url)
            listed = {a["name"]: a for a in (await api.ok("GET", "/actions?limit=1000"))["actions"]}
            assert listed["ops.restart"]["input"] == 'host, service="nginx"' and "ops.escalate" in listed
            created = await api.ok("POST", "/workflows", text=WORKFLOW, status=201)
            await api.ok("POST", "/event_triggers", {
                "name": "disk", "workflow_id": created["workflows"][0]["id"], "exchange": "monitoring",
                "topic": "alarms", "event": "disk.full"}, status=201)
            answer = await api.ok("POST", "/events", {"exchange": "monitoring", "topic": "alarms", "event": "disk.full",
                                                      "payload": {"host": "db1", "alarm": "disk full"}}, status=202)
            [started] = answer["executions"]
            ex = await api.wait(started["id"], timeout=30)
            assert ex["state"] == "SUCCESS", ex
            assert ex["output"]["restart"] == {"restarted": "nginx", "on": "db1", "execution": ex["id"]}
            tasks = {t["name"]: t for t in await api.tasks(ex["id"])}
            assert tasks["escalate"]["state"] == "ERROR" and "escalated: disk full" in tasks["escalate"]["state_info"]
            # Mistral's own std.* entry points (its package declares them in the same group) are not loaded
            assert tasks["echo"]["state"] == "SUCCESS" and ex["output"]["echoed"] == "done"
    finally:
        server.stop()
    assert "failed to load" not in server.log()
