"""Small HTTP helpers for tests that drive a live server."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp

FINAL = ("SUCCESS", "ERROR", "CANCELLED")


class Api:
    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url

    async def call(self, method: str, path: str, body: Any = None, text: str | None = None) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {}
        if text is not None:
            kwargs = {"data": text.encode(), "headers": {"Content-Type": "text/plain"}}
        elif body is not None:
            kwargs = {"json": body}
        async with self.http.request(method, self.url + path, **kwargs) as r:
            raw = await r.read()
            return r.status, json.loads(raw) if raw else None

    async def ok(self, method: str, path: str, body: Any = None, text: str | None = None, status: int = 200) -> Any:
        got, data = await self.call(method, path, body, text)
        assert got == status, (method, path, got, data)
        return data

    async def upload(self, text: str) -> None:
        await self.ok("POST", "/workflows", text=text, status=201)

    async def start(self, workflow: str, wf_input: dict | None = None, **extra: Any) -> dict[str, Any]:
        body = {"workflow_name": workflow, "input": json.dumps(wf_input or {}), **extra}
        return await self.ok("POST", "/executions", body, status=201)

    async def wait(self, execution_id: str, states: tuple[str, ...] = FINAL, timeout: float = 20.0) -> dict[str, Any]:
        """Poll until the execution reaches one of the states; returns it with input/output decoded."""
        deadline = time.monotonic() + timeout
        while True:
            ex = await self.ok("GET", f"/executions/{execution_id}")
            if ex["state"] in states:
                return decoded(ex)
            if time.monotonic() > deadline:
                raise AssertionError(f"execution {execution_id} still {ex['state']} after {timeout}s")
            await asyncio.sleep(0.02)

    async def run(self, workflow: str, wf_input: dict | None = None, **extra: Any) -> dict[str, Any]:
        started = await self.start(workflow, wf_input, **extra)
        return await self.wait(started["id"])

    async def tasks(self, execution_id: str) -> list[dict[str, Any]]:
        body = await self.ok("GET", f"/executions/{execution_id}/tasks")
        return [decoded(t) for t in body["tasks"]]

    async def task_states(self, execution_id: str) -> dict[str, str]:
        return {t["name"]: t["state"] for t in await self.tasks(execution_id)}


def decoded(item: dict[str, Any]) -> dict[str, Any]:
    """Mistral's JSON-in-string fields, parsed."""
    out = dict(item)
    for key in ("input", "output", "params", "published", "result", "runtime_context", "published_global"):
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    return out
