"""What a node's SQLite file holds, table by table, read without disturbing the running node, so the
replicas of a cluster can be compared."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

DATABASE = "mistral-lite.sqlite"


def digests(data_dir: Path) -> dict[str, str]:
    """Table name -> a hash of all its rows in rowid order (the same log gives the same rows on every node)."""
    conn = sqlite3.connect(f"file:{data_dir / DATABASE}?mode=ro", uri=True)
    try:
        conn.execute("BEGIN")  # one snapshot for every table
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        found = {}
        for table in tables:
            digest = hashlib.sha256()
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                digest.update(repr(row).encode())
            found[table] = digest.hexdigest()
        return found
    finally:
        conn.close()
