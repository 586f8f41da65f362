"""Arms the engine's timer rows on the event loop; a fired timer becomes a TimerFired event.

The rows are the truth: this only holds asyncio handles for them, so a
restarted node re-arms whatever rows it loads, and a timer whose row is gone
when it fires does nothing.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Awaitable, Callable

from mistral_lite import logs
from mistral_lite.timestamps import STORED_FORMAT

log = logs.get("mistral_lite.scheduler")


class TimerScheduler:
    def __init__(self, fire: Callable[[str], Awaitable[None]], clock: Callable[[], datetime]) -> None:
        self._fire = fire
        self._clock = clock
        self._handles: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def arm(self, timer_id: str, due_at: str) -> None:
        """Call fire(timer_id) at due_at (UTC, stored format); at once if it is already past."""
        loop = asyncio.get_running_loop()
        due = datetime.strptime(due_at, STORED_FORMAT).replace(tzinfo=timezone.utc)
        delay = max(0.0, (due - self._clock()).total_seconds())
        self.cancel(timer_id)
        self._handles[timer_id] = loop.call_later(delay, self._due, timer_id)

    def _due(self, timer_id: str) -> None:
        self._handles.pop(timer_id, None)
        task = asyncio.get_running_loop().create_task(self._run(timer_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, timer_id: str) -> None:
        try:
            await self._fire(timer_id)
        except Exception:
            log.exception("timer could not be handled", timer_id=timer_id)

    def cancel(self, timer_id: str) -> None:
        handle = self._handles.pop(timer_id, None)
        if handle is not None:
            handle.cancel()

    @property
    def armed(self) -> int:
        return len(self._handles)

    async def stop(self) -> None:
        for handle in self._handles.values():
            handle.cancel()
        self._handles.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
