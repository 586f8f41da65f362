"""The engine's working state: rows of the tables it reads, kept in memory.

`Rows` mirrors SQLite for what the engine needs (running executions and
the definitions they use); it changes only by the same commands that
`store.apply` writes, so memory and disk never disagree. A `Draft` is one
engine step: it applies each command to the rows as it records it, so the
step sees its own changes, and can undo them if the step fails.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable, Iterator

from mistral_lite import commands as cmd
from mistral_lite.commands import Command

WF = "workflow_executions"
TASKS = "task_executions"
ACTIONS = "action_executions"
WF_DEFS = "workflow_definitions"
ACTION_DEFS = "action_definitions"
ENVIRONMENTS = "environments"
TIMERS = "timers"
TABLES = (WF, TASKS, ACTIONS, WF_DEFS, ACTION_DEFS, ENVIRONMENTS, TIMERS)

# Secondary indexes: table → parent column. Children are listed in creation order.
INDEXES = {
    TASKS: "workflow_execution_id",
    ACTIONS: "task_execution_id",
    WF: "task_execution_id",
    TIMERS: "target_id",
}


# Children are also grouped by a key, so that "the active tasks of this execution" or "the accepted
# items of this task that are still running" cost what they hold, not what the execution holds.
GROUP_KEYS: dict[str, Callable[[dict[str, Any]], Hashable]] = {
    TASKS: lambda row: row.get("state"),
    # (state, part of the task's current attempt): see with_items.items_of
    ACTIONS: lambda row: (row.get("state"), bool(row.get("accepted", True))),
    WF: lambda row: (row.get("state"), bool((row.get("runtime_context") or {}).get("accepted", True))),
}


class Rows:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in TABLES}
        # parent id → child ids (dicts: ordered like lists, removal in O(1))
        self._children: dict[str, dict[str, dict[str, None]]] = {t: {} for t in INDEXES}
        # parent id → group key → child ids; and each child's current key
        self._groups: dict[str, dict[str, dict[Hashable, dict[str, None]]]] = {t: {} for t in GROUP_KEYS}
        self._keys: dict[str, dict[str, Hashable]] = {t: {} for t in GROUP_KEYS}
        # task execution id → ids by task name, oldest first
        self._named: dict[str, dict[str, list[str]]] = {}
        self._order: dict[str, int] = {}  # row id → creation order, to list a group's rows oldest first
        self._count = 0

    # -- reads ---------------------------------------------------------------
    def get(self, table: str, row_id: str | None) -> dict[str, Any] | None:
        return self.tables[table].get(row_id) if row_id is not None else None

    def children(self, table: str, parent_id: str, where: Callable[[Any], bool] | None = None) -> list[dict[str, Any]]:
        """Rows of `table` whose parent column is parent_id, oldest first; `where` filters on GROUP_KEYS[table]."""
        rows = self.tables[table]
        if where is None:
            return [rows[i] for i in self._children[table].get(parent_id, ())]
        ids = [i for key, members in self._groups[table].get(parent_id, {}).items() if where(key) for i in members]
        ids.sort(key=self._order.__getitem__)
        return [rows[i] for i in ids]

    def count(self, table: str, parent_id: str, where: Callable[[Any], bool]) -> int:
        """How many children children(table, parent_id, where) would list, without listing them."""
        return sum(len(members) for key, members in self._groups[table].get(parent_id, {}).items() if where(key))

    def tasks_of(self, wf_ex_id: str, where: Callable[[str], bool] | None = None) -> list[dict[str, Any]]:
        """Task executions of a workflow execution, oldest first; `where` filters on their state."""
        return self.children(TASKS, wf_ex_id, where)

    def tasks_named(self, wf_ex_id: str, name: str) -> list[dict[str, Any]]:
        """Executions of one task of a workflow execution, oldest first."""
        rows = self.tables[TASKS]
        return [rows[i] for i in self._named.get(wf_ex_id, {}).get(name, ())]

    def actions_of(self, task_ex_id: str) -> list[dict[str, Any]]:
        return self.children(ACTIONS, task_ex_id)

    def subworkflows_of(self, task_ex_id: str) -> list[dict[str, Any]]:
        return self.children(WF, task_ex_id)

    def find(self, table: str, **equals: Any) -> list[dict[str, Any]]:
        # list() copies in one go: definitions may be added by the shell while a step reads them.
        return [r for r in list(self.tables[table].values()) if all(r.get(k) == v for k, v in equals.items())]

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
            if row["id"] in rows:
                self._forget(table, row["id"])  # replaced: indexed anew
            rows[row["id"]] = row
            self._index(table, row)
            return None
        if op == "update":
            row = rows.get(command["id"])
            if row is None or not _matches(row, command.get("when") or {}):
                return None
            before = dict(row)
            row.update(command["set"])
            self._regroup(table, row)
            return before
        if op == "delete":
            targets = [command["id"]] if "id" in command else [
                r["id"] for r in list(rows.values()) if _matches(r, command["where"])
            ]
            before = dict(rows[targets[0]]) if len(targets) == 1 and targets[0] in rows else None
            for row_id in targets:
                self._forget(table, row_id)
            return before
        raise ValueError(f"unknown command op {op!r}")

    def _index(self, table: str, row: dict[str, Any]) -> None:
        self._count += 1
        self._order[row["id"]] = self._count
        parent = row.get(INDEXES[table]) if table in INDEXES else None
        if parent is None:
            return
        self._children[table].setdefault(parent, {})[row["id"]] = None
        if table == TASKS:
            self._named.setdefault(parent, {}).setdefault(row["name"], []).append(row["id"])
        if table in GROUP_KEYS:
            key = GROUP_KEYS[table](row)
            self._keys[table][row["id"]] = key
            self._groups[table].setdefault(parent, {}).setdefault(key, {})[row["id"]] = None

    def _regroup(self, table: str, row: dict[str, Any]) -> None:
        """Move a changed row to the group its values now give."""
        old = self._keys.get(table, {}).get(row["id"], _NO_KEY)
        if old is _NO_KEY:
            return
        key = GROUP_KEYS[table](row)
        if key == old:
            return
        groups = self._groups[table][row[INDEXES[table]]]
        _discard(groups, old, row["id"])
        groups.setdefault(key, {})[row["id"]] = None
        self._keys[table][row["id"]] = key

    def _forget(self, table: str, row_id: str) -> None:
        row = self.tables[table].pop(row_id, None)
        self._order.pop(row_id, None)
        if row is None or table not in INDEXES:
            return
        parent = row.get(INDEXES[table])
        _discard(self._children[table], parent, row_id)
        if table == TASKS and parent in self._named:
            same = self._named[parent].get(row["name"])
            if same and row_id in same:
                same.remove(row_id)
                if not same:
                    del self._named[parent][row["name"]]
                if not self._named[parent]:
                    del self._named[parent]
        key = self._keys.get(table, {}).pop(row_id, _NO_KEY)
        if key is not _NO_KEY:
            groups = self._groups[table].get(parent)
            if groups is not None:
                _discard(groups, key, row_id)
                if not groups:
                    del self._groups[table][parent]

    def restore(self, table: str, row: dict[str, Any]) -> None:
        """Put back a row as it was (undoing a step), in place so that its position in indexes stays."""
        current = self.tables[table].get(row["id"])
        if current is None:
            self.apply(cmd.insert(table, row))
        else:
            current.clear()
            current.update(row)
            self._regroup(table, current)

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

    def update_expecting(self, table: str, row_id: str, when: dict[str, Any], **values: Any) -> dict[str, Any]:
        """Update a row the step found matching `when`; when it is committed, the stored row must still
        match, or the whole entry fails as a conflict (a deposed leader's or a duplicate decision)."""
        values.setdefault("updated_at", self.now)
        self._record(cmd.update(table, row_id, values, when=when, expect=1))
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


_NO_KEY = object()


def _matches(row: dict[str, Any], conditions: dict[str, Any]) -> bool:
    """The row has these values; a list matches any of its members (as apply's SQL does)."""
    return all(row.get(k) == v or (isinstance(v, list) and row.get(k) in v) for k, v in conditions.items())


def _discard(index: dict[Any, dict[str, None]], key: Any, row_id: str) -> None:
    """Remove row_id from index[key], and the key once it holds nothing."""
    members = index.get(key)
    if members is not None:
        members.pop(row_id, None)
        if not members:
            del index[key]
