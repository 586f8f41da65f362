"""What every log shares, whatever commits its entries: listeners of committed entries and read-your-writes."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Callable

from mistral_lite import logs
from mistral_lite.log.entry import Entry
from mistral_lite.store.apply import ApplyResult

log = logs.get(__name__)

Listener = Callable[[int, Entry, ApplyResult], None]


class CommittedLog(ABC):
    """Subclasses queue entries with `enqueue` (recording each future with `_track`) and call `_notify`
    for every entry once it is committed and applied here."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._last: asyncio.Future[ApplyResult] | None = None

    @abstractmethod
    def enqueue(self, entry: Entry) -> asyncio.Future[ApplyResult]:
        """Queue the entry for the log; the future resolves once it is committed and applied here."""

    def add_listener(self, listener: Listener) -> None:
        """Call listener(index, entry, result) for each entry once it is committed, in log order."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    async def submit(self, entry: Entry) -> ApplyResult:
        """Commit and apply one entry; resolves with its ApplyResult."""
        return await self.enqueue(entry)

    async def barrier(self) -> None:
        """Return once every entry this node submitted before the call has settled (read your writes)."""
        last = self._last
        if last is not None and not last.done():
            await asyncio.wait({last})

    def _track(self, future: asyncio.Future[ApplyResult]) -> None:
        self._last = future

    def _notify(self, index: int, entry: Entry, result: ApplyResult) -> None:
        for listener in list(self._listeners):  # a listener may remove itself
            try:
                listener(index, entry, result)
            except Exception:  # a listener's bug must not stall the log
                log.exception("log listener failed", index=index, entry_id=entry.id)
