"""RaftLog: the cluster's log, replicated with pysyncobj, behind the same interface as LocalLog.

Every node, the leader too, applies each committed entry in pysyncobj's
tick thread, through `Store.apply_raft_batch`, which skips entries at or below
the stored last-applied index (pysyncobj replays its journal at every
start), fences decisions of deposed leaders and never raises for a bad
entry. Submissions whose outcome is unknown (leader changed, no answer)
are sent again with the same entry id, which apply deduplicates.
The settings below are the measured ones of research/raft-pysyncobj.md.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pysyncobj import FAIL_REASON, SyncObj, SyncObjConf, replicated

from mistral_lite import logs
from mistral_lite.errors import Unavailable
from mistral_lite.log.base import CommittedLog
from mistral_lite.log.entry import Entry
from mistral_lite.store.apply import ApplyResult, StorageFault
from mistral_lite.store.database import Store

log = logs.get(__name__)

RoleListener = Callable[[str, int], None]

ROLES = {0: "follower", 1: "candidate", 2: "leader"}
# How long one submission may try (retrying unknown outcomes with its id) before the caller gets 503.
SUBMIT_TIMEOUT = 10.0
# An attempt with no answer after this long counts as an unknown outcome and is sent again.
ATTEMPT_TIMEOUT = 3.0
# Bounds of one Raft command carrying several entries (pysyncobj splits messages over 64 KiB).
MAX_BATCH_BYTES = 256 * 1024
MAX_BATCH_ENTRIES = 500
# Pause before sending again after "no leader" or a full queue.
RETRY_PAUSE = 0.05
# Outcomes after which the entry may or may not have been committed: send it again with the same id.
UNKNOWN = {FAIL_REASON.MISSING_LEADER, FAIL_REASON.NOT_LEADER, FAIL_REASON.LEADER_CHANGED,
           FAIL_REASON.DISCARDED, FAIL_REASON.QUEUE_FULL, getattr(FAIL_REASON, "UNKNOWN_OUTCOME", -1)}


def raft_conf(data_dir: Path, secret: str, compaction_min_entries: int = 20000, **callbacks: Any) -> SyncObjConf:
    """pysyncobj's settings; each departure from its defaults is a measured failure mode (research §5)."""
    return SyncObjConf(
        journalFile=str(data_dir / "raft.journal"),
        fullDumpFile=str(data_dir / "raft.snapshot"),  # without it a compacted journal wedges a full restart
        appendEntriesUseBatch=False,  # batching costs ~100 ms per sequential commit
        appendEntriesPeriod=0.05,
        raftMinTimeout=0.3,
        raftMaxTimeout=0.9,
        connectionRetryTime=0.5,  # the default 5 s makes 3-4 s failovers
        connectionTimeout=3.5,
        leaderFallbackTimeout=2.0,  # the default 30 s keeps an isolated leader "leading"
        logCompactionMinEntries=compaction_min_entries,
        logCompactionMinTime=1800,
        logCompactionBatchSize=2 ** 20,
        password=secret,  # the transport is pickle: without a password anyone who reaches the port runs code
        commandsWaitLeader=True,
        commandsQueueSize=100000,
        dynamicMembershipChange=False,
        **callbacks,
    )


def decoded_entries(raw: str) -> list[Entry | None]:
    """The entries of one Raft command (an entry, or an array of them); None where one is malformed."""
    try:
        parsed = json.loads(raw)
    except (TypeError, ValueError, RecursionError):  # TypeError: a foreign writer's command that is not text
        return [None]
    found: list[Entry | None] = []
    for item in parsed if isinstance(parsed, list) else [parsed]:
        try:
            found.append(Entry.from_obj(item))
        except (ValueError, RecursionError):
            found.append(None)
    return found


class _Replica(SyncObj):
    """The replicated object: one method, called with an entry's JSON text on every node."""

    def __init__(self, apply: Callable[[int, str], list[ApplyResult]], self_address: str, peers: list[str],
                 conf: SyncObjConf) -> None:
        self._apply = apply  # set first: pysyncobj may replay its journal as soon as it starts
        super().__init__(self_address, peers, conf)

    @replicated
    def append(self, raw: str) -> list[ApplyResult]:
        return self._apply(self.raftLastApplied + 1, raw)


@dataclass(eq=False)
class _Batch:
    """Entries sent as one Raft command (one JSON array): queued together, applied in one transaction."""

    entries: list[Entry]
    futures: list[asyncio.Future[ApplyResult]]
    raw: str
    deadline: float
    attempt: int = 0
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        return all(f.done() for f in self.futures)

    def resolve(self, results: list[ApplyResult]) -> None:
        for future, result in zip(self.futures, results):
            if not future.done():
                future.set_result(result)

    def fail(self, error: BaseException) -> None:
        for future in self.futures:
            if not future.done():
                future.set_exception(error)


class RaftLog(CommittedLog):
    def __init__(self, store: Store, data_dir: Path, self_address: str, peers: dict[str, str], own_url: str,
                 secret: str, snapshots: Any = None, on_fatal: Callable[[str], None] | None = None,
                 compaction_min_entries: int = 20000) -> None:
        super().__init__()
        self._store = store
        self._loop = asyncio.get_running_loop()
        self._self_address = self_address
        self._peer_urls = dict(peers)
        self._own_url = own_url
        self._on_fatal = on_fatal
        self._role_listeners: list[RoleListener] = []
        self._outbox: list[tuple[Entry, asyncio.Future[ApplyResult]]] = []
        self._pending: set[_Batch] = set()
        # The entries of this node's own commands in flight, by their text, so listeners need no decoding.
        self._sent: dict[str, list[Entry]] = {}
        self._applied = store.last_applied()
        self._raft_seen = 0  # raft index of the last entry applied here, as the loop has seen it
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._closed = False
        self._fatal: str | None = None
        self._role = "follower"
        self._term = 0
        journal = data_dir / "raft.journal"
        if not journal.exists() and store.index_base() == 0:
            # A single node's database seeding a new cluster: Raft numbering starts after its entries.
            store.set_index_base(store.last_applied())
        # The seed's rows are in no Raft entry, so a node that joins empty could never get them from the log:
        # a seeded node without a snapshot makes one as soon as it can, and the leader sends that instead.
        self._snapshot_wanted = snapshots is not None and store.index_base() > 0 and \
            not (data_dir / "raft.snapshot").exists()
        callbacks: dict[str, Any] = {"onStateChanged": self._state_changed}
        if snapshots is not None:
            callbacks.update(serializer=snapshots.serialize, serializeChecker=snapshots.state,
                             deserializer=lambda file_name: self._loaded(snapshots.deserialize(file_name)))
        self._replica = _Replica(self._apply, self_address, sorted(peers), raft_conf(data_dir, secret, compaction_min_entries, **callbacks))

    # -- the tick thread ------------------------------------------------------------
    def _apply(self, raft_index: int, raw: str) -> list[ApplyResult]:
        if self._fatal is not None:
            raise StorageFault(self._fatal)  # keeps pysyncobj from moving past it until the node stops
        try:
            result = self._store.apply_raft_batch(raft_index, raw)
        except StorageFault as e:
            self._fatal = f"{type(e).__name__}: {e}"
            log.critical("this node's storage failed while applying a committed entry; stopping the node",
                         raft_index=raft_index, error=self._fatal)
            self._loop.call_soon_threadsafe(self._stop_loudly)
            raise
        replica = getattr(self, "_replica", None)  # None while pysyncobj replays its journal at start
        if self._snapshot_wanted and replica is not None:
            self._snapshot_wanted = False
            replica.forceLogCompaction()  # only sets a flag: the compaction runs on a later tick
        self._loop.call_soon_threadsafe(self._applied_here, raft_index, raw, result)
        return result

    def _loaded(self, data: tuple) -> tuple:
        """A snapshot was loaded (maybe restored into the database): what is applied moved without entries."""
        state = self._store.log_state()
        self._loop.call_soon_threadsafe(self._restored, state["last_applied"],
                                        state["last_applied"] - state["index_base"])
        return data

    def _state_changed(self, old: int, new: int) -> None:
        self._loop.call_soon_threadsafe(self._role_changed, ROLES.get(new, "follower"), self._replica.raftCurrentTerm)

    # -- back on the event loop ----------------------------------------------------
    def _stop_loudly(self) -> None:
        if self._on_fatal is not None:
            self._on_fatal(self._fatal or "storage failure")

    def _applied_here(self, raft_index: int, raw: str, results: list[ApplyResult]) -> None:
        self._raft_seen = max(self._raft_seen, raft_index)
        if results and results[0].status != "skipped":
            self._applied = max(self._applied, results[0].index)
            sent = self._sent.pop(raw, None) if isinstance(raw, str) else None  # this node's own: no decoding
            for entry, result in zip(sent or decoded_entries(raw), results):
                if entry is not None:
                    self._notify(result.index, entry, result)
        self._wake_waiters()

    def _wake_waiters(self) -> None:
        if self._waiters:
            ready = [w for w in self._waiters if w[0] <= self._raft_seen]
            self._waiters = [w for w in self._waiters if w[0] > self._raft_seen]
            for _, waiter in ready:
                if not waiter.done():
                    waiter.set_result(None)

    def _restored(self, applied: int, raft_applied: int) -> None:
        self._applied = max(self._applied, applied)
        self._raft_seen = max(self._raft_seen, raft_applied)
        self._wake_waiters()

    def _role_changed(self, role: str, term: int) -> None:
        was_leader = self._role == "leader"
        self._role, self._term = role, term
        log.info("raft role changed", role=role, term=term, node=self._self_address)
        if was_leader and role != "leader":
            self._fail_pending("this node stopped leading the cluster before the change was confirmed; "
                               "it may or may not have been recorded")
        for listener in list(self._role_listeners):
            try:
                listener(role, term)
            except Exception:
                log.exception("role listener failed", role=role, term=term)

    # -- the log interface --------------------------------------------------------
    @property
    def role(self) -> str:
        return self._role

    @property
    def term(self) -> int:
        return self._replica.raftCurrentTerm

    @property
    def applied_index(self) -> int:
        return self._applied

    @property
    def raft_applied(self) -> int:
        """Raft index of the last entry applied on this node: equal on every node for the same entry."""
        return self._raft_seen

    def add_role_listener(self, listener: RoleListener) -> None:
        self._role_listeners.append(listener)

    def enqueue(self, entry: Entry) -> asyncio.Future[ApplyResult]:
        """Queue one entry now, in call order; resolves once it is committed and applied on this node.
        Entries queued in the same turn of the event loop travel as one Raft command (group commit)."""
        if self._closed:
            raise RuntimeError("log is closed")
        future: asyncio.Future[ApplyResult] = self._loop.create_future()
        if self._fatal is not None:
            future.set_exception(Unavailable(f"This node stopped recording changes: {self._fatal}"))
            return future
        self._outbox.append((entry, future))
        if len(self._outbox) == 1:
            self._loop.call_soon(self._flush)
        self._track(future)
        return future

    def _flush(self) -> None:
        queued, self._outbox = self._outbox, []
        encoded = [entry.to_json() for entry, _ in queued]  # once per entry: sizing and sending share it
        while queued:
            size, count = 0, 0
            for text in encoded:
                size += len(text)
                count += 1
                if size >= MAX_BATCH_BYTES or count >= MAX_BATCH_ENTRIES:
                    break
            part, queued = queued[:count], queued[count:]
            texts, encoded = encoded[:count], encoded[count:]
            entries = [e for e, _ in part]
            raw = "[" + ",".join(texts) + "]"
            batch = _Batch(entries, [f for _, f in part], raw, self._loop.time() + SUBMIT_TIMEOUT)
            self._pending.add(batch)
            self._sent[raw] = entries
            self._send(batch)

    def _send(self, batch: _Batch) -> None:
        if batch.done:
            self._forget(batch)
            return
        batch.attempt += 1
        attempt = batch.attempt

        def answered(result: Any, error: int) -> None:  # the tick thread
            self._loop.call_soon_threadsafe(self._answered, batch, attempt, result, error)

        if batch.timer is not None:
            batch.timer.cancel()
        batch.timer = self._loop.call_later(ATTEMPT_TIMEOUT, self._answered, batch, attempt, None, None)
        self._replica.append(batch.raw, callback=answered)

    def _forget(self, batch: _Batch) -> None:
        self._pending.discard(batch)
        self._sent.pop(batch.raw, None)
        if batch.timer is not None:
            batch.timer.cancel()

    def _answered(self, batch: _Batch, attempt: int, result: Any, error: int | None) -> None:
        if batch.done:
            self._forget(batch)
            return
        if error == FAIL_REASON.SUCCESS and isinstance(result, list):
            batch.resolve(result)  # any attempt's success is the batch's: apply deduplicated the rest
            self._forget(batch)
            return
        if attempt != batch.attempt:
            return  # a newer attempt is out; its answer decides
        if error is not None and error not in UNKNOWN:
            batch.fail(Unavailable(f"The cluster refused the change (reason {error})"))
        elif self._loop.time() >= batch.deadline:
            batch.fail(Unavailable(
                f"No leader confirmed the change within {SUBMIT_TIMEOUT:g} s; it may or may not have been recorded"))
        else:
            pause = RETRY_PAUSE if error in (FAIL_REASON.MISSING_LEADER, FAIL_REASON.QUEUE_FULL) else 0.0
            batch.timer = self._loop.call_later(pause, self._send, batch)
            return
        self._forget(batch)

    def _fail_pending(self, reason: str) -> None:
        for entry_future in self._outbox:
            if not entry_future[1].done():
                entry_future[1].set_exception(Unavailable(reason))
        self._outbox = []
        for batch in list(self._pending):
            batch.fail(Unavailable(reason))
            self._forget(batch)

    async def wait_applied(self, raft_index: int, timeout: float) -> bool:
        """Wait until this node has applied the entry at `raft_index` (another node's write); False on timeout."""
        if raft_index <= self._raft_seen:
            return True
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._waiters.append((raft_index, waiter))
        try:
            await asyncio.wait_for(waiter, timeout)
            return True
        except asyncio.TimeoutError:
            return False

    def leader_url(self) -> str | None:
        """API base URL of the node this one believes leads, None if it knows of none."""
        leader = self._replica._getLeader()
        if leader is None:
            return None
        address = getattr(leader, "address", str(leader))
        return self._own_url if address == self._self_address else self._peer_urls.get(address)

    def status(self) -> dict[str, Any]:
        replica = self._replica
        leader = replica._getLeader()
        peers = []
        for node in sorted(replica.otherNodes, key=lambda n: n.address):
            peers.append({"address": node.address, "url": self._peer_urls.get(node.address),
                          "reachable": bool(replica.isNodeConnected(node))})
        return {
            "role": self._role,
            "term": replica.raftCurrentTerm,
            "leader": getattr(leader, "address", None) if leader is not None else None,
            "leader_url": self.leader_url(),
            "commit_index": replica.raftCommitIndex,
            "applied_index": self._applied,
            "raft_applied": self._raft_seen,
            "peers": peers,
        }

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._fail_pending("this node is stopping")
        await asyncio.to_thread(self._replica.destroy_synchronous)

