"""A server-sent events reader over aiohttp's client, for tests of the live streams."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp


@dataclass
class Event:
    name: str
    id: str | None
    data: Any


class EventReader:
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, timeout: float = 20.0) -> Event | None:
        """The next event (comments skipped), or None once the server ends the stream."""
        fields: dict[str, str] = {}
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no event within {timeout}s")
            raw = await asyncio.wait_for(self.response.content.readline(), left)
            if not raw:
                return None
            line = raw.decode().rstrip("\n")
            if not line:
                if "data" in fields:
                    return Event(fields.get("event", "message"), fields.get("id"), json.loads(fields["data"]))
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(": ")
            fields[key] = value

    async def until(self, done, timeout: float = 20.0, limit: int = 500) -> list[Event]:
        """Events up to and including the first for which done(event) is true."""
        seen = []
        for _ in range(limit):
            got = await self.next(timeout)
            assert got is not None, f"the stream ended after {[e.name for e in seen]}"
            seen.append(got)
            if done(got):
                return seen
        raise AssertionError(f"{limit} events and still not done")
