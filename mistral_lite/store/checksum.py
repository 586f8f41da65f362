"""Per-table checksums of a database, so the nodes of a cluster can be compared.

Two databases holding the same rows give the same lines whatever order the
rows were written in and whatever their pages look like: rows are read in
primary-key order and every value is hashed in a typed, canonical encoding.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from mistral_lite.store.database import connect

# pysyncobj's snapshot payload, present only in a copy made for a snapshot: not state.
SNAPSHOT_TABLE = "_raft_snapshot"


class ChecksumError(RuntimeError):
    """The database cannot be read: missing, not SQLite, or damaged."""


@dataclass(frozen=True)
class TableChecksum:
    table: str
    rows: int
    sha256: str

    def line(self) -> str:
        return f"{self.table} {self.rows} {self.sha256}"


def database_checksums(path: Path) -> list[TableChecksum]:
    """Checksums of every table of the file, on a read-only connection; a running node may keep writing."""
    if not path.is_file():
        raise ChecksumError(f"no database at {path}")
    try:
        conn = connect(path, readonly=True)
    except sqlite3.Error as e:
        raise ChecksumError(f"database {path} cannot be opened: {e}") from None
    try:
        # One read transaction: every table is seen at the same commit, even while a node writes.
        conn.execute("BEGIN")
        return [table_checksum(conn, name) for name in _tables(conn)]
    except sqlite3.Error as e:
        raise ChecksumError(f"database {path} cannot be read: {e}") from None
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> list[str]:
    names = (row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    return sorted(name for name in names if not name.startswith("sqlite_") and name != SNAPSHOT_TABLE)


def table_checksum(conn: sqlite3.Connection, table: str) -> TableChecksum:
    columns, key = _columns(conn, table)
    digest = hashlib.sha256()
    # The column names are part of the checksum: the same values under another schema differ.
    digest.update(_canonical(columns))
    count = 0
    for row in _rows(conn, table, columns, key):
        digest.update(_canonical(list(row)))
        count += 1
    return TableChecksum(table, count, digest.hexdigest())


def _columns(conn: sqlite3.Connection, table: str) -> tuple[list[str], list[str]]:
    """Column names sorted, and the primary key's columns in key order (all columns if none)."""
    info = conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    columns = sorted(row[1] for row in info)
    key = [row[1] for row in sorted((row for row in info if row[5]), key=lambda row: row[5])]
    return columns, key or columns


def _rows(conn: sqlite3.Connection, table: str, columns: list[str], key: list[str]) -> Iterator[tuple]:
    select = ", ".join(_quote(c) for c in columns)
    order = ", ".join(_quote(c) for c in key)
    return conn.execute(f"SELECT {select} FROM {_quote(table)} ORDER BY {order}")


def _canonical(values: list[Any]) -> bytes:
    """One line per row; JSON keeps 1, 1.0 and '1' apart, a blob becomes {"blob": hex}."""
    encoded = [{"blob": v.hex()} if isinstance(v, bytes) else v for v in values]
    return json.dumps(encoded, separators=(",", ":")).encode() + b"\n"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
