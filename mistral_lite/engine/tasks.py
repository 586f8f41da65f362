"""Task executions: start one, complete one, follow its transitions."""

from __future__ import annotations

from typing import Any, Mapping

from mistral_lite.engine import failure_messages, policies, states, timers
from mistral_lite.engine.actions import ActionCatalog, start_action
from mistral_lite.engine.data_flow import merge, outbound
from mistral_lite.engine.errors import TaskFailure
from mistral_lite.engine.limits import EngineLimits
from mistral_lite.engine.rows import ACTIONS, TASKS, TIMERS, WF
from mistral_lite.engine.step import Step
from mistral_lite.engine.transitions import Fired, Plan, arrange, candidate_clauses, publish_blocks
from mistral_lite.lang.specs import TaskSpec, Target
from mistral_lite.lang.values import is_expression
from mistral_lite.project import DEFAULT_PROJECT



class TaskLifecycle:
    """Mixed into Engine; relies on its workflow, join, with-items and reverse methods."""

    catalog: ActionCatalog
    limits: EngineLimits

    # -- start ---------------------------------------------------------------
    def new_task_execution(self, step: Step, wf_ex: dict[str, Any], task: TaskSpec, inbound: Mapping[str, Any],
                           triggered_by: dict[str, str] | None, state: str,
                           state_info: str | None = None) -> dict[str, Any]:
        return step.draft.insert(TASKS, {
            "id": step.draft.new_id(),
            "name": task.name,
            "workflow_execution_id": wf_ex["id"],
            "workflow_name": wf_ex["workflow_name"],
            "workflow_namespace": wf_ex.get("workflow_namespace") or "",
            "workflow_id": wf_ex.get("workflow_id"),
            "spec": (wf_ex.get("spec") or {}).get("tasks", {}).get(task.name),
            "type": task.kind,
            "state": state,
            "state_info": state_info,
            "tags": list(task.tags) or None,
            "runtime_context": {"triggered_by": [triggered_by] if triggered_by else []},
            "in_context": dict(inbound),
            "published": {},
            "processed": False,
            "error_handled": False,
            "project_id": DEFAULT_PROJECT,
            "created_at": step.now,
            "updated_at": step.now,
            "started_at": step.now if state == states.RUNNING else None,
            "finished_at": None,
        })

    def run_task(self, step: Step, wf_ex: dict[str, Any], task: TaskSpec, inbound: Mapping[str, Any],
                 triggered_by: dict[str, str] | None = None) -> dict[str, Any] | None:
        """A transition (or the start) reaches a task: create its execution and begin it."""
        if states.is_completed(wf_ex["state"]):
            return None
        if task.join is not None:
            return self.arrive_at_join(step, wf_ex, task, inbound, triggered_by)
        if wf_ex["state"] == states.PAUSED:
            self.add_to_backlog(step, wf_ex, task.name, inbound, triggered_by)
            return None
        task_ex = self.new_task_execution(step, wf_ex, task, inbound, triggered_by, states.RUNNING)
        step.defer(lambda: self._begin_created(step, wf_ex["id"], task_ex["id"], task))
        return task_ex

    def _begin_created(self, step: Step, wf_id: str, task_id: str, task: TaskSpec) -> None:
        """Begin a task created earlier in this step, unless its workflow or the task moved on meanwhile."""
        wf_ex, task_ex = step.rows.get(WF, wf_id), step.rows.get(TASKS, task_id)
        if wf_ex is None or task_ex is None:
            return
        if states.is_completed(wf_ex["state"]) and wf_id not in step.left_running:
            return
        if _chained(step, task_ex):
            # Started by a task that began in this very step, so ended at once: tasks that end the moment
            # they start, leading to each other for ever (say a task whose on-error starts itself), are
            # stopped instead of spinning without end. Tasks started by an action's result (a fan-out of
            # any width) or by the workflow's start do not count.
            step.started[wf_id] = step.started.get(wf_id, 0) + 1
            if step.started[wf_id] > self.limits.max_task_starts_per_step:
                limit = self.limits.max_task_starts_per_step
                self.finish_workflow(step, wf_ex, states.ERROR,
                                     f"Stopped after {limit} tasks started in one step by tasks that ended as soon as "
                                     f"they started: a loop of tasks that end as soon as they start? (last: "
                                     f"{task.name}; the limit is the max-task-starts-per-step option, {limit})")
                return
        if task_ex["state"] == states.RUNNING:
            self.begin_task(step, wf_ex, task_ex, task)

    def begin_task(self, step: Step, wf_ex: dict[str, Any], task_ex: dict[str, Any], task: TaskSpec,
                   before_policies: bool = True) -> None:
        """Apply pause-before and wait-before, then start the work; a failure here fails the task."""
        step.begun.add(task_ex["id"])
        try:
            if before_policies:
                if policies.flag(step, wf_ex, task_ex, task.policies.pause_before, "pause-before"):
                    step.draft.update(TASKS, task_ex["id"], state=states.IDLE,
                                      state_info="Set by 'pause-before' policy")
                    self.pause_workflow(step, step.rows.get(WF, wf_ex["id"]))
                    return
                delay = policies.count(step, wf_ex, task_ex, task.policies.wait_before, "wait-before")
                if delay:
                    task_ex = step.draft.update(TASKS, task_ex["id"], state=states.DELAYED,
                                                state_info=f"Delayed by 'wait-before' policy [delay={delay}]")
                    timers.arm(step, "wait-before", task_ex, delay)
                    return
            self.start_work(step, wf_ex, task_ex, task)
        except TaskFailure as failure:
            self.fail_task(step, step.rows.get(WF, wf_ex["id"]), step.rows.get(TASKS, task_ex["id"]), failure)

    def start_work(self, step: Step, wf_ex: dict[str, Any], task_ex: dict[str, Any], task: TaskSpec) -> None:
        """Run the task's action, sub-workflow or items (raises TaskFailure)."""
        if task_ex["state"] != states.RUNNING:
            task_ex = step.draft.update(TASKS, task_ex["id"], state=states.RUNNING, state_info=None,
                                        started_at=task_ex.get("started_at") or step.now)
        timeout = policies.count(step, wf_ex, task_ex, task.policies.timeout, "timeout")
        if timeout and not _has_timer(step, task_ex, "timeout"):
            timers.arm(step, "timeout", task_ex, timeout, {"seconds": timeout})
        if task.policies.retry is not None:
            # Mistral evaluates policy values as the task starts: a bad retry expression fails it before it runs.
            policies.count(step, wf_ex, task_ex, task.policies.retry.count, "retry count")
            policies.count(step, wf_ex, task_ex, task.policies.retry.delay, "retry delay")
        if task.with_items is not None:
            self.start_items(step, wf_ex, task_ex, task)
        else:
            self.start_item(step, wf_ex, task_ex, task, None, {})

    def start_item(self, step: Step, wf_ex: dict[str, Any], task_ex: dict[str, Any], task: TaskSpec,
                   index: int | None, item: Mapping[str, Any]) -> None:
        """One action execution or sub-workflow for the task (one per item with with-items)."""
        params = step.evaluate(task.input, wf_ex, inbound=task_ex["in_context"], extra=item, task_ex=task_ex,
                               what=f"the input of task {task.name}")
        if not isinstance(params, dict):
            raise TaskFailure(f"Wrong dynamic input for task {task.name}: expected a mapping, got {params!r}")
        self.limits.check_input(task.name, task.workflow is not None, params)
        timeout = policies.count(step, wf_ex, task_ex, task.policies.timeout, "timeout") or None
        if task.workflow is not None:
            name = self._name(step, wf_ex, task_ex, task.workflow, "workflow")
            self.start_subworkflow(step, wf_ex, task_ex, name, params, index)
        else:
            name = self._name(step, wf_ex, task_ex, task.action_name, "action")
            start_action(step, self.catalog, wf_ex, task_ex, task, name, params, index or 0, timeout)

    def _name(self, step: Step, wf_ex, task_ex, name: str, what: str) -> str:
        if not is_expression(name):
            return name
        value = step.evaluate(name, wf_ex, inbound=task_ex["in_context"], task_ex=task_ex, what=f"the {what} name")
        if not isinstance(value, str) or not value:
            raise TaskFailure(f"The {what} name expression {name} gave {value!r}, not a name")
        return value

    # -- failure -------------------------------------------------------------
    def fail_task(self, step: Step, wf_ex: dict[str, Any], task_ex: dict[str, Any], failure: TaskFailure,
                  *, on_completion: bool = False) -> None:
        """A task that cannot run (or, `on_completion`, cannot handle its finished action): forced failures end
        the workflow at once, others go through on-error."""
        if not failure.force:
            self.complete_task(step, wf_ex, task_ex, states.ERROR, failure.described())
            return
        if on_completion:
            info = failure_messages.completion_failure(wf_ex, task_ex, self._last_run_name(step, task_ex), failure)
        else:
            info = failure_messages.run_failure(wf_ex, task_ex, failure)
        step.draft.update(TASKS, task_ex["id"], state=states.ERROR, state_info=info, finished_at=step.now,
                          processed=True)
        self.finish_workflow(step, step.rows.get(WF, wf_ex["id"]), states.ERROR, info)

    def _last_run_name(self, step: Step, task_ex: Mapping[str, Any]) -> str | None:
        """The name of the task's latest action execution or sub-workflow (Mistral names it on completion errors)."""
        runs = [a["name"] for a in step.rows.actions_of(task_ex["id"])] or [
            c["workflow_name"] for c in step.rows.subworkflows_of(task_ex["id"])]
        return runs[-1] if runs else None

    # -- completion ----------------------------------------------------------
    def complete_task(self, step: Step, wf_ex: dict[str, Any], task_ex: dict[str, Any], state: str,
                      state_info: str | None, *, after_wait: bool = False, check: bool = True) -> None:
        """Record the outcome, publish, apply fail-on, retry and wait-after, then follow the transitions."""
        if states.is_completed(task_ex["state"]) and task_ex.get("processed"):
            return
        task = self.spec_of(wf_ex).tasks[task_ex["name"]]
        if states.is_completed(step.rows.get(WF, wf_ex["id"])["state"]):
            self._complete_late(step, wf_ex, task_ex, task, state, state_info)
            return
        task_ex = step.draft.update(TASKS, task_ex["id"], state=state, state_info=state_info, finished_at=step.now)
        try:
            published = self._publish(step, wf_ex, task_ex, task, state)
            if state == states.SUCCESS and policies.flag(step, wf_ex, task_ex, task.policies.fail_on, "fail-on"):
                state, state_info = states.ERROR, "Failed by 'fail-on' policy"
                task_ex = step.draft.update(TASKS, task_ex["id"], state=state, state_info=state_info)
            if not after_wait and self._delayed_after(step, wf_ex, task_ex, task, state, state_info, published):
                return
            if not policies.flag(step, wf_ex, task_ex, task.keep_result, "keep-result"):
                self._forget_results(step, task_ex)
            fired = self._fired(step, wf_ex, task_ex, task, state, published)
        except TaskFailure as failure:
            self.fail_task(step, step.rows.get(WF, wf_ex["id"]), step.rows.get(TASKS, task_ex["id"]), failure,
                           on_completion=True)
            return
        timers.disarm_task(step, task_ex)
        error_handled = state == states.ERROR and any(f.handles_error for f in fired)
        plan = arrange(fired)
        # A task that starts no other task ends a branch: its context goes into the workflow output.
        step.draft.update(
            TASKS, task_ex["id"], processed=True, error_handled=error_handled,
            runtime_context={**(task_ex.get("runtime_context") or {}), "has_next": self._names_a_task(wf_ex, fired)},
        )
        wf_now = step.rows.get(WF, wf_ex["id"])
        if self.spec_of(wf_ex).type == "reverse":
            if state == states.SUCCESS:
                self.run_ready_reverse(step, wf_now)
        else:
            self._follow(step, wf_now, step.rows.get(TASKS, task_ex["id"]), plan)
        if check:
            self.check_completion(step, step.rows.get(WF, wf_ex["id"]))

    def _complete_late(self, step: Step, wf_ex, task_ex, task: TaskSpec, state: str,
                       state_info: str | None) -> None:
        """A task that a fail or succeed command left running finishes: its outcome and publish are
        recorded, nothing it would start runs (Mistral no longer follows a finished workflow)."""
        task_ex = step.draft.update(TASKS, task_ex["id"], state=state, state_info=state_info,
                                    finished_at=step.now, processed=True)
        try:
            self._publish(step, wf_ex, task_ex, task, state)
        except TaskFailure as failure:
            step.draft.update(TASKS, task_ex["id"], state=states.ERROR, state_info=failure.message)
        timers.disarm_task(step, task_ex)

    def _delayed_after(self, step: Step, wf_ex, task_ex, task: TaskSpec, state: str, state_info: str | None,
                       published: Mapping[str, Any]) -> bool:
        """retry, then wait-after: True when the task goes DELAYED instead of completing now."""
        delay = self._retry_delay(step, wf_ex, task_ex, task, state, published)
        if delay is not None:
            self._retry(step, wf_ex, task_ex, task, delay)
            return True
        wait = policies.count(step, wf_ex, task_ex, task.policies.wait_after, "wait-after")
        if wait:
            task_ex = step.draft.update(TASKS, task_ex["id"], state=states.DELAYED,
                                        state_info=f"Delayed by 'wait-after' policy [delay={wait}]")
            timers.arm(step, "wait-after", task_ex, wait, {"state": state, "state_info": state_info})
            return True
        return False

    def _retry_delay(self, step: Step, wf_ex, task_ex, task: TaskSpec, state: str,
                     published: Mapping[str, Any]) -> int | None:
        """Mistral's rule: retry while attempts remain, unless success without continue-on,
        continue-on false (even on error), or break-on true on error."""
        retry = task.policies.retry
        if retry is None or state == states.CANCELLED:
            return None
        done = _retry_no(task_ex)
        if done >= policies.count(step, wf_ex, task_ex, retry.count, "retry count"):
            return None
        if retry.continue_on is None and state == states.SUCCESS:
            return None
        if retry.continue_on is not None and not policies.flag(step, wf_ex, task_ex, retry.continue_on,
                                                              "retry continue-on", extra=published):
            return None
        if state == states.ERROR and retry.break_on is not None and policies.flag(
                step, wf_ex, task_ex, retry.break_on, "retry break-on", extra=published):
            return None
        return policies.count(step, wf_ex, task_ex, retry.delay, "retry delay")

    def _retry(self, step: Step, wf_ex, task_ex, task: TaskSpec, delay: int) -> None:
        self.unaccept_items(step, task_ex)
        runtime = {**(task_ex.get("runtime_context") or {}),
                   "retry_task_policy": {"retry_no": _retry_no(task_ex) + 1}}
        # The next attempt sees what this one published (a polling task counts its own attempts).
        task_ex = step.draft.update(TASKS, task_ex["id"], state=states.DELAYED, runtime_context=runtime,
                                    state_info=f"Delayed by 'retry' policy [delay={delay}]", finished_at=None,
                                    in_context=outbound(task_ex))
        if delay:
            timers.arm(step, "retry", task_ex, delay)
        else:
            self.start_work(step, wf_ex, task_ex, task)

    def _forget_results(self, step: Step, task_ex: Mapping[str, Any]) -> None:
        """keep-result: false — outputs are emptied once published (as in Mistral: task().result is null later)."""
        for action_ex in step.rows.actions_of(task_ex["id"]):
            step.draft.update(ACTIONS, action_ex["id"], output={})

    def _publish(self, step: Step, wf_ex, task_ex, task: TaskSpec, state: str) -> dict[str, Any]:
        block = publish_blocks(task, state)
        if block is None:
            return {}
        inbound = task_ex.get("in_context") or {}
        what = f"the publish of task {task.name}"
        published = step.evaluate(block.branch, wf_ex, inbound=inbound, task_ex=task_ex,
                                  what=what) if block.branch else {}
        self.limits.check_published(task.name, published)
        # Stored before the globals are evaluated: a failing global block keeps the branch values, as in
        # Mistral. A block without a branch scope leaves `published` null, as Mistral shows it.
        step.draft.update(TASKS, task_ex["id"], published=published if block.branch is not None else None)
        if block.global_:
            new_globals = step.evaluate(block.global_, wf_ex, inbound=inbound, task_ex=task_ex, what=what)
            self.limits.check_published(task.name, new_globals)
            step.draft.update(WF, wf_ex["id"], context=merge(wf_ex.get("context") or {}, new_globals))
        return published

    def _fired(self, step: Step, wf_ex, task_ex, task: TaskSpec, state: str, published) -> tuple[Fired, ...]:
        """Items whose conditions hold, in order, with their parameters evaluated."""
        fired: list[Fired] = []
        outbound_ctx = merge(task_ex.get("in_context") or {}, published)
        wf_now = step.rows.get(WF, wf_ex["id"])
        for event, clause in candidate_clauses(task, state):
            for target in clause.targets if clause else ():
                if target.condition is not None:
                    verdict = step.evaluate(target.condition, wf_now, inbound=outbound_ctx, task_ex=task_ex,
                                            what=f"the condition of '{target.name}' in task {task.name}")
                    if not verdict:
                        continue
                params = step.evaluate(target.params, wf_now, inbound=outbound_ctx, task_ex=task_ex,
                                       what=f"the parameters of '{target.name}'") if target.params else {}
                fired.append(Fired(Target(target.name, target.condition, params), event))
        return tuple(fired)

    def _succeed(self, step: Step, wf_ex, task_ex, msg: str | None) -> None:
        """The succeed command; an output that cannot be evaluated fails the task that gave the command
        and the workflow, worded as Mistral words a failure while handling the task's completion."""
        task = self.spec_of(wf_ex).tasks[task_ex["name"]]
        action = None if task.workflow is not None else task.action_name

        def failure(cause: TaskFailure) -> str:
            return failure_messages.completion_failure(wf_ex, task_ex, action, cause)

        self.finish_workflow(step, wf_ex, states.SUCCESS, msg, abandon=False, output_failure=failure)
        wf_now = step.rows.get(WF, wf_ex["id"])
        if wf_now["state"] == states.ERROR:
            step.draft.update(TASKS, task_ex["id"], state=states.ERROR, state_info=wf_now["state_info"])

    def _names_a_task(self, wf_ex, fired: tuple[Fired, ...]) -> bool:
        """Whether any fired item, even one dropped after fail/succeed, names a task of the workflow:
        Mistral then does not count this task as an end task for the workflow's output."""
        tasks = self.spec_of(wf_ex).tasks
        return any(f.target.name in tasks for f in fired)

    def _follow(self, step: Step, wf_ex, task_ex, plan: Plan) -> None:
        spec = self.spec_of(wf_ex)
        ctx = outbound(task_ex)
        for item in plan.run_now:
            if not item.target.is_command:
                self.run_task(step, step.rows.get(WF, wf_ex["id"]), spec.tasks[item.target.name], ctx,
                              {"task_id": task_ex["id"], "event": item.event})
        if plan.command is None:
            return
        command = plan.command.target
        wf_now = step.rows.get(WF, wf_ex["id"])
        msg = command.params.get("msg")
        if msg is not None and not isinstance(msg, str):
            msg = str(msg)  # Mistral stores the message as text: `fail msg=42` gives "42"
        if command.name == "fail":
            self.finish_workflow(step, wf_now, states.ERROR, msg, abandon=False)
        elif command.name == "succeed":
            self._succeed(step, wf_now, task_ex, msg)
        elif command.name == "pause":
            self.pause_workflow(step, wf_now)
            for item in plan.backlog:
                if not item.target.is_command:
                    self.add_to_backlog(step, step.rows.get(WF, wf_ex["id"]), item.target.name, ctx,
                                        {"task_id": task_ex["id"], "event": item.event})



def _chained(step: Step, task_ex: Mapping[str, Any]) -> bool:
    """Whether a task that fired a transition to this one began in the current step."""
    return any(t.get("task_id") in step.begun for t in (task_ex.get("runtime_context") or {}).get("triggered_by") or ())


def _retry_no(task_ex: Mapping[str, Any]) -> int:
    return ((task_ex.get("runtime_context") or {}).get("retry_task_policy") or {}).get("retry_no", 0)


def _has_timer(step: Step, task_ex: Mapping[str, Any], kind: str) -> bool:
    return any(t["kind"] == kind for t in step.rows.children(TIMERS, task_ex["id"]))
