"""The SQLite file: opening it, migrating it, and the single write path."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Sequence

from mistral_lite.log.entry import Entry
from mistral_lite.store.apply import ApplyResult, apply_entry
from mistral_lite.store.catalog import Catalog, read_catalog
from mistral_lite.store.migrations import migrate


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
    """Owns the write connection. Only `apply_batch` writes, from one thread at a time."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = connect(self.path)
        self.schema_version = migrate(self._conn)
        self.catalog: Catalog = read_catalog(self._conn)
        self._lock = threading.Lock()

    def last_applied(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT last_applied FROM log_state").fetchone()[0]

    def apply_batch(self, batch: Sequence[tuple[int, Entry]]) -> list[ApplyResult]:
        """Apply entries (index, entry) in order, all in one transaction."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                results = [apply_entry(conn, self.catalog, index, entry) for index, entry in batch]
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return results

    def close(self) -> None:
        with self._lock:
            self._conn.close()
