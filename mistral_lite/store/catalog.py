"""What the schema holds, read from SQLite itself: tables, columns, JSON columns."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

# Bookkeeping tables are written by apply itself, never by commands.
INTERNAL_TABLES = frozenset({"log_state", "applied_entries", "apply_errors"})


# Containers larger than this are encoded member by member.
_CHUNK = 256


def json_text(value: Any) -> str:
    """Compact JSON with sorted keys, the same text as one json.dumps call.

    One json.dumps of a 20,000-task workflow's spec runs in C for tens of
    milliseconds without releasing the GIL, stalling the event loop while the
    writer thread encodes it; encoding large mappings and lists a member at a
    time lets the loop run in between.
    """
    if isinstance(value, dict) and len(value) > _CHUNK and all(type(k) is str for k in value):
        return "{" + ",".join(f"{json.dumps(k)}:{json_text(value[k])}" for k in value) + "}"
    if isinstance(value, (list, tuple)) and len(value) > _CHUNK:
        return "[" + ",".join(json_text(v) for v in value) + "]"
    return json.dumps(value, separators=(",", ":"))


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    json_columns: frozenset[str]
    not_null: frozenset[str] = frozenset()

    def encode(self, column: str, value: Any) -> Any:
        """Python value → what SQLite stores for this column."""
        if column in self.json_columns and value is not None:
            return json_text(value)
        if isinstance(value, bool):
            return int(value)
        return value

    def decode_row(self, row: sqlite3.Row | tuple, columns: list[str] | tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for column, value in zip(columns, row):
            if column in self.json_columns and value is not None:
                value = json.loads(value)
            out[column] = value
        return out


@dataclass(frozen=True)
class Catalog:
    tables: dict[str, Table]

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"unknown table {name!r}") from None

    def check_columns(self, table: Table, names: Any) -> None:
        unknown = [n for n in names if n not in table.columns]
        if unknown:
            raise KeyError(f"unknown columns {unknown} in table {table.name}")


def read_catalog(conn: sqlite3.Connection) -> Catalog:
    tables: dict[str, Table] = {}
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for name in names:
        if name.startswith("sqlite_"):
            continue
        info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
        columns = tuple(r[1] for r in info)
        json_columns = frozenset(r[1] for r in info if str(r[2]).upper() == "JSON")
        not_null = frozenset(r[1] for r in info if r[3] or r[5])  # NOT NULL, or part of the primary key
        tables[name] = Table(name, columns, json_columns, not_null)
    return Catalog(tables)
