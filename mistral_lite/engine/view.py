"""The engine's answer to task(), tasks(), execution(), env(), global() and uuid()."""

from __future__ import annotations

from typing import Any, Mapping

from mistral_lite.engine.data_flow import env_of
from mistral_lite.engine.results import task_result
from mistral_lite.engine.rows import TASKS, WF, Draft
from mistral_lite.expr import select_tasks
from mistral_lite.timestamps import to_api


class ExecutionView:
    """An EngineView over the in-memory rows of one workflow execution."""

    def __init__(self, draft: Draft, wf_ex: Mapping[str, Any], task_ex: Mapping[str, Any] | None = None) -> None:
        self._draft = draft
        self._rows = draft.rows
        self._wf = wf_ex
        self._task = task_ex

    def task_map(self, task_ex: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": task_ex["id"],
            "name": task_ex["name"],
            "spec": task_ex.get("spec"),
            "state": task_ex["state"],
            "state_info": task_ex.get("state_info"),
            "result": task_result(self._rows, task_ex),
            "published": task_ex.get("published") or {},
            "type": task_ex.get("type", "ACTION"),
            "workflow_execution_id": task_ex["workflow_execution_id"],
            "created_at": to_api(task_ex.get("created_at")),
            "updated_at": to_api(task_ex.get("updated_at")),
        }

    def task(self, name: str | None) -> dict | None:
        if self._task is not None and (not name or name == self._task["name"]):
            return self.task_map(self._task)
        if not name:
            return None
        same_name = self._rows.tasks_named(self._wf["id"], name)
        return self.task_map(same_name[-1]) if same_name else None

    def tasks(self, workflow_execution_id: str | None, recursive: bool, state: str | None, flat: bool) -> list[dict]:
        tasks = [self.task_map(t) for t in self._rows.tables[TASKS].values()]
        executions = list(self._rows.tables[WF].values())
        return select_tasks(tasks, executions, workflow_execution_id, recursive, state, flat)

    def execution_map(self, wf_ex: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": wf_ex["id"],
            "name": wf_ex["workflow_name"],
            "spec": wf_ex.get("spec"),
            "input": wf_ex.get("input") or {},
            "params": wf_ex.get("params") or {},
            "state": wf_ex["state"],
            "created_at": to_api(wf_ex.get("created_at")),
            "updated_at": to_api(wf_ex.get("updated_at")),
            "root_execution_id": wf_ex.get("root_execution_id"),
            "task_execution_id": wf_ex.get("task_execution_id"),
        }

    def execution(self) -> dict:
        return self.execution_map(self._wf)

    def executions(self, id, root_execution_id, state, from_time, to_time) -> list[dict]:  # noqa: A002
        found = []
        for wf_ex in self._rows.tables[WF].values():
            created = to_api(wf_ex.get("created_at")) or ""
            if id is not None and wf_ex["id"] != id:
                continue
            if root_execution_id is not None and wf_ex.get("root_execution_id") != root_execution_id:
                continue
            if state is not None and wf_ex["state"] != state:
                continue
            if from_time is not None and created < from_time:
                continue
            if to_time is not None and created >= to_time:
                continue
            found.append(self.execution_map(wf_ex))
        return found

    def env(self) -> dict:
        return env_of(self._wf)

    def global_var(self, name: str) -> Any:
        return (self._wf.get("context") or {}).get(name)

    def new_uuid(self) -> str:
        return self._draft.new_id()
