"""The engine's working state: rows of the tables it reads, kept in memory.

`Rows` mirrors SQLite for what the engine needs (running executions and
the definitions they use); it changes only by the same commands that
`store.apply` writes, so memory and disk never disagree. A `Draft` is one
engine step: it applies each command to the rows as it records it, so the
step sees its own changes, and can undo them if the step fails.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Iterator

from mistral_lite.store import commands as cmd
from mistral_lite.store.commands import Command

WF = "workflow_executions"
TASKS = "task_executions"
ACTIONS = "action_executions"
WF_DEFS = "workflow_definitions"
ACTION_DEFS = "action_definitions"
ENVIRONMENTS = "environments"
TIMERS = "timers"
TABLES = (WF, TASKS, ACTIONS, WF_DEFS, ACTION_DEFS, ENVIRONMENTS, TIMERS)

# Secondary indexes: table → (column, index name). Children are listed in creation order.
INDEXES = {
    TASKS: "workflow_execution_id",
    ACTIONS: "task_execution_id",
    WF: "task_execution_id",
}


class Rows:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in TABLES}
        self._children: dict[str, dict[str, list[str]]] = {t: defaultdict(list) for t in INDEXES}

    # -- reads ---------------------------------------------------------------
    def get(self, table: str, row_id: str | None) -> dict[str, Any] | None:
        return self.tables[table].get(row_id) if row_id is not None else None

    def children(self, table: str, parent_id: str) -> list[dict[str, Any]]:
        """Rows of `table` whose parent column is parent_id, oldest first."""
        rows = self.tables[table]
        return [rows[i] for i in self._children[table].get(parent_id, ()) if i in rows]

    def tasks_of(self, wf_ex_id: str) -> list[dict[str, Any]]:
        return self.children(TASKS, wf_ex_id)

    def actions_of(self, task_ex_id: str) -> list[dict[str, Any]]:
        return self.children(ACTIONS, task_ex_id)

    def subworkflows_of(self, task_ex_id: str) -> list[dict[str, Any]]:
        return self.children(WF, task_ex_id)

    def find(self, table: str, **equals: Any) -> list[dict[str, Any]]:
        return [r for r in self.tables[table].values() if all(r.get(k) == v for k, v in equals.items())]

    # -- writes (only through commands) -------------------------------------
    def apply(self, command: Command) -> dict[str, Any] | None:
        """Apply one command; returns the row as it was before (None if it did not exist)."""
        table = command["table"]
        if table not in self.tables:
            return None  # a table the engine does not keep in memory
        rows = self.tables[table]
        op = command["op"]
        if op == "insert":
            row = dict(command["row"])
            rows[row["id"]] = row
            if table in INDEXES and row.get(INDEXES[table]) is not None:
                self._children[table][row[INDEXES[table]]].append(row["id"])
            return None
        if op == "update":
            row = rows.get(command["id"])
            if row is None or any(row.get(k) != v for k, v in (command.get("when") or {}).items()):
                return None
            before = dict(row)
            row.update(command["set"])
            return before
        if op == "delete":
            targets = [command["id"]] if "id" in command else [
                r["id"] for r in list(rows.values())
                if all(r.get(k) == v or (isinstance(v, list) and r.get(k) in v) for k, v in command["where"].items())
            ]
            before = dict(rows[targets[0]]) if len(targets) == 1 and targets[0] in rows else None
            for row_id in targets:
                self._forget(table, row_id)
            return before
        raise ValueError(f"unknown command op {op!r}")


    def _forget(self, table: str, row_id: str) -> None:
        row = self.tables[table].pop(row_id, None)
        if row is not None and table in INDEXES:
            parent = row.get(INDEXES[table])
            siblings = self._children[table].get(parent)
            if siblings and row_id in siblings:
                siblings.remove(row_id)
                if not siblings:
                    del self._children[table][parent]

    def restore(self, table: str, row: dict[str, Any]) -> None:
        """Put back a row as it was (undoing a step), in place so that its position in indexes stays."""
        current = self.tables[table].get(row["id"])
        if current is None:
            self.apply(cmd.insert(table, row))
        else:
            current.clear()
            current.update(row)

    def load(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        """Bring rows read from SQLite into memory (at start, or when an execution is needed)."""
        for row in rows:
            if row["id"] not in self.tables[table]:
                self.apply(cmd.insert(table, row))

    def evict(self, table: str, row_id: str) -> None:
        """Drop a row from memory only (it stays in SQLite)."""
        self._forget(table, row_id)


class Draft:
    """One engine step: commands recorded in order and applied to the rows at once."""

    def __init__(self, rows: Rows, ids: Iterator[str], now: str) -> None:
        self.rows = rows
        self.now = now
        self._ids = ids
        self.commands: list[Command] = []
        self._undo: list[tuple[Command, dict[str, Any] | None]] = []

    def new_id(self) -> str:
        return next(self._ids)

    def insert(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        self._record(cmd.insert(table, row))
        return self.rows.get(table, row["id"])  # type: ignore[return-value]

    def update(self, table: str, row_id: str, **values: Any) -> dict[str, Any]:
        values.setdefault("updated_at", self.now)
        self._record(cmd.update(table, row_id, values))
        return self.rows.get(table, row_id)  # type: ignore[return-value]

    def delete(self, table: str, row_id: str) -> None:
        self._record(cmd.delete(table, row_id))

    def _record(self, command: Command) -> None:
        before = self.rows.apply(command)
        self.commands.append(command)
        self._undo.append((command, before))

    def rollback(self) -> None:
        """Undo everything this step did to the rows (the step failed; nothing is committed)."""
        for command, before in reversed(self._undo):
            if command["op"] == "insert":
                self.rows.evict(command["table"], command["row"]["id"])
            elif command["op"] in ("update", "delete") and before is not None:
                self.rows.restore(command["table"], before)
        self.commands.clear()
        self._undo.clear()
