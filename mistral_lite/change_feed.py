"""Which executions' rows changed, entry by entry, for the web UI's live streams (api/stream.py).

A log listener: it runs on every node for every applied entry (a follower applies each entry too), so
a stream works through any node. It records nothing durable: per watched execution, the ids of the
task executions changed since the stream last took them (coalesced: a task changed ten times is read
once), and for resuming a reconnected stream a bounded history of (index, execution id, task id).
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

from mistral_lite.log.base import CommittedLog
from mistral_lite.log.entry import Entry
from mistral_lite.store.apply import ApplyResult

EXECUTIONS = "workflow_executions"
TASKS = "task_executions"
HISTORY = 100_000  # changed rows remembered for Last-Event-ID resumes
MAX_PENDING = 50_000  # distinct changed tasks a stream may fall behind by before it is dropped


@dataclass(eq=False)
class Watch:
    """One stream's view of one execution: what changed since it last took the changes."""

    execution_id: str
    index: int = 0
    execution_changed: bool = False
    tasks: set[str] = field(default_factory=set)
    deleted: bool = False
    closed: bool = False  # shutdown, or fell too far behind: the stream ends
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self) -> tuple[int, bool, set[str]]:
        changed = (self.index, self.execution_changed, self.tasks)
        self.execution_changed, self.tasks = False, set()
        self.wake.clear()
        return changed

    def close(self) -> None:
        self.closed = True
        self.wake.set()


class ChangeFeed:
    def __init__(self, log: CommittedLog) -> None:
        self._log = log
        self._watches: dict[str, set[Watch]] = {}
        self._owner: dict[str, str] = {}  # task execution id -> its watched execution's id
        self._history: deque[tuple[int, str | None, str | None]] = deque()
        self.index = getattr(log, "applied_index", 0)
        self._forgotten = self.index  # entries up to here are not in the history
        self._listening = False

    def start(self) -> None:
        """Listen from now on (again a no-op once listening). The first watch starts it, so a node
        nobody streams from spends nothing on the feed in its apply path."""
        if self._listening:
            return
        self._listening = True
        self.index = self._forgotten = getattr(self._log, "applied_index", self.index)
        self._log.add_listener(self.applied)

    def stop(self) -> None:
        self._listening = False
        self._log.remove_listener(self.applied)
        for watches in list(self._watches.values()):
            for watch in list(watches):
                watch.close()

    def watch(self, execution_id: str) -> Watch:
        self.start()
        watch = Watch(execution_id, index=self.index)
        self._watches.setdefault(execution_id, set()).add(watch)
        return watch

    def own(self, watch: Watch, task_ids: list[str]) -> None:
        """Tasks of the watched execution, so updates naming only a task's id reach its stream."""
        for task_id in task_ids:
            self._owner[task_id] = watch.execution_id

    def unwatch(self, watch: Watch) -> None:
        watches = self._watches.get(watch.execution_id, set())
        watches.discard(watch)
        if not watches:
            self._watches.pop(watch.execution_id, None)
            self._owner = {t: e for t, e in self._owner.items() if e != watch.execution_id}

    def covers(self, index: int) -> bool:
        """Whether every change after `index` is still in the history."""
        return self._forgotten <= index <= self.index

    def changed_since(self, index: int, execution_id: str) -> tuple[bool, set[str]]:
        """Whether the execution changed after `index`, and which task ids did (of any execution)."""
        execution, tasks = False, set()
        for at, ex_id, task_id in reversed(self._history):
            if at <= index:
                break
            if task_id is not None:
                tasks.add(task_id)
            elif ex_id == execution_id:
                execution = True
        return execution, tasks

    def applied(self, index: int, entry: Entry, result: ApplyResult) -> None:
        self.index = index
        if result.status != "applied":
            return
        for command in entry.commands:
            table = command.get("table")
            if table == TASKS:
                self._task_changed(index, command)
            elif table == EXECUTIONS:
                for row_id in _row_ids(command):
                    self._remember(index, row_id, None)
                    self._mark(row_id, index, None, deleted=command.get("op") == "delete")
        for watches in self._watches.values():
            for watch in watches:
                watch.index = index

    def _task_changed(self, index: int, command: dict) -> None:
        row = command.get("row") or {}
        task_id = command.get("id") or row.get("id")
        execution_id = self._owner.get(task_id) if task_id else None
        if execution_id is None and row.get("workflow_execution_id") in self._watches:
            execution_id = self._owner[task_id] = row["workflow_execution_id"]
        self._remember(index, execution_id, task_id or None)
        if execution_id is not None:
            self._mark(execution_id, index, task_id, deleted=False)

    def _remember(self, index: int, execution_id: str | None, task_id: str | None) -> None:
        self._history.append((index, execution_id, task_id))
        if len(self._history) > HISTORY:
            self._forgotten = self._history.popleft()[0]

    def _mark(self, execution_id: str | None, index: int, task_id: str | None, deleted: bool) -> None:
        for watch in self._watches.get(execution_id or "", ()):
            watch.index = index
            if task_id is None:
                watch.execution_changed = True
                watch.deleted = watch.deleted or deleted
            else:
                watch.tasks.add(task_id)
                if len(watch.tasks) > MAX_PENDING:
                    watch.close()  # a client this far behind reconnects and resumes or reloads
            watch.wake.set()


def _row_ids(command: dict) -> list[str]:
    """The ids a command names: its `id`, its inserted row's, or its `where` (a deleted tree names a list)."""
    one = command.get("id") or (command.get("row") or {}).get("id")
    if one:
        return [one]
    where = (command.get("where") or {}).get("id")
    return [where] if isinstance(where, str) else list(where or ())
