"""One workflow: its keys, its tasks, and the checks that need the whole task graph."""

from __future__ import annotations

from mistral_lite.lang.inputs import parse_inputs
from mistral_lite.lang.place import Place, describe
from mistral_lite.lang.specs import WorkflowSpec
from mistral_lite.lang.tasks import parse_defaults, parse_task
from mistral_lite.lang.values import check_expressions, is_expression, loose_description, non_empty_mapping, refuse_dates, tags

WORKFLOW_KEYS = ("type", "description", "tags", "input", "output", "output-on-error", "vars", "task-defaults", "tasks")
TYPES = ("direct", "reverse")


def parse_workflow(place: Place) -> WorkflowSpec:
    """Parse and validate one workflow; `place` is the workflow's mapping."""
    name = place.path[-1] if place.path else place.labels.get("workflow")
    place.mapping(f"workflow '{name}'")
    # Mistral's workflow schema allows any further key (and ignores it): accept it, with a warning.
    place.warn_unknown_keys(WORKFLOW_KEYS, "a workflow")
    refuse_dates(place)
    value = place.value
    wf_type = value.get("type", "direct")
    if wf_type not in TYPES:
        raise place.child("type").error(f"type must be 'direct' or 'reverse', got {describe(wf_type)}")

    tasks_place = place.require("tasks", f"workflow '{name}'")
    tasks_place.mapping("tasks", allow_empty=False)
    task_names = {n for n in tasks_place.value if isinstance(n, str)}
    defaults = parse_defaults(place.child("task-defaults"), wf_type, task_names) if value.get("task-defaults") else {}
    tasks = {
        task_name: parse_task(tasks_place.child(task_name, "task"), wf_type, task_names, defaults)
        for task_name in tasks_place.value
    }
    if "vars" in value:
        non_empty_mapping(place.child("vars"), "vars")
    for key in ("output", "output-on-error"):
        if key in value:
            _output(place.child(key), key)
    spec = WorkflowSpec(
        name=name,
        type=wf_type,
        tasks=tasks,
        input=parse_inputs(place.child("input")) if "input" in value else (),
        output=value.get("output"),
        output_on_error=value.get("output-on-error"),
        vars=value.get("vars"),
        description=loose_description(place.child("description")) if "description" in value else None,
        tags=tags(place.child("tags")) if "tags" in value else (),
    )
    if wf_type == "direct":
        _check_direct(spec, tasks_place)
    else:
        _check_requires_cycles(spec, tasks_place)
    return spec


def _output(place: Place, key: str) -> None:
    """A non-empty mapping of expressions, or one expression giving the whole output."""
    if is_expression(place.value):
        check_expressions(place)
    else:
        non_empty_mapping(place, key)


def _check_direct(spec: WorkflowSpec, tasks_place: Place) -> None:
    if not spec.start_tasks():
        raise tasks_place.error(
            "Failed to find start tasks in direct workflow: every task is the target of a transition"
        )
    for task in spec.tasks.values():
        if task.join is None:
            continue
        inbound = spec.inbound(task.name)
        where = tasks_place.child(task.name, "task").child("join")
        if not inbound:
            raise where.error(f"No inbound tasks for task with 'join: {task.join}'; no transition leads to it")
        needed = 1 if task.join == "all" else task.join
        if len(inbound) < needed:
            raise where.error(
                f"Not enough inbound tasks for task with 'join': it needs {needed}, "
                f"only {len(inbound)} lead to it ({', '.join(inbound)})"
            )


def _check_requires_cycles(spec: WorkflowSpec, tasks_place: Place) -> None:
    """Reverse workflows: `requires` must form no cycle (it would never start).

    The error stands at the cycle's task that comes first in the document.
    """
    order = {name: i for i, name in enumerate(spec.tasks)}
    state: dict[str, str] = {}
    # Depth first without recursion, so a chain of thousands of requires neither overflows the
    # stack nor copies its trail at every level.
    for root in spec.tasks:
        if root in state:
            continue
        state[root] = "visiting"
        trail, pending = [root], [iter(spec.tasks[root].requires)]
        while pending:
            required = next(pending[-1], None)
            if required is None:
                state[trail.pop()] = "done"
                pending.pop()
            elif state.get(required) == "visiting":
                cycle = trail[trail.index(required):]
                first = min(cycle, key=order.__getitem__)
                start = cycle.index(first)
                shown = cycle[start:] + cycle[:start] + [first]
                where = tasks_place.child(first, "task").child("requires")
                raise where.error(f"requires forms a cycle: {' -> '.join(shown)}")
            elif required not in state:
                state[required] = "visiting"
                trail.append(required)
                pending.append(iter(spec.tasks[required].requires))
