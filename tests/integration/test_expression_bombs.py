"""Expression bombs as real workflows on a real server process: each fails its task with the
limit named, /health answers meanwhile, and a bomb after a safe-rerun task survives kill -9."""

import asyncio
import time

import aiohttp
import yaml

from tests.support.api import Api
from tests.support.bombs import BOMBS
from tests.support.process import ServerProcess

# A bomb the node fails to stop must fail the test, not exhaust the machine or hang it.
MEMORY_CAP_MB = 4096
CLIENT_TIMEOUT = aiohttp.ClientTimeout(total=30)


def bomb_workflows() -> str:
    """One workflow per bomb: a task whose input holds the bomb (its data comes as workflow input)."""
    document: dict = {"version": "2.0"}
    for number, bomb in enumerate(BOMBS):
        workflow: dict = {"tasks": {"boom": {"action": "std.echo", "input": {"output": bomb.expression}}}}
        if bomb.data:
            workflow["input"] = sorted(bomb.data)
        document[f"bomb{number}"] = workflow
    return yaml.safe_dump(document, sort_keys=False)


class HealthPoller:
    """Polls /health every 20 ms until stopped; a call that takes more than 5 s fails the test."""

    def __init__(self, http: aiohttp.ClientSession, port: int) -> None:
        self.http, self.url = http, f"http://127.0.0.1:{port}/health"
        self.latencies: list[float] = []
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._poll())

    async def _poll(self) -> None:
        timeout = aiohttp.ClientTimeout(total=5)
        while not self._stop.is_set():
            start = time.monotonic()
            async with self.http.get(self.url, timeout=timeout) as response:
                assert response.status == 200, await response.text()
            self.latencies.append(time.monotonic() - start)
            try:
                await asyncio.wait_for(self._stop.wait(), 0.02)
            except asyncio.TimeoutError:
                pass

    async def stop(self) -> list[float]:
        """The latencies; raises what failed the polling (a /health call that did not answer)."""
        self._stop.set()
        await self._task
        return self.latencies

    async def __aenter__(self) -> "HealthPoller":
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._stop.set()
        if exc_info[0] is not None:  # the test failed already; report that, not the poller
            self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=exc_info[0] is not None)


async def task_of(api: Api, execution_id: str, name: str) -> dict:
    return next(t for t in await api.tasks(execution_id) if t["name"] == name)


async def test_every_bomb_fails_its_task_and_health_keeps_answering(tmp_path):
    # A small budget keeps the suite quick; the kill -9 test below runs with the default one.
    server = ServerProcess(tmp_path / "data", memory_cap_mb=MEMORY_CAP_MB,
                           extra_args=("--expression-timeout", "0.2")).start()
    try:
        async with aiohttp.ClientSession(timeout=CLIENT_TIMEOUT) as http:
            api = Api(http, server.url)
            await api.upload(bomb_workflows())
            async with HealthPoller(http, server.port) as poller:
                started = [(bomb, (await api.start(f"bomb{n}", bomb.data))["id"]) for n, bomb in enumerate(BOMBS)]
                for bomb, execution_id in started:
                    ex = await api.wait(execution_id, timeout=60)
                    assert ex["state"] == "ERROR", (bomb.name, ex)
                    task = await task_of(api, execution_id, "boom")
                    assert task["state"] == "ERROR", (bomb.name, task)
                    assert bomb.stopped_by_its_limit(task["state_info"]), (bomb.name, task["state_info"])
                    assert f"Can not evaluate {bomb.language} expression" in task["state_info"]
                latencies = await poller.stop()
        assert latencies, "no /health answer at all while the bombs ran"
        print(f"\n/health while {len(BOMBS)} bombs ran: {len(latencies)} answers, "
              f"slowest {max(latencies) * 1000:.0f} ms")
    finally:
        server.stop()


POISONED = """---
version: '2.0'
poisoned:
  tasks:
    nap:
      action: std.sleep seconds=2
      safe-rerun: true
      on-success: [boom]
    boom:
      action: std.echo
      input:
        output: "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
"""


async def test_a_bomb_after_a_safe_rerun_task_survives_kill_9(tmp_path):
    """Killed while the safe-rerun task runs: at the restart it runs again, the bomb is cut at its
    limit, the execution ends ERROR, and the node listens (before, it hung on the bomb at every start)."""
    data = tmp_path / "data"
    server = ServerProcess(data, memory_cap_mb=MEMORY_CAP_MB).start()
    async with aiohttp.ClientSession(timeout=CLIENT_TIMEOUT) as http:
        api = Api(http, server.url)
        await api.upload(POISONED)
        execution_id = (await api.start("poisoned"))["id"]
        deadline = time.monotonic() + 15
        while (await api.task_states(execution_id)).get("nap") != "RUNNING":
            assert time.monotonic() < deadline, "the first task never started"
            await asyncio.sleep(0.02)
    server.kill()

    again = ServerProcess(data, port=server.port, memory_cap_mb=MEMORY_CAP_MB).start()
    try:
        async with aiohttp.ClientSession(timeout=CLIENT_TIMEOUT) as http:
            api = Api(http, again.url)
            async with HealthPoller(http, again.port) as poller:
                ex = await api.wait(execution_id, timeout=60)
                assert ex["state"] == "ERROR", ex
                states = await api.task_states(execution_id)
                assert states == {"nap": "SUCCESS", "boom": "ERROR"}, states
                boom = await task_of(api, execution_id, "boom")
                assert "exceeded the time limit" in boom["state_info"], boom
                assert "option expression-timeout" in boom["state_info"]
                assert await poller.stop(), "no /health answer after the restart"
    finally:
        again.stop()

    # Recorded as the task's ERROR: a further restart does not evaluate the bomb again.
    third = ServerProcess(data, port=server.port, memory_cap_mb=MEMORY_CAP_MB).start()
    try:
        async with aiohttp.ClientSession(timeout=CLIENT_TIMEOUT) as http:
            api = Api(http, third.url)
            assert (await api.ok("GET", f"/executions/{execution_id}"))["state"] == "ERROR"
            assert await api.task_states(execution_id) == {"nap": "SUCCESS", "boom": "ERROR"}
    finally:
        third.stop()
