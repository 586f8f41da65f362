"""Reverse workflows: run the target task and, first, everything it requires."""

from __future__ import annotations

from typing import Any, Mapping

from mistral_lite.engine import states
from mistral_lite.engine.data_flow import merge_all, outbound
from mistral_lite.engine.errors import InvalidWorkflowInput
from mistral_lite.engine.step import Step
from mistral_lite.lang.specs import WorkflowSpec


def target_of(spec: WorkflowSpec, params: Mapping[str, Any]) -> str:
    target = params.get("task_name")
    if not target or target not in spec.tasks:
        raise InvalidWorkflowInput(
            f"Invalid task name: {target!r}; a reverse workflow is started with params.task_name, "
            f"one of: {', '.join(spec.tasks)}"
        )
    return target


def needed(spec: WorkflowSpec, target: str) -> list[str]:
    """The target and everything it requires, transitively, in document order."""
    found: set[str] = set()
    pending = [target]
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending.extend(spec.tasks[name].requires)
    return [name for name in spec.tasks if name in found]


class ReverseFlow:
    """Mixed into Engine."""

    def start_reverse(self, step: Step, wf_ex: dict[str, Any], spec: WorkflowSpec) -> None:
        target_of(spec, wf_ex.get("params") or {})
        self.run_ready_reverse(step, wf_ex)

    def run_ready_reverse(self, step: Step, wf_ex: dict[str, Any]) -> None:
        """Start every needed task whose requirements all succeeded and that has not run yet."""
        spec = self.spec_of(wf_ex)
        target = target_of(spec, wf_ex.get("params") or {})
        tasks = step.rows.tasks_of(wf_ex["id"])
        started = {t["name"] for t in tasks}
        succeeded = {t["name"]: t for t in tasks if t["state"] == states.SUCCESS}
        for name in needed(spec, target):
            task = spec.tasks[name]
            if name in started or not all(r in succeeded for r in task.requires):
                continue
            context = merge_all(outbound(succeeded[r]) for r in task.requires)
            wf_now = step.rows.get("workflow_executions", wf_ex["id"])
            self.run_task(step, wf_now, task, context)
            started.add(name)
