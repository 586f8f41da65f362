"""Mistral's words for a forced failure: a head naming the error, workflow and task, details on the next lines.

Mistral puts a Python traceback after the head; mistral-lite puts the ids of
what failed and what was being evaluated there instead, so tools that read
the first line (or split at the first newline) see the same text.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from mistral_lite.engine.errors import TaskFailure

# Mistral's state_info of a with-items task when an item was cancelled, or failed.
ITEMS_CANCELLED = "One or more actions was cancelled."
ITEMS_FAILED = "One or more actions had failed."


def run_failure(wf_ex: Mapping[str, Any], task_ex: Mapping[str, Any], failure: TaskFailure) -> str:
    """A task that could not start (its input, action, policies or items failed)."""
    head = f"Failed to run task [error={failure.message}, wf={wf_ex['workflow_name']}, task={task_ex['name']}]:"
    return f"{head}\n{_task_details(task_ex, failure)}"


def completion_failure(wf_ex: Mapping[str, Any], task_ex: Mapping[str, Any], action_name: str | None,
                       failure: TaskFailure) -> str:
    """A task whose action finished but whose publish, fail-on or transitions failed."""
    head = (f"Failed to handle action completion [error={failure.message}, wf={wf_ex['workflow_name']}, "
            f"task={task_ex['name']}, action={action_name}]:")
    return f"{head}\n{_task_details(task_ex, failure)}"


def output_failure(wf_ex: Mapping[str, Any], end_tasks: Sequence[Mapping[str, Any]], failure: TaskFailure) -> str:
    """A workflow whose tasks are done but whose output could not be evaluated; the details name the tasks
    whose contexts the output saw."""
    head = (f"Failed to check and complete [wf_ex_id={wf_ex['id']}, wf_name={wf_ex['workflow_name']}]: "
            f"{failure.message}")
    lines = [head, f"  {failure.detail or 'while completing the workflow'}, over the context of:"]
    lines += [f"    {t['name']} [task_ex_id={t['id']}]" for t in end_tasks]
    return "\n".join(lines)


def _task_details(task_ex: Mapping[str, Any], failure: TaskFailure) -> str:
    detail = f": {failure.detail}" if failure.detail else ""
    return f"  [task_ex_id={task_ex['id']}]{detail}"
