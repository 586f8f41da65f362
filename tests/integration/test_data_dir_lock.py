"""One process per data directory. Before: a second server on a directory in use started,
ran crash recovery on the live node's database and failed its running actions."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp

from tests.support.api import Api
from tests.support.process import ServerProcess
from tests.support.storage_faults import serve_expecting_refusal

NAP = """---
version: '2.0'
nap:
  tasks:
    sleep:
      action: std.sleep seconds=2
"""


async def wait_running(api: Api, execution_id: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks = await api.tasks(execution_id)
        if tasks and tasks[0]["state"] == "RUNNING":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the task of {execution_id} did not start within {timeout}s")


async def test_a_second_server_is_refused_and_the_first_keeps_its_executions(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = ServerProcess(data).start()
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(http, first.url)
            await api.upload(NAP)
            execution = await api.start("nap")
            await wait_running(api, execution["id"])

            code, lines = await asyncio.to_thread(serve_expecting_refusal, data)

            assert code == 1 and len(lines) == 1, lines
            message = json.loads(lines[0])["error"]
            assert message == (f"data directory {data} is in use by process {first.proc.pid} "
                               f"(lock {data / 'mistral-lite.lock'}); stop that process or start with another --data-dir")
            # The running action was not declared lost by someone else's crash recovery.
            done = await api.wait(execution["id"], timeout=30)
            assert done["state"] == "SUCCESS", done
            assert [t["state"] for t in await api.tasks(execution["id"])] == ["SUCCESS"]
            assert (await api.run("nap"))["state"] == "SUCCESS"
    finally:
        first.stop()


def test_kill_9_leaves_no_stale_lock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = ServerProcess(data).start()
    first.kill()
    second = ServerProcess(data).start()
    try:
        assert second.health()["database"] == "ok"
        assert (data / "mistral-lite.lock").read_text().strip() == str(second.proc.pid)
    finally:
        assert second.stop() == 0
