"""Starting action executions: resolving ad-hoc actions to their base, checking input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol

from mistral_lite.engine import states
from mistral_lite.engine.data_flow import env_of
from mistral_lite.engine.effects import RunAction
from mistral_lite.engine.errors import TaskFailure, UnknownAction
from mistral_lite.engine.rows import ACTION_DEFS, ACTIONS, WF_DEFS
from mistral_lite.engine.step import Step
from mistral_lite.expr import ExpressionError, PlainView, evaluate
from mistral_lite.lang.documents import action_spec
from mistral_lite.lang.inputs import ADHOC_ACTION_CLASS, InputMismatch, check_supplied
from mistral_lite.lang.specs import TaskSpec
from mistral_lite.project import DEFAULT_PROJECT

MAX_BASE_DEPTH = 20


class ActionCatalog(Protocol):
    """The actions the executor can run (system and Python actions)."""

    def has_action(self, name: str) -> bool: ...

    def check_input(self, name: str, params: Mapping[str, Any]) -> str | None: ...

    def is_async(self, name: str) -> bool: ...


@dataclass(frozen=True)
class ResolvedAction:
    """What the executor runs for a task's action, and how to turn its result back."""

    base: str
    input: dict[str, Any]
    # Output expressions of the ad-hoc levels, innermost first.
    transforms: tuple[Any, ...] = field(default_factory=tuple)


def find_adhoc(rows, name: str, namespace: str, workbook: str | None) -> dict[str, Any] | None:
    """Workbook-local name first, then the namespace, then the default namespace."""
    candidates = ([f"{workbook}.{name}"] if workbook else []) + [name]
    for candidate in candidates:
        for ns in dict.fromkeys([namespace, ""]):
            found = rows.find(ACTION_DEFS, name=candidate, namespace=ns)
            if found:
                return found[0]
    return None


def workbook_of(rows, wf_ex: Mapping[str, Any]) -> str | None:
    definition = rows.get(WF_DEFS, wf_ex.get("workflow_id"))
    return definition.get("workbook_name") if definition else None


def resolve(step: Step, catalog: ActionCatalog, wf_ex: Mapping[str, Any], name: str,
            params: dict[str, Any], inbound: Mapping[str, Any]) -> ResolvedAction:
    """Follow ad-hoc bases down to an action the executor knows, evaluating each base-input."""
    namespace = wf_ex.get("workflow_namespace") or ""
    workbook = workbook_of(step.rows, wf_ex)
    transforms: list[Any] = []
    for _ in range(MAX_BASE_DEPTH):
        if catalog.has_action(name):
            problem = catalog.check_input(name, params)
            if problem:
                raise TaskFailure(problem)
            return ResolvedAction(name, params, tuple(reversed(transforms)))
        row = find_adhoc(step.rows, name, namespace, workbook)
        if row is None:
            raise UnknownAction(name, namespace)
        spec = action_spec(row["name"], row["spec"])
        try:
            level_input = check_supplied(spec.input, params, spec.name, ADHOC_ACTION_CLASS)
        except InputMismatch as e:
            raise TaskFailure(str(e)) from None
        # base-input sees this level's input, the task's inbound context and env; not the workflow input.
        data = {**inbound, **level_input, "__env": env_of(wf_ex)}
        try:
            params = evaluate(spec.base_input, data, PlainView(env=env_of(wf_ex)))
        except ExpressionError:
            # Mistral cannot instantiate the action: an ordinary task error (on-error applies), and its words
            # never include the input, which may hold secrets.
            raise TaskFailure(
                f"Failed to instantiate an action [action_desc=AdHoc action [name={spec.name}, "
                f"definition={row.get('definition')}]]", force=False,
                detail=f"while evaluating base-input of action {spec.name}") from None
        if spec.output is not None:
            transforms.append(spec.output)
        name = spec.base
    raise TaskFailure(f"Action '{name}' has more than {MAX_BASE_DEPTH} levels of ad-hoc bases")


def env_action_defaults(wf_ex: Mapping[str, Any], action_name: str) -> dict[str, Any]:
    """env.__actions.<action>.<param>: defaults for tasks using that action."""
    defaults = (env_of(wf_ex).get("__actions") or {}).get(action_name) or {}
    return dict(defaults) if isinstance(defaults, dict) else {}


def start_action(step: Step, catalog: ActionCatalog, wf_ex: Mapping[str, Any], task_ex: Mapping[str, Any],
                 task: TaskSpec, name: str, params: dict[str, Any], index: int = 0,
                 timeout: float | None = None) -> dict[str, Any]:
    """Create a RUNNING action execution and the effect that runs it."""
    params = {**env_action_defaults(wf_ex, name), **params}
    resolved = resolve(step, catalog, wf_ex, name, params, task_ex.get("in_context") or {})
    row = {
        "id": step.draft.new_id(),
        "name": name,
        "task_execution_id": task_ex["id"],
        "workflow_name": wf_ex["workflow_name"],
        "workflow_namespace": wf_ex.get("workflow_namespace") or "",
        "description": "",
        "spec": {"base": resolved.base, "input": resolved.input, "transforms": list(resolved.transforms)},
        "state": states.RUNNING,
        "state_info": None,
        "tags": None,
        "accepted": True,
        "is_sync": not catalog.is_async(resolved.base),
        "input": params,
        "output": None,
        "params": {},
        "runtime_context": {"index": index, "timeout": timeout} if timeout else {"index": index},
        "project_id": DEFAULT_PROJECT,
        "created_at": step.now,
        "updated_at": step.now,
    }
    step.draft.insert(ACTIONS, row)
    step.effects.append(run_effect(row, wf_ex, task_ex, task))
    return row


def run_effect(action_ex: Mapping[str, Any], wf_ex: Mapping[str, Any], task_ex: Mapping[str, Any],
               task: TaskSpec | None) -> RunAction:
    spec = action_ex.get("spec") or {}
    safe = task.policies.safe_rerun if task is not None else False
    return RunAction(
        action_execution_id=action_ex["id"],
        action_name=spec.get("base", action_ex["name"]),
        input=spec.get("input", action_ex.get("input") or {}),
        workflow_execution_id=wf_ex["id"],
        task_execution_id=task_ex["id"],
        workflow_name=wf_ex["workflow_name"],
        task_name=task_ex["name"],
        timeout=(action_ex.get("runtime_context") or {}).get("timeout"),
        safe_rerun=safe is True,
    )


def transform_result(action_ex: Mapping[str, Any], result: Any) -> Any:
    """Apply ad-hoc `output` expressions to a successful result ($ / _ is the previous result)."""
    for expression in (action_ex.get("spec") or {}).get("transforms") or ():
        try:
            result = evaluate(expression, result, None)
        except ExpressionError as e:
            raise TaskFailure(str(e), detail=f"while evaluating the output of action {action_ex['name']}") from None
    return result
