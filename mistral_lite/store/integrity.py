"""Is the database fit to serve? Checked at start, before migrations touch it;
the cheap, non-intrusive part again by /health while the node runs.

Each refusal is one line that names the file and says what to do.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from mistral_lite.errors import StartRefused

SQLITE_HEADER = b"SQLite format 3\x00"
COMPANIONS = ("-wal", "-shm")


def restore_hint(db: Path) -> str:
    return (
        f"restore a backup: copy it over {db} and move {db.name}-wal and {db.name}-shm aside "
        "(docs/operations.md, 'Integrity check and restoring from a backup')"
    )


def check_file(db: Path) -> None:
    """Refuse a database that is not SQLite or cannot be written, before SQLite opens it.

    Opening a file here is safe only because no connection of this process is
    open yet: closing any descriptor of a file drops the process's SQLite locks on it.
    """
    directory = db.parent
    if not os.access(directory, os.W_OK | os.X_OK):
        raise StartRefused(f"data directory {directory} is not writable (permissions, read-only file system or immutable)")
    if not db.exists():
        return
    if not db.is_file():
        raise StartRefused(f"database {db} is not a regular file")
    for path in (db, *(db.with_name(db.name + suffix) for suffix in COMPANIONS)):
        reason = _write_refusal(path)
        if reason:
            raise StartRefused(f"database file {path} {reason}; make it writable or start with another --data-dir")
    with open(db, "rb") as f:
        header = f.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:
        raise StartRefused(f"{db} is not a SQLite database; {restore_hint(db)}, or move it aside to start empty")


def _write_refusal(path: Path) -> str | None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    # No write bit at all is an operator's "read-only", honoured even when running
    # as root (whom the kernel would let write).
    if not mode & 0o222:
        return f"is read-only (mode {mode & 0o777:o})"
    try:
        os.close(os.open(path, os.O_RDWR))
    except OSError as e:
        hint = " (immutable attribute? see lsattr)" if e.errno == 1 else ""
        return f"cannot be opened for writing: {e.strerror}{hint}"
    return None


CHECKS = {"quick": "quick_check", "full": "integrity_check", "off": None}


def check_integrity(conn: sqlite3.Connection, db: Path, level: str = "quick") -> None:
    """quick_check reads every page and b-tree (about 4 ms per MB once cached);
    integrity_check also matches every index against its table (about 5 times slower)."""
    pragma = CHECKS[level]
    if pragma is None:
        return
    try:
        rows = conn.execute(f"PRAGMA {pragma}(1)").fetchall()
    except sqlite3.DatabaseError as e:
        rows = [(str(e),)]
    if rows != [("ok",)]:
        found = " ".join(str(rows[0][0]).replace("*** in database main ***", "").split())
        raise StartRefused(f"database {db} is corrupt ({pragma}: {found}); {restore_hint(db)}")


def write_problem(db: Path) -> str | None:
    """Why writes would fail now, from file permissions alone: cheap, never touches SQLite's locks."""
    for path in (db.parent, db, *(db.with_name(db.name + suffix) for suffix in COMPANIONS)):
        if path.exists() and not os.access(path, os.W_OK):
            return f"{path} is not writable"
    try:
        space = os.statvfs(db.parent)
    except OSError as e:
        return f"{db.parent}: {e.strerror}"
    if space.f_bavail == 0:
        return f"the file system of {db.parent} is full"
    return None
