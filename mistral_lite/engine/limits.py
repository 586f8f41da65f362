"""Bounds the engine keeps to, set from the node's configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Protocol

from mistral_lite.engine.errors import TaskFailure
from mistral_lite.engine.rows import TASKS, WF, Rows
from mistral_lite.json_size import describe, size_over


class LimitSettings(Protocol):
    """The options EngineLimits reads (mistral_lite.config.Config has them)."""

    max_subworkflow_depth: int
    max_action_input_size: int
    max_action_result_size: int
    max_task_starts_per_step: int


@dataclass(frozen=True)
class EngineLimits:
    # Levels of sub-workflows under a root execution (the root is level 0).
    max_subworkflow_depth: int = 100
    # Bytes of the JSON of a task's evaluated input (an action's or a sub-workflow's); 0: no limit.
    max_action_input_size: int = 0
    # Bytes of the JSON of what one task publishes (branch or global); 0: no limit.
    max_published_size: int = 0
    # Tasks one workflow may start within a single step from tasks that began in that same step
    # (so ended at once) before it is judged a runaway loop.
    max_task_starts_per_step: int = 1000

    @classmethod
    def of(cls, config: LimitSettings) -> EngineLimits:
        # What a task publishes is kept like a result (Mistral bounds both with one option).
        return cls(max_subworkflow_depth=config.max_subworkflow_depth,
                   max_action_input_size=config.max_action_input_size,
                   max_published_size=config.max_action_result_size,
                   max_task_starts_per_step=config.max_task_starts_per_step)

    def check_depth(self, rows: Rows, wf_ex: Mapping[str, Any], name: str) -> None:
        """Raise TaskFailure if starting sub-workflow `name` under wf_ex would nest deeper than allowed."""
        depth = nesting_depth(rows, wf_ex) + 1
        if depth > self.max_subworkflow_depth:
            raise TaskFailure(
                f"Sub-workflow nesting too deep: starting workflow {name} would make level {depth} of nested "
                f"workflows, over the limit of {self.max_subworkflow_depth} set by max-subworkflow-depth "
                f"(a workflow that starts itself without end?)",
                force=False,
            )

    def check_input(self, task_name: str, is_workflow: bool, params: Any) -> None:
        """Raise TaskFailure if a task's evaluated input is too big to keep."""
        _check_size("WorkflowExecution" if is_workflow else "ActionExecution", "input",
                    f"the input of task {task_name}", params, self.max_action_input_size, "max-action-input-size")

    def check_published(self, task_name: str, published: Any) -> None:
        """Raise TaskFailure if what a task publishes is too big to keep (held to the result limit)."""
        _check_size("TaskExecution", "published", f"what task {task_name} publishes", published,
                    self.max_published_size, "max-action-result-size")


def _check_size(kind: str, field: str, what: str, value: Any, limit: int, option: str) -> None:
    size = size_over(value, limit) if limit else None
    if size is None:
        return
    raise TaskFailure(
        f"Field size limit exceeded [class={kind}, field={field}, size>={size} bytes, limit={limit} bytes]: "
        f"{what} is at least {describe(size)} as JSON, over the limit of {describe(limit)} set by {option}"
    )


def nesting_depth(rows: Rows, wf_ex: Mapping[str, Any]) -> int:
    """How many parent workflows wf_ex has (0 for a root), following parent tasks in memory."""
    depth = 0
    seen = {wf_ex["id"]}
    current: Mapping[str, Any] | None = wf_ex
    while current is not None and current.get("task_execution_id"):
        task_ex = rows.get(TASKS, current["task_execution_id"])
        current = rows.get(WF, task_ex["workflow_execution_id"]) if task_ex else None
        if current is None or current["id"] in seen:  # a parent not in memory, or a broken chain
            break
        seen.add(current["id"])
        depth += 1
    return depth
