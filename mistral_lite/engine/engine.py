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
from mistral_lite.engine.errors import InvalidWorkflowInput, NotFoundError, StateConflict, TaskFailure
from mistral_lite.engine.events import (
    ActionFinished,
    Event,
    PauseWorkflow,
    RerunTask,
    ResumeWorkflow,
    StartWorkflow,
    StopWorkflow,
    TimerFired,
)
from mistral_lite.engine.rows import ACTIONS, TASKS, TIMERS, WF, WF_DEFS, Draft, Rows
from mistral_lite.engine.step import Step, StepResult
from mistral_lite.engine.joins import Joins
from mistral_lite.engine.limits import EngineLimits
from mistral_lite.engine.reverse import ReverseFlow
from mistral_lite.engine.tasks import TaskLifecycle
from mistral_lite.engine.with_items import WithItems
from mistral_lite.engine.workflows import WorkflowLifecycle
from mistral_lite.lang.specs import WorkflowSpec

log = logs.get("mistral_lite.engine")

STOP_STATES = (states.SUCCESS, states.ERROR, states.CANCELLED)
# States of an action execution that still accepts its result.
RESULT_STATES = (states.RUNNING, states.PAUSED)


class Engine(WorkflowLifecycle, TaskLifecycle, WithItems, Joins, ReverseFlow):
    def __init__(self, rows: Rows, catalog: ActionCatalog,
                 limits: EngineLimits = EngineLimits()) -> None:
        self.rows = rows
        self.catalog = catalog
        self.limits = limits
        self._specs: dict[str, WorkflowSpec] = {}

    def step(self, event: Event, ids: Iterator[str], now: str) -> StepResult:
        """Handle one event. On an error nothing changes: the rows are restored and it re-raises."""
        draft = Draft(self.rows, ids, now)
        step = Step(draft)
        try:
            self._handle(step, event)
            step.run_deferred()
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
            if self.rows.get(WF, event.execution_id) is not None:
                # A second start of a live execution would replace its tasks in memory while the first
                # one's actions still run; the id is taken, whoever asks.
                raise StateConflict(f"Workflow execution already exists [id={event.execution_id}]")
            definition = self.rows.get(WF_DEFS, event.definition_id)
            if definition is None:
                raise NotFoundError(f"Workflow not found [workflow_identifier={event.definition_id}]")
            self.start_workflow(step, event.execution_id, definition, dict(event.input), dict(event.params),
                                event.description)
            log.info("execution started", execution_id=event.execution_id, workflow=definition["name"])
        elif isinstance(event, ActionFinished):
            self.action_finished(step, event)
        elif isinstance(event, TimerFired):
            self.timer_fired(step, event)
        elif isinstance(event, RerunTask):
            self.rerun_task(step, event)
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
        if action_ex is None or action_ex["state"] not in RESULT_STATES:
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
        # Mistral leaves an action execution's state_info empty: its error is its output's result.
        info = None
        # Stored only if the action is still open there too: a second result of it (a deposed leader's,
        # a retried callback) is then refused with everything it would have started.
        step.draft.update_expecting(ACTIONS, action_ex["id"], {"state": list(RESULT_STATES)},
                                    state=state, state_info=info, output={"result": result})
        if task_ex is None or wf_ex is None:
            return
        # A task still RUNNING under a finished workflow was left to finish by a fail/succeed command.
        if task_ex["state"] not in (states.RUNNING, states.PAUSED):
            return
        if failure is not None:
            self.fail_task(step, wf_ex, task_ex, failure, on_completion=True)
            return
        if (task_ex.get("runtime_context") or {}).get("with_items"):
            self.item_finished(step, wf_ex, task_ex)
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


    def timer_fired(self, step: Step, event: TimerFired) -> None:
        timer = self.rows.get(TIMERS, event.timer_id)
        if timer is None:
            return  # its task finished first
        step.draft.delete(TIMERS, timer["id"])
        task_ex = self.rows.get(TASKS, timer["target_id"])
        wf_ex = self.rows.get(WF, timer["workflow_execution_id"])
        if task_ex is None or wf_ex is None or states.is_completed(wf_ex["state"]):
            return
        task = self.spec_of(wf_ex).tasks[task_ex["name"]]
        log.info("timer fired", execution_id=wf_ex["id"], task=task_ex["name"], kind=timer["kind"])
        if timer["kind"] in ("wait-before", "retry") and task_ex["state"] == states.DELAYED:
            try:
                self.start_work(step, wf_ex, task_ex, task)
            except TaskFailure as failure:
                self.fail_task(step, wf_ex, self.rows.get(TASKS, task_ex["id"]), failure)
        elif timer["kind"] == "wait-after" and task_ex["state"] == states.DELAYED:
            payload = timer.get("payload") or {}
            self.complete_task(step, wf_ex, task_ex, payload.get("state", states.SUCCESS), payload.get("state_info"),
                               after_wait=True)
        elif timer["kind"] == "timeout" and task_ex["state"] in (states.RUNNING, states.DELAYED):
            seconds = (timer.get("payload") or {}).get("seconds")
            self.abandon_task_work(step, task_ex, f"Task timed out [timeout(s)={seconds}].")
            self.complete_task(step, wf_ex, self.rows.get(TASKS, task_ex["id"]), states.ERROR,
                               f"Task timed out [timeout(s)={seconds}].")
        self.check_completion(step, self.rows.get(WF, wf_ex["id"]))

    def rerun_task(self, step: Step, event: RerunTask) -> None:
        """Run a failed task again; the workflow (and its ancestors) go back to RUNNING."""
        task_ex = self.rows.get(TASKS, event.task_execution_id)
        if task_ex is None:
            raise NotFoundError(f"Task execution not found [id={event.task_execution_id}]")
        if task_ex["state"] != states.ERROR:
            raise StateConflict("The current task execution must be in ERROR for rerun."
                                " Only updating task to rerun is supported.")  # Mistral's words
        wf_ex = self.rows.get(WF, task_ex["workflow_execution_id"])
        if wf_ex["state"] == states.PAUSED:
            return  # as in Mistral: a rerun while paused is ignored
        task = self.spec_of(wf_ex).tasks[task_ex["name"]]
        if not event.reset and task.with_items is None:
            raise InvalidWorkflowInput("Only with-items task has the option to not reset.")
        self.reopen(step, wf_ex)
        if event.env:
            params = dict(wf_ex.get("params") or {})
            params["env"] = {**(params.get("env") or {}), **event.env}
            step.draft.update(WF, wf_ex["id"], params=params)
        wf_ex = self.rows.get(WF, wf_ex["id"])
        runtime = {k: v for k, v in (task_ex.get("runtime_context") or {}).items()
                   if k not in ("retry_task_policy", "has_next")}
        task_ex = step.draft.update(TASKS, task_ex["id"], state=states.RUNNING, state_info=None, finished_at=None,
                                    processed=False, error_handled=False, published={}, runtime_context=runtime,
                                    started_at=step.now)
        log.info("task rerun", execution_id=wf_ex["id"], task=task_ex["name"], reset=event.reset)
        try:
            if task.with_items is not None and not event.reset:
                self.unaccept_items(step, task_ex, only_failed=True)
                self.start_next_items(step, wf_ex, task_ex, task)
            else:
                self.unaccept_items(step, task_ex)
                self.start_work(step, wf_ex, task_ex, task)
        except TaskFailure as failure:
            self.fail_task(step, wf_ex, self.rows.get(TASKS, task_ex["id"]), failure)
        self.check_completion(step, self.rows.get(WF, wf_ex["id"]))

    def abandon_task_work(self, step: Step, task_ex: dict[str, Any], reason: str) -> None:
        """Running actions and sub-workflows of a task that gave up: cancelled, their late results ignored."""
        for action_ex in self.rows.actions_of(task_ex["id"]):
            if action_ex["state"] in states.ACTIVE:
                step.draft.update(ACTIONS, action_ex["id"], state=states.CANCELLED, state_info=reason)
        for child in self.rows.subworkflows_of(task_ex["id"]):
            if child["state"] in states.ACTIVE:
                self.finish_workflow(step, child, states.CANCELLED, reason, notify_parent=False)
                # Its output is no result of the task (Mistral shows [] for a task that gave up on its child).
                ended = self.rows.get(WF, child["id"])
                step.draft.update(WF, child["id"],
                                  runtime_context={**(ended.get("runtime_context") or {}), "accepted": False})


def _error_text(result: Any) -> str | None:
    # Mistral: an empty result (None, "", {}, 0) gives the failed or cancelled task no state_info.
    if not result:
        return None
    return result if isinstance(result, str) else str(result)
