"""Read queries: one row, or a page of rows with filters, sorting and a marker.

Each function takes (conn, catalog, ...) so it runs on a Reader thread.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from mistral_lite.store.catalog import Catalog, Table

OPERATORS = {"eq": "=", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass(frozen=True)
class Filter:
    """column <op> value; op is eq, neq, gt, gte, lt, lte, in, nin, has, null, notnull or tags."""

    column: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class PageQuery:
    filters: tuple[Filter, ...] = ()
    sort_keys: tuple[str, ...] = ("created_at",)
    sort_dirs: tuple[str, ...] = ("asc",)
    limit: int | None = None
    marker: str | None = None
    # Columns not to read: big ones a listing does not return (a page of 5 rows need not load 100 MB).
    omit: tuple[str, ...] = ()


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    # The page stopped early at its byte budget: more rows follow even if fewer than `limit` came.
    cut: bool = False


class MarkerNotFound(LookupError):
    """The marker id names no row of the collection."""


def get_row(conn: sqlite3.Connection, catalog: Catalog, table_name: str, row_id: str) -> dict[str, Any] | None:
    return find_row(conn, catalog, table_name, {"id": row_id})


def find_row(conn: sqlite3.Connection, catalog: Catalog, table_name: str, equals: dict[str, Any]) -> dict[str, Any] | None:
    rows = find_rows(conn, catalog, table_name, equals, limit=1)
    return rows[0] if rows else None


def find_rows(
    conn: sqlite3.Connection, catalog: Catalog, table_name: str, equals: dict[str, Any], limit: int | None = None,
    omit: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Rows whose columns equal the given values, oldest first; `omit` columns are left unread."""
    table = catalog.table(table_name)
    filters = tuple(Filter(c, "eq" if v is not None else "null", v) for c, v in equals.items())
    where, params = _where(table, filters)
    sql = f'SELECT {_select_list(table, omit)} FROM "{table.name}" WHERE {where} ORDER BY rowid'
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return _fetch(conn, table, sql, params)


def count_rows(conn: sqlite3.Connection, catalog: Catalog, table_name: str) -> int:
    return conn.execute(f'SELECT COUNT(*) FROM "{catalog.table(table_name).name}"').fetchone()[0]


def list_page(conn: sqlite3.Connection, catalog: Catalog, table_name: str, query: PageQuery) -> list[dict[str, Any]]:
    """One page in the requested order; `id` is always the last sort key so pages never overlap."""
    return read_page(conn, catalog, table_name, query).rows


def read_page(conn: sqlite3.Connection, catalog: Catalog, table_name: str, query: PageQuery,
              max_bytes: int | None = None) -> Page:
    """list_page, stopping before the row that would take the stored size read past max_bytes.

    The first row always comes, so a page is never empty while rows remain.
    Rows are read one by one, so a cut page never loaded what it left out.
    """
    table = catalog.table(table_name)
    keys = list(query.sort_keys)
    dirs = list(query.sort_dirs) + ["asc"] * (len(keys) - len(query.sort_dirs))
    if "id" not in keys:
        keys.append("id")
        dirs.append(dirs[0] if dirs else "asc")
    catalog.check_columns(table, keys)
    where, params = _where(table, query.filters)
    if query.marker is not None:
        marker_sql, marker_params = _after_marker(conn, table, keys, dirs, query.marker)
        where = f"({where}) AND ({marker_sql})"
        params += marker_params
    order = ", ".join(f"{_sort_expr(table, k)} {d.upper()}" for k, d in zip(keys, dirs))
    sql = f'SELECT {_select_list(table, query.omit)} FROM "{table.name}" WHERE {where} ORDER BY {order}'
    if query.limit is not None:
        sql += f" LIMIT {int(query.limit)}"
    if max_bytes is None:
        return Page(_fetch(conn, table, sql, params))
    return _fetch_within(conn, table, sql, params, max_bytes)


def _select_list(table: Table, omit: tuple[str, ...]) -> str:
    if not omit:
        return "*"
    return ", ".join(f'"{c}"' for c in table.columns if c not in omit)


def _sort_expr(table: Table, column: str) -> str:
    """The column as sorted: NULLs as '' so the ORDER BY and the marker comparison agree.

    Columns that cannot be NULL are used bare, so SQLite can walk their index
    instead of sorting the whole table (the newest 100 of 10,000 executions).
    """
    return column if column in table.not_null else f"IFNULL({column}, '')"


def _after_marker(
    conn: sqlite3.Connection, table: Table, keys: list[str], dirs: list[str], marker: str
) -> tuple[str, list[Any]]:
    """Keyset condition: rows strictly after the marker row in this order."""
    values = conn.execute(
        f'SELECT {", ".join(_sort_expr(table, k) for k in keys)} FROM "{table.name}" WHERE id = ?', (marker,)
    ).fetchone()
    if values is None:
        raise MarkerNotFound(marker)
    alternatives, params = [], []
    for i, (key, direction) in enumerate(zip(keys, dirs)):
        equal_prefix = [f"{_sort_expr(table, k)} = ?" for k in keys[:i]]
        comparison = ">" if direction == "asc" else "<"
        alternatives.append(" AND ".join(equal_prefix + [f"{_sort_expr(table, key)} {comparison} ?"]))
        params.extend(list(values[:i]) + [values[i]])
    return " OR ".join(f"({a})" for a in alternatives), params


def _where(table: Table, filters: tuple[Filter, ...]) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    for f in filters:
        if f.column not in table.columns:
            raise KeyError(f"unknown column {f.column} in {table.name}")
        col = f.column
        if f.op in OPERATORS:
            parts.append(f"{col} {OPERATORS[f.op]} ?")
            params.append(int(f.value) if isinstance(f.value, bool) else f.value)
        elif f.op in ("in", "nin"):
            values = list(f.value)
            if not values:
                parts.append("0" if f.op == "in" else "1")
                continue
            negation = "NOT " if f.op == "nin" else ""
            parts.append(f"{col} {negation}IN ({', '.join('?' * len(values))})")
            params.extend(values)
        elif f.op == "has":
            parts.append(f"{col} LIKE ? ESCAPE '\\'")
            escaped = str(f.value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{escaped}%")
        elif f.op == "null":
            parts.append(f"{col} IS NULL")
        elif f.op == "notnull":
            parts.append(f"{col} IS NOT NULL")
        elif f.op == "tags":
            # Rows having every listed tag (tags is a JSON list).
            for tag in f.value:
                parts.append(f"EXISTS (SELECT 1 FROM json_each({col}) WHERE json_each.value = ?)")
                params.append(tag)
        else:
            raise ValueError(f"unknown filter operator {f.op!r}")
    return " AND ".join(parts) or "1", params


def _fetch(conn: sqlite3.Connection, table: Table, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [table.decode_row(r, columns) for r in cursor.fetchall()]


def _fetch_within(conn: sqlite3.Connection, table: Table, sql: str, params: list[Any], max_bytes: int) -> Page:
    cursor = conn.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    rows: list[dict[str, Any]] = []
    total = 0
    for raw in cursor:
        # Stored text is what the JSON of a row will roughly weigh; numbers and NULLs hardly count.
        total += sum(len(v) for v in raw if isinstance(v, (str, bytes))) + len(raw)
        if rows and total > max_bytes:
            cursor.close()
            return Page(rows, cut=True)
        rows.append(table.decode_row(raw, columns))
    return Page(rows)
