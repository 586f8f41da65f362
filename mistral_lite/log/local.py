"""LocalLog: the single-node log. Applies at once, with group commit.

Entries submitted while a write transaction is in flight wait and go
together into the next one, so many concurrent submitters cost one SQLite
transaction per batch. The index bookkeeping is the same as in a cluster,
so a single node's database can later seed one.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mistral_lite import logs
from mistral_lite.log.base import CommittedLog
from mistral_lite.log.entry import Entry
from mistral_lite.store.apply import ApplyResult
from mistral_lite.store.database import Store

log = logs.get(__name__)


class LocalLog(CommittedLog):
    role = "leader"

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-write")
        self._pending: list[tuple[Entry, asyncio.Future[ApplyResult]]] = []
        self._flusher: asyncio.Task[None] | None = None
        state = store.log_state()
        self._applied = state["last_applied"]
        # Kept here rather than read per call: status() (and so /health) must not wait for the write lock.
        self._epoch = state["epoch"]
        self._closed = False

    @property
    def applied_index(self) -> int:
        return self._applied

    @property
    def raft_applied(self) -> int:
        return self._applied

    def status(self) -> dict[str, Any]:
        """The same fields as a cluster node's, for a node that is its own leader."""
        return {"role": self.role, "term": self._epoch, "leader": None, "leader_url": None,
                "commit_index": self._applied, "applied_index": self._applied, "raft_applied": self._applied,
                "peers": []}

    def enqueue(self, entry: Entry) -> asyncio.Future[ApplyResult]:
        """Queue one entry now, in call order; the future resolves once it is committed and applied."""
        if self._closed:
            raise RuntimeError("log is closed")
        future: asyncio.Future[ApplyResult] = asyncio.get_running_loop().create_future()
        self._pending.append((entry, future))
        self._track(future)
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        return future

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await self._commit(loop, batch)
                except Exception as e:  # the transaction rolled back: nothing of the batch exists
                    if len(batch) == 1:
                        _fail(batch[0][1], e)
                        continue
                    # One bad entry must not cost the others: each goes again in a transaction of its own.
                    log.warning("group commit failed; committing its entries one by one", entries=len(batch),
                                error=f"{type(e).__name__}: {e}")
                    for one in batch:
                        try:
                            await self._commit(loop, [one])
                        except Exception as alone:
                            _fail(one[1], alone)
        finally:
            self._flusher = None

    async def _commit(self, loop: asyncio.AbstractEventLoop,
                      batch: list[tuple[Entry, asyncio.Future[ApplyResult]]]) -> None:
        """Apply the batch in one transaction; on success number, announce and resolve each entry."""
        indexed = [(self._applied + 1 + i, entry) for i, (entry, _) in enumerate(batch)]
        results = await loop.run_in_executor(self._writer, self._store.apply_batch, indexed)
        self._applied += len(batch)
        for (index, entry), result, (_, future) in zip(indexed, results, batch):
            if entry.kind == "barrier" and result.status == "applied" and type(entry.epoch) is int:
                self._epoch = max(self._epoch, entry.epoch)
            self._notify(index, entry, result)
            if not future.done():
                future.set_result(result)

    async def close(self) -> None:
        self._closed = True
        if self._flusher is not None:
            await self._flusher
        self._writer.shutdown(wait=True)


def _fail(future: asyncio.Future[ApplyResult], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
