"""The vocabulary of state changes: plain, JSON-able dicts.

A command names one row operation. Everything it needs (ids, timestamps,
values) is inside it, so applying it gives the same rows on every node and
on every replay. Values are plain Python; JSON columns are encoded by apply.

    {"op": "insert", "table": T, "row": {...}}
    {"op": "update", "table": T, "id": X, "set": {...}, "when": {...}, "expect": 1}
    {"op": "delete", "table": T, "id": X}
    {"op": "delete", "table": T, "where": {...}}

`when` makes an update conditional: if the row does not match (for example
an action execution that is no longer RUNNING), nothing changes and the
entry still succeeds. A list value in `when` or `where` matches any of its
members. `"expect": N` (with `when`) turns a mismatch into a failure: the
update must change exactly N rows, or the whole entry is rolled back as a
conflict; the engine's memory ignores it (it decided on rows that match).
Without `when`, updating or deleting a missing row is a not-found error that
rolls the whole entry back.
"""

from __future__ import annotations

from typing import Any

Command = dict[str, Any]


def insert(table: str, row: dict[str, Any]) -> Command:
    return {"op": "insert", "table": table, "row": row}


def update(table: str, row_id: str, values: dict[str, Any], when: dict[str, Any] | None = None,
           expect: int | None = None) -> Command:
    command: Command = {"op": "update", "table": table, "id": row_id, "set": values}
    if when:
        command["when"] = when
    if expect is not None:
        command["expect"] = expect
    return command


def delete(table: str, row_id: str) -> Command:
    return {"op": "delete", "table": table, "id": row_id}


def delete_where(table: str, where: dict[str, Any]) -> Command:
    return {"op": "delete", "table": table, "where": where}
