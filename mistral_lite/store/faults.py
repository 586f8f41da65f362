"""Storage faults: failures of this node's file or disk, never of the data being written.

An entry that fails for a reason in its own content fails the same way on
every node and is recorded as an error row. A storage fault is local to one
node; recording it would make that node's rows differ from the others', so
it is raised instead and the node stops.
"""

from __future__ import annotations

import sqlite3

# Primary result codes that mean the file or the disk, not the data, is at fault
# (https://sqlite.org/rescode.html): PERM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB.
SQLITE_FULL = 13
STORAGE_FAULTS = {3, 8, 10, 11, SQLITE_FULL, 14, 26}


class StorageFault(Exception):
    """This node cannot write its database (disk full, I/O error, read-only file, out of memory).
    `code` is SQLite's primary result code, 0 when the fault did not come from SQLite."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


def sqlite_code(error: BaseException) -> int:
    """SQLite's primary result code of an error (0 for anything else)."""
    return getattr(error, "sqlite_errorcode", 0) & 0xFF if isinstance(error, sqlite3.Error) else 0


def as_storage_fault(error: BaseException) -> StorageFault | None:
    """The StorageFault an error means, or None when it says nothing about this node's storage."""
    if isinstance(error, StorageFault):
        return error
    code = sqlite_code(error)
    if code in STORAGE_FAULTS or isinstance(error, (MemoryError, OSError)):
        fault = StorageFault(f"{type(error).__name__}: {error}", code)
        fault.__cause__ = error
        return fault
    return None
