"""Engine: one event in, one step out (commands to commit, effects to perform after).

Pure in the sense of h11: no sockets, no clock, no randomness, no database.
The caller passes ids and the time, and owns the rows (in-memory state)
that each step updates with exactly the commands it returns.
"""

from __future__ import annotations

from typing import Any, Iterator

from mistral_lite import logs
from mistral_lite.engine import states
from mistral_lite.engine.actions import ActionCatalog, transform_result
from mistral_lite.engine.errors import NotFoundError, StateConflict, TaskFailure
from mistral_lite.engine.events import (
    ActionFinished,
    Event,
    PauseWorkflow,
    ResumeWorkflow,
    StartWorkflow,
    StopWorkflow,
)
from mistral_lite.engine.rows import ACTIONS, TASKS, WF, WF_DEFS, Draft, Rows
from mistral_lite.engine.step import Step, StepResult
from mistral_lite.engine.tasks import TaskLifecycle
from mistral_lite.engine.workflows import WorkflowLifecycle
from mistral_lite.lang.specs import WorkflowSpec

log = logs.get("mistral_lite.engine")

STOP_STATES = (states.SUCCESS, states.ERROR, states.CANCELLED)


class Engine(WorkflowLifecycle, TaskLifecycle):
    def __init__(self, rows: Rows, catalog: ActionCatalog) -> None:
        self.rows = rows
        self.catalog = catalog
        self._specs: dict[str, WorkflowSpec] = {}

    def step(self, event: Event, ids: Iterator[str], now: str) -> StepResult:
        """Handle one event. On an error nothing changes: the rows are restored and it re-raises."""
        draft = Draft(self.rows, ids, now)
        step = Step(draft)
        try:
            self._handle(step, event)
        except BaseException:
            draft.rollback()
            raise
        return StepResult(list(draft.commands), list(step.effects))

    def forget(self, execution_id: str) -> None:
        """Drop a finished execution's cached spec (its rows are evicted by the caller)."""
        self._specs.pop(execution_id, None)

    def forget_all(self) -> None:
        self._specs.clear()

    def _handle(self, step: Step, event: Event) -> None:
        if isinstance(event, StartWorkflow):
            definition = self.rows.get(WF_DEFS, event.definition_id)
            if definition is None:
                raise NotFoundError(f"Workflow not found [workflow_identifier={event.definition_id}]")
            self.start_workflow(step, event.execution_id, definition, dict(event.input), dict(event.params),
                                event.description)
            log.info("execution started", execution_id=event.execution_id, workflow=definition["name"])
        elif isinstance(event, ActionFinished):
            self.action_finished(step, event)
        else:
            wf_ex = self.rows.get(WF, event.execution_id)
            if wf_ex is None:
                raise NotFoundError(f"WorkflowExecution not found [id={event.execution_id}]")
            if isinstance(event, PauseWorkflow):
                self.pause_workflow(step, wf_ex)
            elif isinstance(event, ResumeWorkflow):
                self.resume_workflow(step, wf_ex, event.env)
            elif isinstance(event, StopWorkflow):
                if event.state not in STOP_STATES:
                    raise StateConflict(f"Cannot stop an execution as {event.state}")
                self.stop_workflow(step, wf_ex, event.state, event.state_info)
            log.info("execution control", execution_id=event.execution_id, control=type(event).__name__)

    def action_finished(self, step: Step, event: ActionFinished) -> None:
        """Record an action's outcome once; complete its task when its last action is done."""
        action_ex = self.rows.get(ACTIONS, event.action_execution_id)
        if action_ex is None or action_ex["state"] not in (states.RUNNING, states.PAUSED):
            return  # unknown or already completed: results are applied exactly once
        state, result = event.state, event.result
        task_ex = self.rows.get(TASKS, action_ex.get("task_execution_id"))
        wf_ex = self.rows.get(WF, task_ex["workflow_execution_id"]) if task_ex else None
        failure: TaskFailure | None = None
        if state == states.SUCCESS:
            try:
                result = transform_result(action_ex, result)
            except TaskFailure as e:
                failure = e
        info = None if state == states.SUCCESS else _error_text(result)
        step.draft.update(ACTIONS, action_ex["id"], state=state, state_info=info, output={"result": result})
        if task_ex is None or wf_ex is None or states.is_completed(wf_ex["state"]):
            return
        if task_ex["state"] not in (states.RUNNING, states.PAUSED):
            return
        if failure is not None:
            self.fail_task(step, wf_ex, task_ex, failure)
            return
        siblings = [a for a in self.rows.actions_of(task_ex["id"]) if a.get("accepted", True)]
        if any(a["state"] in states.ACTIVE for a in siblings):
            return
        final = states.CANCELLED if any(a["state"] == states.CANCELLED for a in siblings) else (
            states.ERROR if any(a["state"] == states.ERROR for a in siblings) else states.SUCCESS)
        info = None if final == states.SUCCESS else _error_text(
            next(a for a in reversed(siblings) if a["state"] == final)["output"]["result"])
        log.info("task completed", execution_id=wf_ex["id"], task=task_ex["name"], state=final)
        self.complete_task(step, wf_ex, task_ex, final, info)


def _error_text(result: Any) -> str:
    return result if isinstance(result, str) else str(result)
