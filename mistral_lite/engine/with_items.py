"""with-items: one action execution (or sub-workflow) per item, at most `concurrency` at a time.

Items live in the task's runtime_context; each action execution or child
execution carries its item's index. Results are kept in item order.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from mistral_lite.engine import failure_messages, policies, states
from mistral_lite.engine.errors import TaskFailure
from mistral_lite.engine.rows import ACTIONS, TASKS, WF, Rows
from mistral_lite.engine.step import Step
from mistral_lite.lang.specs import TaskSpec


def items_of(rows: Rows, task_ex: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The task's current attempt: accepted action executions or sub-workflow executions."""
    return rows.children(WF if task_ex.get("type") == "WORKFLOW" else ACTIONS, task_ex["id"], _accepted)


def _accepted(key: tuple[str, bool]) -> bool:
    return key[1]


def _accepted_active(key: tuple[str, bool]) -> bool:
    return key[1] and key[0] in states.ACTIVE


def index_of(item: Mapping[str, Any]) -> int:
    return (item.get("runtime_context") or {}).get("index", 0)


def evaluate_items(step: Step, wf_ex: Mapping[str, Any], task_ex: Mapping[str, Any], task: TaskSpec) -> list[dict]:
    """[{var: value, ...}, ...]: the lists zipped; they must all have the same length."""
    columns: dict[str, list[Any]] = {}
    for name, collection in task.with_items.items:
        value = step.evaluate(collection, wf_ex, inbound=task_ex.get("in_context"), task_ex=task_ex,
                              what=f"with-items of task {task.name}")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        if isinstance(value, dict) or not isinstance(value, (list, tuple)):
            raise TaskFailure(f"Wrong input format for: {columns}. Iterable type is expected for each value.",
                              detail=f"with-items collection for '{name}' of task {task.name} is {value!r}, not a list")
        columns[name] = list(value)
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise TaskFailure(f"Wrong input format for: {columns}. All arrays must have the same length.",
                          detail=f"with-items lengths of task {task.name}: { {k: len(v) for k, v in columns.items()} }")
    size = lengths.pop() if lengths else 0
    return [{name: values[i] for name, values in columns.items()} for i in range(size)]


class WithItems:
    """Mixed into Engine; relies on the task and workflow methods."""

    def start_items(self, step: Step, wf_ex: dict[str, Any], task_ex: dict[str, Any], task: TaskSpec) -> None:
        items = evaluate_items(step, wf_ex, task_ex, task)
        limit = policies.count(step, wf_ex, task_ex, task.policies.concurrency, "concurrency")
        runtime = {**(task_ex.get("runtime_context") or {}),
                   "with_items": {"count": len(items), "concurrency": limit, "items": items}}
        task_ex = step.draft.update(TASKS, task_ex["id"], runtime_context=runtime)
        if not items:
            self.complete_task(step, wf_ex, task_ex, states.SUCCESS, None)
            return
        self.start_next_items(step, wf_ex, task_ex, task)

    def start_next_items(self, step: Step, wf_ex: dict[str, Any], task_ex: dict[str, Any], task: TaskSpec,
                         indexes: list[int] | None = None, current: list[dict[str, Any]] | None = None) -> None:
        """Start items that have not started yet, keeping at most `concurrency` running."""
        info = task_ex["runtime_context"]["with_items"]
        current = items_of(step.rows, task_ex) if current is None else current
        if len(current) >= info["count"]:
            return  # every item has started
        started = {index_of(i) for i in current}
        running = sum(1 for i in current if i["state"] in states.ACTIVE)
        limit = info.get("concurrency") or 0
        todo = [i for i in (indexes if indexes is not None else range(info["count"])) if i not in started]
        for index in todo:
            if limit and running >= limit:
                break
            self.start_item(step, wf_ex, task_ex, task, index, info["items"][index])
            running += 1
            if states.is_completed(step.rows.get(WF, wf_ex["id"])["state"]):
                return

    def item_finished(self, step: Step, wf_ex: dict[str, Any], task_ex: dict[str, Any]) -> None:
        """An item ended: start the next ones; when all ended, the task completes."""
        task = self.spec_of(wf_ex).tasks[task_ex["name"]]
        info = task_ex["runtime_context"]["with_items"]
        table = WF if task_ex.get("type") == "WORKFLOW" else ACTIONS
        # Counted from the rows' groups: an item's end costs the same whatever the number of items.
        if step.rows.count(table, task_ex["id"], _accepted) < info["count"]:
            self.start_next_items(step, wf_ex, task_ex, task)
            return
        if step.rows.count(table, task_ex["id"], _accepted_active):
            return
        current = items_of(step.rows, task_ex)
        if any(i["state"] == states.CANCELLED for i in current):
            self.complete_task(step, wf_ex, task_ex, states.CANCELLED, failure_messages.ITEMS_CANCELLED)
        elif any(i["state"] == states.ERROR for i in current):
            # Mistral's exact words; each item's error is in the result and in the workflow's failure summary.
            self.complete_task(step, wf_ex, task_ex, states.ERROR, failure_messages.ITEMS_FAILED)
        else:
            self.complete_task(step, wf_ex, task_ex, states.SUCCESS, None)

    def unaccept_items(self, step: Step, task_ex: Mapping[str, Any], only_failed: bool = False) -> None:
        """A new attempt: earlier items no longer count for the task's result (kept for history)."""
        for item in items_of(step.rows, task_ex):
            if only_failed and item["state"] == states.SUCCESS:
                continue
            if task_ex.get("type") == "WORKFLOW":
                step.draft.update(WF, item["id"], runtime_context={**(item.get("runtime_context") or {}),
                                                                   "accepted": False})
            else:
                step.draft.update(ACTIONS, item["id"], accepted=False)
