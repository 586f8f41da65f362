"""apply: the one writer. Deterministic: same entry on same state → same rows.

Runs inside a transaction opened by the caller (see database.Store). It
never raises for a bad entry: the entry's own changes are rolled back to a
savepoint and a deterministic error row is recorded instead, because in a
cluster an exception would make the replication layer retry for ever. The
one exception is a StorageFault (this node's disk, not the entry): recording
it would make this node differ from the others.

The checks, in order, for an entry at stored index `index`:
1. index <= last_applied: "skipped" (a replay), nothing written.
2. its id is in applied_entries: "duplicate" (a retry).
3. a barrier must carry an epoch >= the stored one, else "fenced"; accepted,
   it sets epoch := its epoch and chain := its id.
4. an engine entry with an epoch must carry the stored epoch and name the
   stored chain as prev, else "fenced"; accepted (applied, or failed with a
   command error), chain := its id. Without an epoch (a single node) there is
   no fence.
5. anything malformed (undecodable, wrong types, unknown kind, newer version)
   is an "error" of kind "invalid". Every outcome but "skipped" advances
   last_applied.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Callable

from mistral_lite.log.entry import Entry, EntryFormatError
from mistral_lite.store.catalog import INTERNAL_TABLES, Catalog
from mistral_lite.store.faults import StorageFault, as_storage_fault
from mistral_lite.commands import Command

__all__ = ["ApplyError", "ApplyResult", "StorageFault", "apply_entry", "apply_raw", "apply_raw_batch"]

# How many recent entry ids are kept for deduplicating retried submissions.
DEDUP_WINDOW = 100_000


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


@dataclass
class _LogState:
    last_applied: int
    epoch: int
    chain: str | None


def apply_entry(conn: sqlite3.Connection, catalog: Catalog, index: int, entry: Entry, *,
                contain_all: bool = False) -> ApplyResult:
    """Apply one entry at log position `index` inside the caller's transaction.

    An exception no entry should cause (a RecursionError, a bug) propagates unless `contain_all`,
    which makes it an error row: a single node reports it to the submitter, a cluster cannot."""
    return _guarded(conn, catalog, index, lambda: [entry], contain_all)[0]


def apply_raw(conn: sqlite3.Connection, catalog: Catalog, index: int, raw: Any) -> ApplyResult:
    """Decode and apply one replicated entry; anything that is not an entry becomes an error row."""
    return _guarded(conn, catalog, index, lambda: [raw], True)[0]


def apply_raw_batch(conn: sqlite3.Connection, catalog: Catalog, index: int, raw: Any) -> list[ApplyResult]:
    """Decode and apply one replicated command holding a JSON array of entries (or one entry object),
    all at log position `index`, in order; one result per entry (one for a command that does not decode)."""
    def entries() -> list[Any]:
        try:
            parsed = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
        except MemoryError:
            raise
        except Exception:
            return [raw]  # decoded again by Entry.from_json, which says what is wrong with it
        return parsed if isinstance(parsed, list) else [parsed]

    return _guarded(conn, catalog, index, entries, True)


def _guarded(conn: sqlite3.Connection, catalog: Catalog, index: int, entries: Callable[[], list[Any]],
             contain_all: bool) -> list[ApplyResult]:
    try:
        state = _LogState(*conn.execute("SELECT last_applied, epoch, chain FROM log_state").fetchone())
        if index <= state.last_applied:  # a replay: not even decoded
            return [ApplyResult(index, "skipped")]
        items = entries()
        results = [_apply(conn, catalog, index, position, item, state, contain_all)
                   for position, item in enumerate(items)]
        _advance(conn, index, state)
        return results
    except BaseException as e:
        fault = as_storage_fault(e)
        if fault is None or fault is e:
            raise
        raise fault from e


def _apply(conn: sqlite3.Connection, catalog: Catalog, index: int, position: int, entry: Any, state: _LogState,
           contain_all: bool) -> ApplyResult:
    """One entry at (index, position) of the log; updates `state` (the caller stores it)."""
    if isinstance(entry, Entry):  # built in this process: checked like a decoded one
        problem = entry.problem()
        if problem is not None:
            return _reject(conn, index, position, entry.id if isinstance(entry.id, str) else "", problem)
    else:
        try:
            entry = Entry.from_json(entry) if isinstance(entry, (str, bytes)) else Entry.from_obj(entry)
        except EntryFormatError as e:
            return _reject(conn, index, position, e.entry_id, str(e))
    if conn.execute("SELECT 1 FROM applied_entries WHERE entry_id = ?", (entry.id,)).fetchone():
        return ApplyResult(index, "duplicate")
    refusal = _fence(entry, state)
    if refusal is not None:
        return ApplyResult(index, "fenced", "fenced", refusal)
    if entry.kind == "barrier":
        state.epoch, state.chain = entry.epoch, entry.id  # type: ignore[assignment]
    elif entry.kind == "engine" and entry.epoch is not None:
        state.chain = entry.id

    conn.execute("SAVEPOINT entry")
    try:
        counts = tuple(_apply_command(conn, catalog, c) for c in entry.commands)
    except BaseException as e:
        kind, message = _classify(e, contain_all)
        conn.execute("ROLLBACK TO entry")
        conn.execute("RELEASE entry")
        return _reject(conn, index, position, entry.id, message, kind)
    conn.execute("RELEASE entry")
    conn.execute("INSERT INTO applied_entries (entry_id, log_index) VALUES (?, ?)", (entry.id, index))
    if index % 1000 == 0 and position == 0:
        conn.execute("DELETE FROM applied_entries WHERE log_index <= ?", (index - DEDUP_WINDOW,))
    return ApplyResult(index, "applied", changed=sum(counts), counts=counts)


def _fence(entry: Entry, state: _LogState) -> str | None:
    """Why a leader's entry must not apply (it comes from a deposed leader, or lost its place); None if it may."""
    if entry.kind == "barrier":
        if entry.epoch is None or entry.epoch < state.epoch:
            return f"barrier of epoch {entry.epoch} after epoch {state.epoch}"
        return None
    if entry.kind != "engine" or entry.epoch is None:
        return None
    if entry.epoch != state.epoch:
        return f"entry from epoch {entry.epoch} in epoch {state.epoch}"
    if entry.prev != state.chain:
        return f"entry follows {entry.prev!r}, the last accepted entry is {state.chain!r}"
    return None


def _classify(error: BaseException, contain_all: bool) -> tuple[str, str]:
    """(kind, message) of the error row a failed command leaves; re-raises what must not be recorded."""
    if as_storage_fault(error) is not None:
        raise error
    if isinstance(error, ApplyError):
        return error.kind, error.message
    if isinstance(error, (sqlite3.Error, KeyError, TypeError, ValueError)) or (
            contain_all and isinstance(error, Exception)):
        return "invalid", f"{type(error).__name__}: {error}"
    raise error


def _reject(conn: sqlite3.Connection, index: int, position: int, entry_id: str, message: str,
            kind: str = "invalid") -> ApplyResult:
    """An entry that cannot apply: the same error row on every node, and the log moves on."""
    conn.execute(
        "INSERT OR REPLACE INTO apply_errors (log_index, position, entry_id, kind, message) VALUES (?, ?, ?, ?, ?)",
        (index, position, _storable(entry_id), kind, _storable(message[:4000])),
    )
    return ApplyResult(index, "error", kind, message)


def _advance(conn: sqlite3.Connection, index: int, state: _LogState) -> None:
    conn.execute("UPDATE log_state SET last_applied = ?, epoch = ?, chain = ?", (index, state.epoch, state.chain))


def _storable(text: str) -> str:
    """Text SQLite accepts: an error message may quote a lone surrogate, which UTF-8 cannot encode."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


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
    expect = command.get("expect")
    if expect is not None and (not isinstance(expect, int) or isinstance(expect, bool)):
        raise ApplyError("invalid", f"expect must be an integer, not {type(expect).__name__}")
    if expect is not None and count != expect:
        # The row is no longer what the step was decided on (a result applied twice, a deposed
        # leader's step): the whole entry must not apply, or it would also do what follows from it.
        raise ApplyError("conflict", f"{table.name} {command['id']}: expected {expect} row matching {when}, "
                                     f"{count} matched")
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
