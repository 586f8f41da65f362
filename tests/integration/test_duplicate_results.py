"""A result the store refuses because it was already recorded leaves the execution alone: the shell rebuilds
its memory from SQLite and the workflow goes on from the stored state, instead of failing it."""

from __future__ import annotations

import aiohttp
import pytest

from mistral_lite.config import Config
from mistral_lite.engine import states
from mistral_lite.engine.events import ActionFinished
from mistral_lite.engine.rows import ACTIONS
from mistral_lite.engine_runner import AlreadyRecorded
from mistral_lite.server import RunningServer
from tests.support.api import Api
from tests.support.ports import free_port

WORKFLOW = """---
version: '2.0'
waits:
  tasks:
    wait:
      action: std.async_noop
      on-success: [after]
    after:
      action: std.async_noop
      publish: {r: <% task().result %>}
  output: {r: <% $.r %>}
"""


async def test_a_stale_copy_of_a_result_is_refused_and_the_execution_goes_on(tmp_path):
    running = RunningServer(Config(port=free_port(), data_dir=str(tmp_path / "data"), log_level="warning"))
    await running.start()
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(http, f"http://127.0.0.1:{running.config.port}/v2")
            await api.upload(WORKFLOW)
            started = await api.start("waits")
            # The start step has committed when POST answers: the task and its action exist.
            [task] = (await api.ok("GET", f"/executions/{started['id']}/tasks"))["tasks"]
            [action] = (await api.ok("GET", f"/tasks/{task['id']}/action_executions"))["action_executions"]
            await api.ok("PUT", f"/action_executions/{action['id']}", {"state": "SUCCESS", "output": '{"result": 1}'})
            [after] = [t for t in (await api.ok("GET", f"/executions/{started['id']}/tasks"))["tasks"]
                       if t["name"] == "after"]
            # Make the engine's memory stale, as if it had not seen the result, and give it the result again
            # while the execution still runs (waiting for `after`).
            runner = running.engine
            runner.rows.get(ACTIONS, action["id"])["state"] = states.RUNNING
            with pytest.raises(AlreadyRecorded):
                await runner.handle(ActionFinished(action["id"], states.SUCCESS, 2), requested=False)
            assert (await api.ok("GET", f"/executions/{started['id']}"))["state"] == "RUNNING"
            names = [t["name"] for t in (await api.ok("GET", f"/executions/{started['id']}/tasks"))["tasks"]]
            assert names.count("after") == 1  # the duplicate started nothing
            assert runner.rows.get(ACTIONS, action["id"])["state"] == states.SUCCESS  # memory rebuilt from SQLite
            [second] = (await api.ok("GET", f"/tasks/{after['id']}/action_executions"))["action_executions"]
            await api.ok("PUT", f"/action_executions/{second['id']}", {"state": "SUCCESS", "output": '{"result": 2}'})
            done = await api.wait(started["id"])
            assert done["state"] == "SUCCESS"
    finally:
        await running.stop()
