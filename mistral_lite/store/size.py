"""How much disk the node's SQLite database takes: what an operator watches before the disk fills."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any


def _bytes(path: Path) -> int:
    """A file's size, 0 when it does not exist (no WAL between checkpoints on some platforms)."""
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def file_sizes(database: Path) -> dict[str, int]:
    """Sizes from stat calls only, so they answer even when SQLite does not."""
    return {
        "data_bytes": _bytes(database),
        "wal_bytes": _bytes(database.with_name(database.name + "-wal")),
    }


def page_counts(conn: sqlite3.Connection, _catalog: Any) -> dict[str, int]:
    """Free pages are space a purge released that the file still holds (reclaimed by a vacuum)."""
    return {
        "page_size": conn.execute("PRAGMA page_size").fetchone()[0],
        "free_pages": conn.execute("PRAGMA freelist_count").fetchone()[0],
    }
