"""Workflow executions: start, finish with output, pause, resume, stop; sub-workflows."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from mistral_lite.engine import failure_messages, states
from mistral_lite.engine.data_flow import env_of, merge_all, outbound
from mistral_lite.engine.errors import InvalidWorkflowInput, NotFoundError, StateConflict, TaskFailure, UnfinishableStop
from mistral_lite.engine.limits import EngineLimits
from mistral_lite.engine.reverse import target_of
from mistral_lite.engine.rows import ACTIONS, ENVIRONMENTS, TASKS, TIMERS, WF, WF_DEFS
from mistral_lite.engine.step import Step
from mistral_lite.expr import ExpressionError, PlainView, evaluate
from mistral_lite.lang.documents import workflow_spec
from mistral_lite.lang.inputs import InputMismatch, check_supplied, workflow_class
from mistral_lite.lang.specs import WorkflowSpec
from mistral_lite.project import DEFAULT_PROJECT

# Keys a caller may pass to a sub-workflow that are execution parameters, not input.
PARAM_KEYS = ("env", "task_name", "notify", "evaluate_env", "namespace")
STATE_INFO_LIMIT = 65_000


class WorkflowLifecycle:
    """Mixed into Engine; relies on its task methods (run_task, complete_task)."""

    _specs: dict[str, WorkflowSpec]
    limits: EngineLimits

    def spec_of(self, wf_ex: Mapping[str, Any]) -> WorkflowSpec:
        spec = self._specs.get(wf_ex["id"])
        if spec is None:
            spec = workflow_spec(wf_ex["workflow_name"], wf_ex["spec"])
            self._specs[wf_ex["id"]] = spec
        return spec

    # -- start ---------------------------------------------------------------
    def start_workflow(self, step: Step, execution_id: str, definition: Mapping[str, Any], supplied: dict[str, Any],
                       params: dict[str, Any], description: str = "",
                       parent_task: Mapping[str, Any] | None = None, index: int | None = None) -> dict[str, Any]:
        spec = workflow_spec(definition["name"], definition["spec"])
        wf_input = self._check_input(spec, supplied)
        if spec.type == "reverse":
            target_of(spec, params)
        params = {**params, "namespace": definition.get("namespace") or ""}
        params["env"] = self._environment(step, params)
        parent_wf = step.rows.get(WF, parent_task["workflow_execution_id"]) if parent_task else None
        wf_ex = step.draft.insert(WF, {
            "id": execution_id,
            "workflow_name": definition["name"],
            "workflow_id": definition["id"],
            "workflow_namespace": definition.get("namespace") or "",
            "description": description or "",
            "spec": definition["spec"],
            "state": states.RUNNING,
            "state_info": None,
            "tags": list(spec.tags) or [],
            "input": wf_input,
            "output": {},
            "params": params,
            "context": {},
            "runtime_context": {} if index is None else {"index": index, "accepted": True},
            "published_global": None,
            "task_execution_id": parent_task["id"] if parent_task else None,
            "root_execution_id": (parent_wf.get("root_execution_id") or parent_wf["id"]) if parent_wf else None,
            "project_id": DEFAULT_PROJECT,
            "created_at": step.now,
            "updated_at": step.now,
            "finished_at": None,
        })
        self._specs[execution_id] = spec
        if spec.vars:
            try:
                context = evaluate(spec.vars, {**wf_input, "__env": params["env"]}, PlainView(env=params["env"]))
            except ExpressionError as e:
                self.finish_workflow(step, wf_ex, states.ERROR, f"Failed to evaluate vars: {e}")
                return step.rows.get(WF, execution_id)
            wf_ex = step.draft.update(WF, execution_id, context=context)
        self.start_tasks(step, wf_ex, spec, params)
        self.check_completion(step, step.rows.get(WF, execution_id))
        return step.rows.get(WF, execution_id)

    def start_tasks(self, step: Step, wf_ex: dict[str, Any], spec: WorkflowSpec, params: Mapping[str, Any]) -> None:
        if spec.type == "reverse":
            self.start_reverse(step, wf_ex, spec)
            return
        for name in spec.start_tasks():
            self.run_task(step, step.rows.get(WF, wf_ex["id"]), spec.tasks[name], {})

    def _check_input(self, spec: WorkflowSpec, supplied: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return check_supplied(spec.input, supplied, spec.name, workflow_class(spec.type))
        except InputMismatch as e:
            raise InvalidWorkflowInput(str(e)) from None

    def _environment(self, step: Step, params: Mapping[str, Any]) -> dict[str, Any]:
        """params.env: a mapping, or the name of a stored environment; expressions evaluated once."""
        env = params.get("env") or {}
        if isinstance(env, str):
            found = step.rows.find(ENVIRONMENTS, name=env)
            if not found:
                raise InvalidWorkflowInput(f"Environment is not found: {env}")  # Mistral: 400, these words
            env = found[0].get("variables") or {}
        if not isinstance(env, dict):
            raise InvalidWorkflowInput(f"env must be a mapping or an environment name, got {env!r}")
        if params.get("evaluate_env", True) is False:
            return env
        try:
            return evaluate(env, {"__env": env}, PlainView(env=env))
        except ExpressionError as e:
            raise InvalidWorkflowInput(f"Failed to evaluate env: {e}") from None

    def start_subworkflow(self, step: Step, wf_ex: dict[str, Any], task_ex: dict[str, Any], name: str,
                          supplied: dict[str, Any], index: int | None = None) -> None:
        self.limits.check_depth(step.rows, wf_ex, name)
        definition = self.find_workflow(step, wf_ex, name)
        spec = workflow_spec(definition["name"], definition["spec"])
        declared = {p.name for p in spec.input}
        # Undeclared keys become execution parameters, as in Mistral (env, task_name, ...).
        wf_input = {k: v for k, v in supplied.items() if k in declared}
        extra = {k: v for k, v in supplied.items() if k not in declared}
        params = {k: v for k, v in extra.items() if k in PARAM_KEYS and k != "env"}
        params["env"] = env_of(wf_ex)  # sub-workflows see the root's environment
        params["evaluate_env"] = False
        try:
            # Mistral describes every execution a task starts with these words.
            self.start_workflow(step, step.draft.new_id(), definition, wf_input, params,
                                description="sub-workflow execution", parent_task=task_ex, index=index)
        except (InvalidWorkflowInput, NotFoundError) as e:
            raise TaskFailure(e.message, force=False) from None

    def find_workflow(self, step: Step, wf_ex: Mapping[str, Any], name: str) -> dict[str, Any]:
        """Workbook-local name first, then the parent's namespace, then the default one."""
        namespace = wf_ex.get("workflow_namespace") or ""
        own = step.rows.get(WF_DEFS, wf_ex.get("workflow_id"))
        workbook = own.get("workbook_name") if own else None
        for candidate in ([f"{workbook}.{name}"] if workbook else []) + [name]:
            for ns in dict.fromkeys([namespace, ""]):
                found = step.rows.find(WF_DEFS, name=candidate, namespace=ns)
                if found:
                    return found[0]
        raise TaskFailure(f"Failed to find workflow [name={name}] [namespace={namespace}]", force=False)

    # -- completion ----------------------------------------------------------
    def check_completion(self, step: Step, wf_ex: dict[str, Any]) -> None:
        """A running workflow with nothing left to run ends: CANCELLED, ERROR or SUCCESS."""
        if wf_ex is None or wf_ex["state"] != states.RUNNING:
            return
        self.refresh_joins(step, wf_ex)
        wf_ex = step.rows.get(WF, wf_ex["id"])
        if wf_ex["state"] != states.RUNNING:
            return
        rows = step.rows
        if rows.count(TASKS, wf_ex["id"], _is_active) or (wf_ex.get("runtime_context") or {}).get("backlog"):
            return
        cancelled = rows.tasks_of(wf_ex["id"], lambda state: state == states.CANCELLED)
        failed = [t for t in rows.tasks_of(wf_ex["id"], lambda state: state == states.ERROR)
                  if not t.get("error_handled")]
        if cancelled:
            self.finish_workflow(step, wf_ex, states.CANCELLED, f"Cancelled tasks: {', '.join(t['name'] for t in cancelled)}")
        elif failed:
            self.finish_workflow(step, wf_ex, states.ERROR, failure_info(step, failed))
        else:
            self.finish_workflow(step, wf_ex, states.SUCCESS, None)

    def final_context(self, step: Step, wf_ex: Mapping[str, Any]) -> dict[str, Any]:
        """Merge of the outbound contexts of the tasks that ended a branch (no next task).

        For a reverse workflow: the target task's outbound context.
        """
        spec = self.spec_of(wf_ex)
        if spec.type == "reverse":
            target = (wf_ex.get("params") or {}).get("task_name")
            done = step.rows.tasks_named(wf_ex["id"], target)
            return outbound(done[-1]) if done else {}
        return merge_all(outbound(t) for t in self.end_tasks(step, wf_ex))

    def end_tasks(self, step: Step, wf_ex: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The finished tasks that ended a branch: their contexts make the final context."""
        return [
            t for t in step.rows.tasks_of(wf_ex["id"])
            if states.is_completed(t["state"]) and not (t.get("runtime_context") or {}).get("has_next")
        ]

    def finish_workflow(self, step: Step, wf_ex: dict[str, Any], state: str, state_info: str | None,
                        notify_parent: bool = True, *, abandon: bool = True,
                        output_failure: Callable[[TaskFailure], str] | None = None) -> None:
        """End the workflow with its output.

        abandon=False (the fail and succeed engine commands): tasks still running are left to finish,
        as in Mistral; their transitions are not followed. output_failure: how to word a failure of
        the output evaluation (default: Mistral's "Failed to check and complete ...").
        """
        if states.is_completed(wf_ex["state"]):
            return
        spec = self.spec_of(wf_ex)
        final = self.final_context(step, wf_ex)
        output, state, state_info = self._output(step, wf_ex, spec, final, state, state_info, output_failure)
        if state_info is not None and len(state_info) > STATE_INFO_LIMIT:
            state_info = state_info[:STATE_INFO_LIMIT] + "..."
        wf_ex = step.draft.update(WF, wf_ex["id"], state=state, state_info=state_info, output=output,
                                  finished_at=step.now)
        if abandon:
            self._abandon_active(step, wf_ex, state)
        else:
            step.left_running.add(wf_ex["id"])
        for task_ex in step.rows.tasks_of(wf_ex["id"]):
            for timer in step.rows.children(TIMERS, task_ex["id"]):
                step.draft.delete(TIMERS, timer["id"])
        parent_task = step.rows.get(TASKS, wf_ex.get("task_execution_id")) if notify_parent else None
        if parent_task is not None and not states.is_completed(parent_task["state"]):
            parent_wf = step.rows.get(WF, parent_task["workflow_execution_id"])
            if parent_wf is not None:
                self.child_finished(step, parent_wf, parent_task, wf_ex)

    def child_finished(self, step: Step, parent_wf: dict[str, Any], parent_task: dict[str, Any],
                       child: Mapping[str, Any]) -> None:
        """A sub-workflow ended: its parent task ends the same way, with the child's output as result."""
        if (parent_task.get("runtime_context") or {}).get("with_items"):
            self.item_finished(step, parent_wf, parent_task)
            return
        if any(c["state"] in states.ACTIVE for c in step.rows.subworkflows_of(parent_task["id"])):
            return
        info = child.get("state_info") if child["state"] != states.SUCCESS else None
        self.complete_task(step, parent_wf, parent_task, child["state"], info)

    def _output(self, step: Step, wf_ex, spec: WorkflowSpec, final: dict[str, Any], state: str,
                state_info: str | None,
                output_failure: Callable[[TaskFailure], str] | None = None) -> tuple[Any, str, str | None]:
        if state == states.SUCCESS:
            if spec.output is None:
                return final, state, state_info
            try:
                return step.evaluate(spec.output, wf_ex, inbound=final, what="the workflow output"), state, state_info
            except TaskFailure as failure:
                # Mistral then fails the workflow like any other failure: output-on-error (or the final context).
                ends = [] if spec.type == "reverse" else self.end_tasks(step, wf_ex)
                state = states.ERROR
                state_info = (output_failure(failure) if output_failure is not None
                              else failure_messages.output_failure(wf_ex, ends, failure))
        if state == states.ERROR:
            if spec.output_on_error is None:
                return {"result": state_info, **final}, state, state_info
            try:
                extra = step.evaluate(spec.output_on_error, wf_ex, inbound=final, what="output-on-error")
            except TaskFailure as failure:
                state_info = (f"Failed to evaluate expression in output-on-error! (output-on-error: "
                              f"'{spec.output_on_error}', exception: '{failure.message}' Cause: '{state_info}'")
                return {"result": state_info}, state, state_info
            return {"result": state_info, **(extra if isinstance(extra, dict) else {"output": extra})}, state, state_info
        return {"result": state_info}, state, state_info

    def _abandon_active(self, step: Step, wf_ex: Mapping[str, Any], state: str) -> None:
        """Nothing stays RUNNING under a finished workflow: active tasks, actions and children are cancelled."""
        reason = f"Workflow execution ended as {state} while the task was not finished"
        for task_ex in step.rows.tasks_of(wf_ex["id"], _is_active):
            if task_ex["state"] not in states.ACTIVE:
                continue  # ended meanwhile, with a sub-workflow cancelled below
            actions = [a for a in step.rows.actions_of(task_ex["id"]) if a["state"] in states.ACTIVE]
            children = [c for c in step.rows.subworkflows_of(task_ex["id"]) if c["state"] in states.ACTIVE]
            # Mistral cancels sub-workflows itself, with the cancel's own message (often none) on the
            # children and on the task that waited for them.
            cascaded = state == states.CANCELLED and children and not actions
            task_info = reason
            if cascaded:
                with_items = bool((task_ex.get("runtime_context") or {}).get("with_items"))
                task_info = failure_messages.ITEMS_CANCELLED if with_items else wf_ex.get("state_info")
            child_info = wf_ex.get("state_info") if cascaded else f"Parent workflow ended as {state}"
            for action_ex in actions:
                step.draft.update(ACTIONS, action_ex["id"], state=states.CANCELLED, state_info=reason)
            step.draft.update(TASKS, task_ex["id"], state=states.CANCELLED, state_info=task_info,
                              finished_at=step.now, processed=True)
            for child in children:
                self.finish_workflow(step, child, states.CANCELLED, child_info)

    # -- control ------------------------------------------------------------
    def pause_workflow(self, step: Step, wf_ex: dict[str, Any], from_parent: bool = False) -> None:
        """Pause, with running sub-workflows; a sub-workflow that pauses by itself pauses its parents."""
        if wf_ex["state"] == states.PAUSED:
            return
        if wf_ex["state"] != states.RUNNING:
            raise StateConflict(f"Can't change workflow execution state from {wf_ex['state']} to PAUSED")
        step.draft.update(WF, wf_ex["id"], state=states.PAUSED)
        for child in self._active_children(step, wf_ex):
            if child["state"] == states.RUNNING:
                self.pause_workflow(step, child, from_parent=True)
        parent_task = step.rows.get(TASKS, wf_ex.get("task_execution_id"))
        if not from_parent and parent_task is not None and parent_task["state"] == states.RUNNING:
            step.draft.update(TASKS, parent_task["id"], state=states.PAUSED)
            parent_wf = step.rows.get(WF, parent_task["workflow_execution_id"])
            if parent_wf is not None and parent_wf["state"] == states.RUNNING:
                self.pause_workflow(step, parent_wf)

    def resume_workflow(self, step: Step, wf_ex: dict[str, Any], env: Mapping[str, Any] | None = None,
                        from_parent: bool = False) -> None:
        """Resume, with paused sub-workflows; resuming a sub-workflow also resumes the parents it paused."""
        if wf_ex["state"] != states.PAUSED:
            return  # resuming a running or finished execution changes nothing, as in Mistral
        parent_task = step.rows.get(TASKS, wf_ex.get("task_execution_id"))
        if not from_parent and parent_task is not None and parent_task["state"] == states.PAUSED:
            parent_wf = step.rows.get(WF, parent_task["workflow_execution_id"])
            if parent_wf is not None and parent_wf["state"] == states.PAUSED:
                self.resume_workflow(step, parent_wf)  # resumes this one too, from above
                return
        changes: dict[str, Any] = {"state": states.RUNNING}
        if env:
            params = dict(wf_ex.get("params") or {})
            params["env"] = {**(params.get("env") or {}), **env}
            changes["params"] = params
        runtime = dict(wf_ex.get("runtime_context") or {})
        backlog = runtime.pop("backlog", [])
        changes["runtime_context"] = runtime
        wf_ex = step.draft.update(WF, wf_ex["id"], **changes)
        for task_ex in step.rows.tasks_of(wf_ex["id"], lambda state: state == states.PAUSED):  # by a sub-workflow
            if task_ex["state"] == states.PAUSED:
                step.draft.update(TASKS, task_ex["id"], state=states.RUNNING)
        for child in self._active_children(step, wf_ex):
            if child["state"] == states.PAUSED:
                self.resume_workflow(step, child, from_parent=True)
        spec = self.spec_of(wf_ex)
        for task_ex in step.rows.tasks_of(wf_ex["id"], lambda state: state == states.IDLE):
            # Held by pause-before: it starts now, without applying its before-start policies again.
            self.begin_task(step, step.rows.get(WF, wf_ex["id"]), task_ex, spec.tasks[task_ex["name"]],
                            before_policies=False)
        for item in backlog:
            self.run_task(step, step.rows.get(WF, wf_ex["id"]), spec.tasks[item["task"]], item["inbound"],
                          item.get("triggered_by"))
        self.check_completion(step, step.rows.get(WF, wf_ex["id"]))

    def reopen(self, step: Step, wf_ex: dict[str, Any]) -> None:
        """A rerun brings a finished workflow, and every ancestor with its parent task, back to RUNNING."""
        if wf_ex["state"] != states.RUNNING:
            step.draft.update(WF, wf_ex["id"], state=states.RUNNING, state_info=None, output={}, finished_at=None)
        parent_task = step.rows.get(TASKS, wf_ex.get("task_execution_id"))
        if parent_task is not None and parent_task["state"] != states.RUNNING:
            step.draft.update(TASKS, parent_task["id"], state=states.RUNNING, state_info=None, finished_at=None,
                              processed=False, error_handled=False)
            self.reopen(step, step.rows.get(WF, parent_task["workflow_execution_id"]))

    def stop_workflow(self, step: Step, wf_ex: dict[str, Any], state: str, state_info: str | None) -> None:
        if states.is_completed(wf_ex["state"]):
            return  # stopping a finished execution changes nothing, as in Mistral
        if state == states.SUCCESS:
            self._check_output_now(step, wf_ex)
            if wf_ex["state"] == states.PAUSED:
                raise UnfinishableStop(
                    f"Can't change workflow execution state from PAUSED to SUCCESS. "
                    f"[workflow={wf_ex['workflow_name']}, execution_id={wf_ex['id']}]")
        self.finish_workflow(step, wf_ex, state, state_info)

    def _check_output_now(self, step: Step, wf_ex: dict[str, Any]) -> None:
        """Mistral refuses (400) a stop as SUCCESS whose output fails on the end tasks reached so far."""
        spec = self.spec_of(wf_ex)
        if spec.output is None:
            return
        try:
            step.evaluate(spec.output, wf_ex, inbound=self.final_context(step, wf_ex), what="the workflow output")
        except TaskFailure as failure:
            raise UnfinishableStop(failure.message) from None

    def add_to_backlog(self, step: Step, wf_ex: dict[str, Any], task_name: str, inbound: Mapping[str, Any],
                       triggered_by: dict[str, str] | None) -> None:
        runtime = dict(wf_ex.get("runtime_context") or {})
        runtime["backlog"] = list(runtime.get("backlog") or []) + [
            {"task": task_name, "inbound": dict(inbound), "triggered_by": triggered_by}
        ]
        step.draft.update(WF, wf_ex["id"], runtime_context=runtime)

    def _active_children(self, step: Step, wf_ex: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [
            child
            for task_ex in step.rows.tasks_of(wf_ex["id"])
            for child in step.rows.subworkflows_of(task_ex["id"])
            if child["state"] in states.ACTIVE
        ]


def _is_active(state: str) -> bool:
    return state in states.ACTIVE


def failure_info(step: Step, failed: list[Mapping[str, Any]]) -> str:
    """Mistral's summary: which tasks failed (by name), each one's error, and its failed actions or sub-workflows."""
    failed = sorted(failed, key=lambda t: t["name"])
    text = f"Failure caused by error in tasks: {', '.join(t['name'] for t in failed)}\n"
    for task_ex in failed:
        text += f"\n  {task_ex['name']} [task_ex_id={task_ex['id']}] -> {task_ex.get('state_info')}\n"
        for kind, runs in (("action_ex_id", step.rows.actions_of(task_ex["id"])),
                           ("wf_ex_id", step.rows.subworkflows_of(task_ex["id"]))):
            for idx, run in enumerate(runs):
                if run["state"] == states.ERROR:
                    result = (run.get("output") or {}).get("result", "Unknown")
                    text += f"    [{kind}={run['id']}, idx={idx}]: {result}\n"
    return text
