"""The SQLite file: opening it, migrating it, and the single write path."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Sequence

from mistral_lite.errors import StartRefused
from mistral_lite.log.entry import Entry
from mistral_lite.store import integrity
from mistral_lite.store.apply import ApplyResult, StorageFault, apply_entry
from mistral_lite.store.catalog import Catalog, read_catalog
from mistral_lite.store.migrations import migrate

# Primary result codes that mean the file or the disk, not the data, is at fault
# (https://sqlite.org/rescode.html): PERM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB.
SQLITE_FULL = 13
STORAGE_FAULTS = {3, 8, 10, 11, SQLITE_FULL, 14, 26}


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

    def last_applied(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT last_applied FROM log_state").fetchone()[0]

    def apply_raft(self, raft_index: int, raw: str | bytes) -> list[ApplyResult]:
        """Decode and apply one replicated command (temporary: the store part replaces this)."""
        import json
        parsed = json.loads(raw)
        items = parsed if isinstance(parsed, list) else [parsed]
        entries = [Entry.from_json(json.dumps(item)) for item in items]
        try:
            with self._lock:
                conn = self._conn
                conn.execute("BEGIN IMMEDIATE")
                results = [apply_entry(conn, self.catalog, raft_index, e, continuing=i > 0)
                           for i, e in enumerate(entries)]
                conn.execute("COMMIT")
                return results
        except sqlite3.Error as e:
            _rollback(self._conn)
            raise StorageFault(str(e)) from e

    def index_base(self) -> int:
        return 0

    def log_state(self) -> dict:
        with self._lock:
            last_applied, epoch = self._conn.execute("SELECT last_applied, epoch FROM log_state").fetchone()
        return {"last_applied": last_applied, "epoch": epoch}

    def set_index_base(self, base: int) -> None:
        pass

    def apply_batch(self, batch: Sequence[tuple[int, Entry]]) -> list[ApplyResult]:
        """Apply entries (index, entry) in order, all in one transaction."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                results = [apply_entry(conn, self.catalog, index, entry) for index, entry in batch]
                conn.execute("COMMIT")
            except BaseException as e:
                self._note_fault(e)
                _rollback(conn)
                raise
            self.write_error, self._write_fault = None, 0
            return results

    def _note_fault(self, error: BaseException) -> None:
        code = getattr(error, "sqlite_errorcode", 0) & 0xFF
        if isinstance(error, sqlite3.Error) and code in STORAGE_FAULTS:
            self.write_error, self._write_fault = str(error), code

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


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is left of a failed transaction without hiding why it failed."""
    if conn.in_transaction:  # a failed COMMIT may already have rolled back
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass
