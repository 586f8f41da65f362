"""The SQLite file: opening it, migrating it, and the single write path."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

from mistral_lite.errors import StartRefused
from mistral_lite.log.entry import Entry
from mistral_lite.store import integrity
from mistral_lite.store.apply import ApplyResult, apply_entry, apply_raw, apply_raw_batch
from mistral_lite.store.catalog import Catalog, read_catalog
from mistral_lite.store.faults import SQLITE_FULL, STORAGE_FAULTS, StorageFault, as_storage_fault, sqlite_code
from mistral_lite.store.migrations import migrate

T = TypeVar("T")

__all__ = ["SQLITE_FULL", "STORAGE_FAULTS", "Store", "StorageFault", "connect"]


def connect(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection with the pragmas every connection of ours uses."""
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None)
    else:
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        # WAL + NORMAL survives a process crash (kill -9); only an OS crash
        # or power loss can lose the last transactions.
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


class Store:
    """Owns the write connection. Only `apply_batch` writes, from one thread at a time.

    Opening refuses (StartRefused) a file that is not SQLite, cannot be written
    or fails the integrity check, before any migration writes to it.
    """

    def __init__(self, path: Path | str, integrity_check: str = "quick") -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        integrity.check_file(self.path)
        try:
            if self.path.exists():  # checked on a read-only connection: nothing writes before it passes
                checking = connect(self.path, readonly=True)
                try:
                    integrity.check_integrity(checking, self.path, integrity_check)
                finally:
                    checking.close()
            self._conn = connect(self.path)
        except sqlite3.Error as e:
            raise StartRefused(f"database {self.path} cannot be opened: {e}") from None
        try:
            self.schema_version = migrate(self._conn)
            self.catalog: Catalog = read_catalog(self._conn)
        except BaseException:
            self._conn.close()
            raise
        self._lock = threading.Lock()
        # The last storage fault of a write, until a write succeeds again (read by /health).
        self.write_error: str | None = None
        self._write_fault = 0
        self._restore_failed: str | None = None

    def last_applied(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT last_applied FROM log_state").fetchone()[0]

    def log_state(self) -> dict[str, Any]:
        """Where the log stands: last_applied, epoch, chain (the fence) and index_base."""
        with self._lock:
            row = self._conn.execute("SELECT last_applied, epoch, chain, index_base FROM log_state").fetchone()
        return dict(zip(("last_applied", "epoch", "chain", "index_base"), row))

    def index_base(self) -> int:
        """What is added to a Raft index to get the stored index (entries this database held before Raft)."""
        with self._lock:
            return _index_base(self._conn)

    def set_index_base(self, base: int) -> None:
        """Set once, when Raft first starts on this database (base = last_applied then)."""
        if not isinstance(base, int) or isinstance(base, bool) or base < 0:
            raise ValueError(f"index base must be a non-negative integer, not {base!r}")
        with self._lock:
            self._write(lambda conn: conn.execute("UPDATE log_state SET index_base = ?", (base,)))

    def apply_raft(self, raft_index: int, raw: str | bytes) -> ApplyResult:
        """Decode and apply one replicated entry at stored index index_base + raft_index, in one
        transaction. Raises nothing but StorageFault: whatever the bytes, every node records the
        same outcome, and a failure of this node's storage stops this node rather than diverge it."""
        return self._replicated(raft_index, raw, apply_raw)

    def apply_raft_batch(self, raft_index: int, raw: str | bytes) -> list[ApplyResult]:
        """apply_raft for a replicated command holding a JSON array of entries (group commit): all of
        them at the same stored index, in one transaction, one result each; [skipped] on a replay."""
        return self._replicated(raft_index, raw, apply_raw_batch)

    def _replicated(self, raft_index: int, raw: str | bytes, apply: Callable[..., T]) -> T:
        with self._lock:
            if self._restore_failed is not None:
                raise StorageFault(self._restore_failed)
            try:
                return self._write(lambda conn: apply(conn, self.catalog, _index_base(conn) + raft_index, raw))
            except StorageFault:
                raise
            except Exception as e:
                # Everything an entry can cause is recorded inside the transaction; what escapes it
                # (BEGIN or COMMIT failing, a lock held too long) is this node's trouble.
                raise as_storage_fault(e) or StorageFault(f"{type(e).__name__}: {e}", sqlite_code(e)) from e

    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run work in one write transaction (the caller holds the lock); roll back if it raises."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException as e:
            self._note_fault(e)
            _rollback(conn)
            raise
        self.write_error, self._write_fault = None, 0
        return result

    def restore(self, source: sqlite3.Connection, drop_tables: Sequence[str] = ()) -> None:
        """Replace the whole database by a copy (a Raft snapshot), in place: open read connections
        see the new content. Tables only the copy should hold are dropped; an older copy is migrated."""
        with self._lock:
            try:
                source.backup(self._conn)
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._write(lambda conn: [conn.execute(f'DROP TABLE IF EXISTS "{t}"') for t in drop_tables])
                self.schema_version = migrate(self._conn)
                self.catalog = read_catalog(self._conn)
            except Exception as e:
                fault = as_storage_fault(e) or StorageFault(f"{type(e).__name__}: {e}", sqlite_code(e))
                # pysyncobj swallows a failed load and goes on applying its log on top of whatever is
                # here; refusing every later entry makes the Raft layer stop this node instead.
                self._restore_failed = f"restoring a snapshot failed: {fault}"
                raise fault from e

    def apply_batch(self, batch: Sequence[tuple[int, Entry]]) -> list[ApplyResult]:
        """Apply entries (index, entry) in order, all in one transaction."""
        with self._lock:
            return self._write(lambda conn: [apply_entry(conn, self.catalog, i, entry) for i, entry in batch])

    def _note_fault(self, error: BaseException) -> None:
        fault = as_storage_fault(error)
        if fault is not None and fault.code in STORAGE_FAULTS:
            self.write_error, self._write_fault = str(fault.__cause__ or fault), fault.code

    def probe_write(self) -> None:
        """After a storage fault: commit an empty change to see whether writes work again.
        Skipped while a real write holds the lock (its outcome updates `write_error` anyway),
        and after "disk full": a one-page write fits in the WAL's space when a real one does not."""
        if self._write_fault == SQLITE_FULL or not self._lock.acquire(blocking=False):
            return
        try:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                # A real page write that changes nothing: SQLite skips an update to the same value.
                conn.execute("UPDATE log_state SET epoch = epoch + 1")
                conn.execute("UPDATE log_state SET epoch = epoch - 1")
                conn.execute("COMMIT")
            except sqlite3.Error as e:
                self._note_fault(e)
                _rollback(conn)
                return
            self.write_error, self._write_fault = None, 0
        finally:
            self._lock.release()

    def write_problem(self) -> str | None:
        """Why writes fail or would fail now; None when the write path looks healthy."""
        return self.write_error or integrity.write_problem(self.path)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _index_base(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT index_base FROM log_state").fetchone()[0]


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is left of a failed transaction without hiding why it failed."""
    if conn.in_transaction:  # a failed COMMIT may already have rolled back
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass
