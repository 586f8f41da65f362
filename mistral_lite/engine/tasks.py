"""Task executions: start one, complete one, follow its transitions."""

from __future__ import annotations

from typing import Any, Mapping

from mistral_lite.engine import states
from mistral_lite.engine.actions import ActionCatalog, start_action
from mistral_lite.engine.data_flow import merge, outbound
from mistral_lite.engine.errors import TaskFailure
from mistral_lite.engine.rows import TASKS, WF
from mistral_lite.engine.step import Step
from mistral_lite.engine.transitions import Fired, Plan, arrange, candidate_clauses, publish_blocks
from mistral_lite.lang.specs import TaskSpec, Target, WorkflowSpec
from mistral_lite.lang.values import is_expression
from mistral_lite.node import DEFAULT_PROJECT


class TaskLifecycle:
    """Mixed into Engine; relies on its workflow methods (start_subworkflow, check_completion, ...)."""

    catalog: ActionCatalog

    # -- start ---------------------------------------------------------------
    def run_task(self, step: Step, wf_ex: dict[str, Any], task: TaskSpec, inbound: Mapping[str, Any],
                 triggered_by: dict[str, str] | None = None) -> dict[str, Any] | None:
        """Create a task execution and start its action or sub-workflow."""
        if states.is_completed(wf_ex["state"]):
            return None
        if wf_ex["state"] == states.PAUSED:
            self.add_to_backlog(step, wf_ex, task.name, inbound, triggered_by)
            return None
        spec = self.spec_of(wf_ex)
        task_ex = step.draft.insert(TASKS, {
            "id": step.draft.new_id(),
            "name": task.name,
            "workflow_execution_id": wf_ex["id"],
            "workflow_name": wf_ex["workflow_name"],
            "workflow_namespace": wf_ex.get("workflow_namespace") or "",
            "workflow_id": wf_ex.get("workflow_id"),
            "spec": (wf_ex.get("spec") or {}).get("tasks", {}).get(task.name) if spec else None,
            "type": task.kind,
            "state": states.RUNNING,
            "state_info": None,
            "tags": list(task.tags) or None,
            "runtime_context": {"triggered_by": [triggered_by] if triggered_by else []},
            "in_context": dict(inbound),
            "published": {},
            "processed": False,
            "error_handled": False,
            "project_id": DEFAULT_PROJECT,
            "created_at": step.now,
            "updated_at": step.now,
            "started_at": step.now,
            "finished_at": None,
        })
        try:
            self._dispatch(step, wf_ex, task_ex, task)
        except TaskFailure as failure:
            self.fail_task(step, wf_ex, task_ex, failure)
        return task_ex

    def _dispatch(self, step: Step, wf_ex: dict[str, Any], task_ex: dict[str, Any], task: TaskSpec) -> None:
        inbound = task_ex["in_context"]
        params = step.evaluate(task.input, wf_ex, inbound=inbound, task_ex=task_ex, what=f"the input of task {task.name}")
        if not isinstance(params, dict):
            raise TaskFailure(f"Wrong dynamic input for task {task.name}: expected a mapping, got {params!r}")
        if task.workflow is not None:
            name = self._name(step, wf_ex, task_ex, task.workflow, "workflow")
            self.start_subworkflow(step, wf_ex, task_ex, name, params)
        else:
            name = self._name(step, wf_ex, task_ex, task.action_name, "action")
            start_action(step, self.catalog, wf_ex, task_ex, task, name, params)

    def _name(self, step: Step, wf_ex, task_ex, name: str, what: str) -> str:
        if not is_expression(name):
            return name
        value = step.evaluate(name, wf_ex, inbound=task_ex["in_context"], task_ex=task_ex, what=f"the {what} name")
        if not isinstance(value, str) or not value:
            raise TaskFailure(f"The {what} name expression {name} gave {value!r}, not a name")
        return value

    # -- failure -------------------------------------------------------------
    def fail_task(self, step: Step, wf_ex: dict[str, Any], task_ex: dict[str, Any], failure: TaskFailure) -> None:
        """A task that cannot run: forced failures end the workflow at once, others go through on-error."""
        if not failure.force:
            self.complete_task(step, wf_ex, task_ex, states.ERROR, failure.message)
            return
        info = f"Failed to run task [error={failure.message}, wf={wf_ex['workflow_name']}, task={task_ex['name']}]"
        step.draft.update(TASKS, task_ex["id"], state=states.ERROR, state_info=info, finished_at=step.now,
                          processed=True)
        self.finish_workflow(step, step.rows.get(WF, wf_ex["id"]), states.ERROR, info)

    # -- completion ----------------------------------------------------------
    def complete_task(self, step: Step, wf_ex: dict[str, Any], task_ex: dict[str, Any], state: str,
                      state_info: str | None) -> None:
        """Record the outcome, publish, and follow the transitions that fire."""
        if states.is_completed(task_ex["state"]) and task_ex.get("processed"):
            return
        task = self.spec_of(wf_ex).tasks[task_ex["name"]]
        task_ex = step.draft.update(TASKS, task_ex["id"], state=state, state_info=state_info, finished_at=step.now)
        try:
            published = self._publish(step, wf_ex, task_ex, task, state)
            fired = self._fired(step, wf_ex, task_ex, task, state, published)
        except TaskFailure as failure:
            self.fail_task(step, wf_ex, task_ex, failure)
            return
        error_handled = state == states.ERROR and any(f.handles_error for f in fired)
        plan = arrange(fired)
        # A task that starts no other task ends a branch: its context goes into the workflow output.
        has_next = plan.starts_tasks()
        step.draft.update(
            TASKS, task_ex["id"], processed=True, error_handled=error_handled,
            runtime_context={**(task_ex.get("runtime_context") or {}), "has_next": has_next},
        )
        self._follow(step, wf_ex, step.rows.get(TASKS, task_ex["id"]), plan)
        self.check_completion(step, step.rows.get(WF, wf_ex["id"]))

    def _publish(self, step: Step, wf_ex, task_ex, task: TaskSpec, state: str) -> dict[str, Any]:
        branch, global_ = publish_blocks(task, state)
        if not branch and not global_:
            return {}
        inbound = task_ex.get("in_context") or {}
        what = f"the publish of task {task.name}"
        published = step.evaluate(branch, wf_ex, inbound=inbound, task_ex=task_ex, what=what) if branch else {}
        if global_:
            new_globals = step.evaluate(global_, wf_ex, inbound=inbound, task_ex=task_ex, what=what)
            step.draft.update(WF, wf_ex["id"], context=merge(wf_ex.get("context") or {}, new_globals))
        step.draft.update(TASKS, task_ex["id"], published=published)
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
        if command.name == "fail":
            self.finish_workflow(step, wf_now, states.ERROR, msg)
        elif command.name == "succeed":
            self.finish_workflow(step, wf_now, states.SUCCESS, msg)
        elif command.name == "pause":
            self.pause_workflow(step, wf_now)
            for item in plan.backlog:
                if not item.target.is_command:
                    self.add_to_backlog(step, step.rows.get(WF, wf_ex["id"]), item.target.name, ctx,
                                        {"task_id": task_ex["id"], "event": item.event})

    def task_spec(self, wf_ex, name: str) -> TaskSpec:
        spec: WorkflowSpec = self.spec_of(wf_ex)
        return spec.tasks[name]
