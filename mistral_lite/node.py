"""A node: the store, the log and the reader wired together, plus the clock and ids.

Everything non-deterministic (ids, time) is chosen here, in the shell, and
travels inside commands; nothing below the log chooses either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from mistral_lite import logs
from mistral_lite.config import Config
from mistral_lite.ids import new_id
from mistral_lite.errors import Conflict, InvalidInput, NotFound
from mistral_lite.log.entry import Entry
from mistral_lite.log.local import LocalLog
from mistral_lite.store.apply import ApplyResult
from mistral_lite.commands import Command
from mistral_lite.store.database import Store
from mistral_lite.store.dir_lock import DataDirLock
from mistral_lite.store.reader import Reader
from mistral_lite.timestamps import to_stored, utcnow

if TYPE_CHECKING:
    from mistral_lite.log.raft import RaftLog

log = logs.get("mistral_lite.state")



@dataclass
class Node:
    config: Config
    store: Store
    reader: Reader
    log: "LocalLog | RaftLog"
    clock: Callable[[], datetime] = utcnow
    id_factory: Callable[[], str] = new_id
    dir_lock: DataDirLock | None = None

    @classmethod
    def open(cls, config: Config, on_fatal: Callable[[str], None] | None = None) -> "Node":
        """Lock the data directory, then open the database: a second process on the
        same directory is refused before it reads or writes anything. In a cluster
        (raft_address set) the log is Raft's; `on_fatal` hears of a storage failure
        that must stop the node."""
        dir_lock = DataDirLock.acquire(config.database_path.parent)
        try:
            store = Store(config.database_path, config.integrity_check)
        except BaseException:
            dir_lock.release()
            raise
        try:
            entry_log = _raft_log(config, store, on_fatal) if config.clustered else LocalLog(store)
        except BaseException:
            store.close()
            dir_lock.release()
            raise
        reader = Reader(config.database_path, store.catalog)
        node = cls(config, store, reader, entry_log, dir_lock=dir_lock)
        if config.log_level.lower() in ("debug", "info"):
            node.log.add_listener(_log_state_changes)
        return node

    @property
    def role(self) -> str:
        return self.log.role

    def now(self) -> str:
        return to_stored(self.clock())

    def new_id(self) -> str:
        return self.id_factory()

    async def read(self, fn, *args):
        """Run a query after every change already submitted has committed, so a client
        reads what it (or the engine, a moment ago) has just written."""
        await self.log.barrier()
        return await self.reader.run(fn, *args)

    async def submit(self, commands: list[Command], kind: str = "request") -> ApplyResult:
        """Commit one entry; a failed apply becomes the matching domain error."""
        result = await self.log.submit(Entry(id=self.new_id(), kind=kind, commands=tuple(commands)))
        if result.status == "error":
            raise {"conflict": Conflict, "not_found": NotFound}.get(result.error_kind or "", InvalidInput)(
                result.error or "the change could not be applied"
            )
        return result

    async def close(self) -> None:
        await self.log.close()
        self.reader.close()
        self.store.close()
        if self.dir_lock is not None:
            self.dir_lock.release()


def _raft_log(config: Config, store: Store, on_fatal: Callable[[str], None] | None) -> "RaftLog":
    from mistral_lite.log.raft import RaftLog  # pysyncobj is loaded only by cluster nodes
    from mistral_lite.store.raft_snapshot import RaftSnapshots

    data_dir = config.database_path.parent
    return RaftLog(store, data_dir, config.raft_address, config.peer_map(), f"http://{config.host}:{config.port}",
                   config.secret(), snapshots=RaftSnapshots(store, data_dir / "raft.snapshot"), on_fatal=on_fatal,
                   compaction_min_entries=config.raft_compaction_min_entries)


def _log_state_changes(index: int, entry: Entry, result: ApplyResult) -> None:
    """One log line per state change, with the ids a reader needs to follow it."""
    if result.status != "applied":
        log.warning("entry not applied", index=index, entry_id=entry.id, status=result.status, error=result.error)
        return
    for command in entry.commands:
        row = command.get("row") or command.get("set") or {}
        fields = {k: row[k] for k in ("state", "name", "workflow_execution_id") if k in row}
        log.info(
            "state change",
            index=index,
            op=command.get("op"),
            table=command.get("table"),
            id=command.get("id") or row.get("id"),
            **fields,
        )
