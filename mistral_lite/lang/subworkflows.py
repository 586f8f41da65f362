"""Calls between workflows of one document: inputs a sub-workflow does not declare.

Mistral quietly moves undeclared input names into the sub-execution's
params, where they are lost unless the name happens to be a known
parameter. When caller and callee are in the same document the mistake is
visible at upload, so it is reported there.
"""

from __future__ import annotations

from mistral_lite.lang.place import Place
from mistral_lite.lang.specs import WorkflowSpec
from mistral_lite.lang.values import is_expression

# Keys Mistral treats as execution parameters when passed to a sub-workflow.
PARAM_KEYS = frozenset({"env", "task_name", "notify", "evaluate_env", "namespace"})


def check_subworkflow_inputs(workflows: dict[str, WorkflowSpec], places: dict[str, Place], prefix: str = "") -> None:
    for wf_name, spec in workflows.items():
        for task in spec.tasks.values():
            callee = _resolve(task.workflow, workflows, prefix)
            if callee is None or not isinstance(task.input, dict):
                continue
            declared = {p.name for p in callee.input}
            unknown = [k for k in task.input if k not in declared and k not in PARAM_KEYS]
            if unknown:
                task_place = places[wf_name].child("tasks").child(task.name, "task")
                raw_input = task_place.value.get("input")
                where = (task_place.child("input").child(unknown[0])
                         if isinstance(raw_input, dict) and unknown[0] in raw_input else task_place.child("workflow"))
                raise where.error(
                    f"workflow '{callee.name}' does not declare input {', '.join(repr(u) for u in unknown)}; "
                    f"it declares: {', '.join(sorted(declared)) or 'nothing'}"
                )


def _resolve(name: str | None, workflows: dict[str, WorkflowSpec], prefix: str) -> WorkflowSpec | None:
    if name is None or is_expression(name):
        return None
    if prefix and name.startswith(prefix) and name[len(prefix):] in workflows:
        return workflows[name[len(prefix):]]
    return workflows.get(name)
