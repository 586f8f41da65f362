"""apply: the one writer. Deterministic: same entry on same state → same rows.

Runs inside a transaction opened by the caller (see database.Store). It
never raises for a bad entry: the entry's own changes are rolled back to a
savepoint and a deterministic error row is recorded instead, because in a
cluster an exception would make the replication layer retry for ever.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from mistral_lite.log.entry import Entry
from mistral_lite.store.catalog import INTERNAL_TABLES, Catalog
from mistral_lite.commands import Command

# How many recent entry ids are kept for deduplicating retried submissions.
DEDUP_WINDOW = 100_000


class StorageFault(Exception):
    """This node's storage failed (disk full, I/O error): not the entry's fault, so no error row."""


class ApplyError(Exception):
    """A command that cannot be applied; `kind` is conflict, not_found or invalid."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class ApplyResult:
    """What happened to one entry. `status` is applied, skipped, duplicate, fenced or error."""

    index: int
    status: str
    error_kind: str | None = None
    error: str | None = None
    changed: int = 0
    # Row counts per command, so a caller can tell a conditional update that did nothing.
    counts: tuple[int, ...] = field(default_factory=tuple)



def apply_entry(conn: sqlite3.Connection, catalog: Catalog, index: int, entry: Entry,
                continuing: bool = False) -> ApplyResult:
    """Apply one entry at log position `index` inside the caller's transaction; `continuing`: a later entry
    of the same replicated command, which shares its index."""
    last_applied, epoch = conn.execute("SELECT last_applied, epoch FROM log_state").fetchone()
    if index <= last_applied and not continuing:
        return ApplyResult(index, "skipped")
    if conn.execute("SELECT 1 FROM applied_entries WHERE entry_id = ?", (entry.id,)).fetchone():
        _advance(conn, index, epoch)
        return ApplyResult(index, "duplicate")
    if entry.kind == "engine" and entry.epoch is not None and entry.epoch < epoch:
        _advance(conn, index, epoch)
        return ApplyResult(index, "fenced", "fenced", f"entry from epoch {entry.epoch} after epoch {epoch}")
    if entry.kind == "barrier" and entry.epoch is not None:
        epoch = max(epoch, entry.epoch)

    conn.execute("SAVEPOINT entry")
    try:
        counts = tuple(_apply_command(conn, catalog, c) for c in entry.commands)
    except ApplyError as e:
        conn.execute("ROLLBACK TO entry")
        conn.execute("RELEASE entry")
        _record_error(conn, index, entry, e.kind, e.message)
        _advance(conn, index, epoch)
        return ApplyResult(index, "error", e.kind, e.message)
    except (sqlite3.Error, KeyError, TypeError, ValueError) as e:
        conn.execute("ROLLBACK TO entry")
        conn.execute("RELEASE entry")
        _record_error(conn, index, entry, "invalid", f"{type(e).__name__}: {e}")
        _advance(conn, index, epoch)
        return ApplyResult(index, "error", "invalid", f"{type(e).__name__}: {e}")
    conn.execute("RELEASE entry")
    conn.execute("INSERT INTO applied_entries (entry_id, log_index) VALUES (?, ?)", (entry.id, index))
    if index % 1000 == 0:
        conn.execute("DELETE FROM applied_entries WHERE log_index <= ?", (index - DEDUP_WINDOW,))
    _advance(conn, index, epoch)
    return ApplyResult(index, "applied", changed=sum(counts), counts=counts)


def _advance(conn: sqlite3.Connection, index: int, epoch: int) -> None:
    conn.execute("UPDATE log_state SET last_applied = ?, epoch = ?", (index, epoch))


def _record_error(conn: sqlite3.Connection, index: int, entry: Entry, kind: str, message: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO apply_errors (log_index, entry_id, kind, message) VALUES (?, ?, ?, ?)",
        (index, entry.id, kind, message[:4000]),
    )


def _apply_command(conn: sqlite3.Connection, catalog: Catalog, command: Command) -> int:
    op = command.get("op")
    table_name = command.get("table")
    if table_name in INTERNAL_TABLES:
        raise ApplyError("invalid", f"table {table_name} is written by apply only")
    try:
        table = catalog.table(table_name)
    except KeyError as e:
        raise ApplyError("invalid", str(e.args[0])) from None
    if op == "insert":
        return _insert(conn, catalog, table, command["row"])
    if op == "update":
        return _update(conn, catalog, table, command)
    if op == "delete":
        return _delete(conn, catalog, table, command)
    raise ApplyError("invalid", f"unknown command op {op!r}")


def _insert(conn: sqlite3.Connection, catalog: Catalog, table: Any, row: dict[str, Any]) -> int:
    catalog.check_columns(table, row)
    names = list(row)
    sql = f'INSERT INTO "{table.name}" ({", ".join(names)}) VALUES ({", ".join("?" * len(names))})'
    try:
        conn.execute(sql, [table.encode(n, row[n]) for n in names])
    except sqlite3.IntegrityError as e:
        raise ApplyError("conflict", f"{table.name}: {e}") from None
    return 1


def _where(table: Any, conditions: dict[str, Any]) -> tuple[str, list[Any]]:
    parts, params = [], []
    for column, value in conditions.items():
        if value is None:
            parts.append(f"{column} IS NULL")
        elif isinstance(value, list):
            parts.append(f"{column} IN ({', '.join('?' * len(value))})")
            params.extend(table.encode(column, v) for v in value)
        else:
            parts.append(f"{column} = ?")
            params.append(table.encode(column, value))
    return " AND ".join(parts) or "1", params


def _update(conn: sqlite3.Connection, catalog: Catalog, table: Any, command: Command) -> int:
    values: dict[str, Any] = command["set"]
    when: dict[str, Any] = command.get("when") or {}
    catalog.check_columns(table, list(values) + list(when))
    assignments = ", ".join(f"{n} = ?" for n in values)
    where, params = _where(table, {"id": command["id"], **when})
    try:
        count = conn.execute(
            f'UPDATE "{table.name}" SET {assignments} WHERE {where}',
            [table.encode(n, v) for n, v in values.items()] + params,
        ).rowcount
    except sqlite3.IntegrityError as e:
        raise ApplyError("conflict", f"{table.name}: {e}") from None
    if count == 0 and not when:
        raise ApplyError("not_found", f"{table.name} has no row with id {command['id']}")
    return count


def _delete(conn: sqlite3.Connection, catalog: Catalog, table: Any, command: Command) -> int:
    if "where" in command:
        catalog.check_columns(table, command["where"])
        where, params = _where(table, command["where"])
        return conn.execute(f'DELETE FROM "{table.name}" WHERE {where}', params).rowcount
    count = conn.execute(f'DELETE FROM "{table.name}" WHERE id = ?', (command["id"],)).rowcount
    if count == 0:
        raise ApplyError("not_found", f"{table.name} has no row with id {command['id']}")
    return count
