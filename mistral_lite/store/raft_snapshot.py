"""Raft snapshots of the SQLite file: taken in the background, restored only on a node that is behind.

pysyncobj compacts its journal by asking for a snapshot of the state at its
last applied entry. The state is the database, so a snapshot is a copy of it
made with SQLite's backup API, holding pysyncobj's own data in one extra
table. `serialize` runs in pysyncobj's tick thread, which also sends
heartbeats, so it only pins a read transaction (the copy then sees exactly
the state as of this moment, whatever is applied afterwards) and copies in a
thread; `state` tells pysyncobj when the copy is in place.

On a normal restart the live database is already at or past the snapshot,
and it is kept; only a node that is behind (new, wiped, or too far behind
for the log) gets the copy restored into it.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import threading
from pathlib import Path
from typing import Any

from pysyncobj.config import SERIALIZER_STATE

from mistral_lite import logs
from mistral_lite.store.database import Store, connect

log = logs.get(__name__)

SNAPSHOT_TABLE = "_raft_snapshot"


class RaftSnapshots:
    """The serializer, serializeChecker and deserializer handed to pysyncobj's SyncObjConf."""

    def __init__(self, store: Store, dump_path: Path | str) -> None:
        self._store = store
        self._dump = Path(dump_path)
        self._guard = threading.Lock()
        self._state = SERIALIZER_STATE.NOT_SERIALIZING
        self._thread: threading.Thread | None = None

    # -- taking one ------------------------------------------------------------------
    def serialize(self, tmp_file: str, data: tuple[Any, ...]) -> None:
        """Start a snapshot of the database as it is now; returns at once.

        `tmp_file` is deliberately not created: pysyncobj's own rename of it then fails harmlessly,
        and the copying thread replaces the dump file itself once the copy is complete."""
        with self._guard:
            if self._state == SERIALIZER_STATE.SERIALIZING:
                return
            self._state = SERIALIZER_STATE.SERIALIZING
        try:
            source, pinned = self._pin(data)
            payload = pickle.dumps(data)
        except Exception:
            log.exception("raft snapshot could not start", dump=str(self._dump))
            self._finish(SERIALIZER_STATE.FAILED)
            return
        self._thread = threading.Thread(target=self._copy, args=(source, payload, pinned),
                                        name="raft-snapshot", daemon=True)
        self._thread.start()

    def _pin(self, data: tuple[Any, ...]) -> tuple[sqlite3.Connection, int]:
        """A read transaction holding the database as of now (WAL keeps that version for it)."""
        source = connect(self._store.path, readonly=True)
        try:
            source.execute("BEGIN")
            pinned, base = source.execute("SELECT last_applied, index_base FROM log_state").fetchone()
            raft_index = _raft_index(data)
            # Applying runs in the thread that calls us, so every entry up to the snapshot's index is in;
            # a state behind it would lose entries on the node it is installed on.
            if raft_index is not None and pinned < base + raft_index:
                raise RuntimeError(f"database at index {pinned} is behind the snapshot's {base + raft_index}")
        except BaseException:
            source.close()
            raise
        return source, pinned

    def _copy(self, source: sqlite3.Connection, payload: bytes, pinned: int) -> None:
        partial = self._dump.with_name(self._dump.name + ".partial")
        try:
            partial.unlink(missing_ok=True)
            copy = sqlite3.connect(str(partial), isolation_level=None)
            try:
                source.backup(copy)
                source.execute("COMMIT")
                # One self-contained file (no -wal beside it): it is shipped to other nodes as is.
                copy.execute("PRAGMA journal_mode = DELETE")
                copy.execute(f"CREATE TABLE {SNAPSHOT_TABLE} (data BLOB NOT NULL)")
                copy.execute(f"INSERT INTO {SNAPSHOT_TABLE} (data) VALUES (?)", (payload,))
            finally:
                copy.close()
            _fsync(partial)
            os.replace(partial, self._dump)
            _fsync(self._dump.parent)
        except Exception:
            log.exception("raft snapshot failed", dump=str(self._dump))
            partial.unlink(missing_ok=True)
            self._finish(SERIALIZER_STATE.FAILED)
            return
        finally:
            source.close()
        log.info("raft snapshot written", dump=str(self._dump), index=pinned)
        self._finish(SERIALIZER_STATE.SUCCESS)

    def _finish(self, state: int) -> None:
        with self._guard:
            self._state = state

    def state(self) -> int:
        """SERIALIZING while copying; SUCCESS or FAILED once per snapshot (as pysyncobj expects), then
        NOT_SERIALIZING."""
        with self._guard:
            state = self._state
            if state in (SERIALIZER_STATE.SUCCESS, SERIALIZER_STATE.FAILED):
                self._state = SERIALIZER_STATE.NOT_SERIALIZING
            return state

    # -- loading one -----------------------------------------------------------------
    def deserialize(self, file_name: str) -> tuple[Any, ...]:
        """pysyncobj's data of a snapshot file; the copy replaces the live database only if that is
        behind it (a normal restart keeps the live database, which is at or past its own snapshot)."""
        snapshot = sqlite3.connect(f"file:{file_name}?mode=ro", uri=True, isolation_level=None)
        try:
            snapshot.execute("BEGIN")
            (payload,) = snapshot.execute(f"SELECT data FROM {SNAPSHOT_TABLE}").fetchone()
            (theirs,) = snapshot.execute("SELECT last_applied FROM log_state").fetchone()
            ours = self._store.log_state()["last_applied"]
            if ours < theirs:
                log.warning("restoring the database from a raft snapshot", snapshot=file_name,
                            applied=ours, snapshot_applied=theirs)
                snapshot.execute("COMMIT")
                self._store.restore(snapshot, drop_tables=(SNAPSHOT_TABLE,))
            else:
                log.info("database is at or past the raft snapshot; kept", applied=ours, snapshot_applied=theirs)
            return pickle.loads(payload)
        finally:
            snapshot.close()


def _raft_index(data: tuple[Any, ...]) -> int | None:
    """The Raft index of the last applied entry in pysyncobj's data: (entry, prev entry, nodes),
    an entry being (command, index, term); None for data of another shape."""
    try:
        index = data[0][1]
    except (TypeError, IndexError, KeyError):
        return None
    return index if isinstance(index, int) and not isinstance(index, bool) else None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
