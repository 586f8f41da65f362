"""The YAML line of each task of a workflow, from the definition text the workflow was stored with.

The stored spec is JSON and has lost its lines; the text keeps them. A workflow document holds the
workflow under its name (`wf: tasks: t:`); a workbook's workflow `wb.wf` is stored as its own section,
dedented (`wf: tasks: t:`), or, failing that, as a dump under its full name; a whole workbook text holds
it under `workflows: wf:`.
"""

from __future__ import annotations

from mistral_lite.lang.errors import DslError
from mistral_lite.lang.yaml_source import load


def task_lines(definition: str | None, workflow: str) -> dict[str, int]:
    """Task name -> 1-based line of its key; empty when the text is missing or does not parse."""
    if not definition:
        return {}
    try:
        source = load(definition)
    except DslError:
        return {}
    short = workflow.rsplit(".", 1)[-1]
    wanted = {(workflow, "tasks"), (short, "tasks"), ("workflows", short, "tasks")}
    return {path[-1]: line for path, line in source.lines.items()
            if len(path) >= 3 and path[:-1] in wanted and isinstance(path[-1], str)}
