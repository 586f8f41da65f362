"""A step that cannot be recorded harms only its own request or execution, never the others.

Real server, real SQLite, real concurrent HTTP clients. Two real faults reach the log: a request
field SQLite cannot store, and an action whose error message SQLite cannot store (a lone surrogate).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp

from mistral_lite.config import Config
from mistral_lite.executor import Executor
from mistral_lite.server import RunningServer
from tests.support.api import Api
from tests.support.ports import free_port

WORKFLOWS = """---
version: '2.0'
good:
  input: [n]
  output: {r: <% $.r %>}
  tasks:
    first:
      action: std.echo output=<% $.n %>
      publish: {a: <% task().result %>}
      on-success: [second]
    second:
      action: std.echo output=<% $.a + 1 %>
      publish: {r: <% task().result %>}
poisoned:
  tasks:
    bad:
      action: poison.unstorable
"""


def unstorable() -> None:
    raise RuntimeError("a message SQLite cannot store: \ud800")


async def start_many(api: Api, count: int) -> list[str]:
    """Start `count` good executions with at most 50 requests in flight at once."""
    gate = asyncio.Semaphore(50)

    async def one(i: int) -> str:
        async with gate:
            return (await api.start("good", {"n": i}))["id"]

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def wait_all(api: Api, ids: list[str], timeout: float = 60.0) -> dict[str, dict]:
    gate = asyncio.Semaphore(50)

    async def one(execution_id: str) -> dict:
        async with gate:
            return await api.wait(execution_id, timeout=timeout)

    return dict(zip(ids, await asyncio.gather(*(one(i) for i in ids))))


async def test_malformed_requests_among_good_ones_harm_nobody(tmp_path: Path) -> None:
    config = Config(port=free_port(), data_dir=str(tmp_path / "data"), log_level="warning")
    server = RunningServer(config, executor=Executor(extra_actions={"poison.unstorable": unstorable}))
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(http, f"http://127.0.0.1:{config.port}/v2")
            await api.upload(WORKFLOWS)
            bad_body = {"workflow_name": "good", "input": json.dumps({"n": 1}), "description": [1]}

            async def malformed() -> tuple[int, object]:
                return await api.call("POST", "/executions", bad_body)

            async def poisoned() -> str:
                return (await api.start("poisoned"))["id"]

            results = await asyncio.gather(start_many(api, 500), *(malformed() for _ in range(30)),
                                           *(poisoned() for _ in range(20)))
            good_ids, bad_answers, poisoned_ids = results[0], results[1:31], list(results[31:])
            assert all(status == 400 for status, _ in bad_answers), bad_answers[:3]
            assert all("description" in body["faultstring"] for _, body in bad_answers), bad_answers[:1]

            finished = await wait_all(api, good_ids)
            assert {ex["state"] for ex in finished.values()} == {"SUCCESS"}
            assert all(ex["output"] == {"r": ex["input"]["n"] + 1} for ex in finished.values())

            failed = await wait_all(api, poisoned_ids)
            assert {ex["state"] for ex in failed.values()} == {"ERROR"}
            assert all("could not be recorded" in ex["state_info"] for ex in failed.values()), [ex["state_info"] for ex in failed.values()][:2]

            # Nothing else exists, nothing is left running, and the node still serves.
            listed = await api.ok("GET", "/executions?limit=1000&fields=state")
            assert len(listed["executions"]) == 520
            assert not [e for e in listed["executions"] if e["state"] == "RUNNING"]
            again = await api.run("good", {"n": 41})
            assert again["state"] == "SUCCESS" and again["output"] == {"r": 42}
    finally:
        await server.stop()
