"""After a task completes: which on-* items fire, and in what order they are carried out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mistral_lite.engine import states
from mistral_lite.lang.specs import TERMINAL_COMMANDS, Clause, TaskSpec, Target


@dataclass(frozen=True)
class Fired:
    """Items that fired, in order, and whether an on-error item handled the error."""

    targets: tuple[Target, ...]
    error_handled: bool


def candidate_clauses(task: TaskSpec, state: str) -> tuple[tuple[Clause | None, bool], ...]:
    """(clause, counts-as-error-handler) in Mistral's order: the state's own clause, then on-complete."""
    own = {states.SUCCESS: task.on_success, states.ERROR: task.on_error, states.SKIPPED: task.on_skip}.get(state)
    clauses: list[tuple[Clause | None, bool]] = [(own, state == states.ERROR)]
    if state in (states.SUCCESS, states.ERROR):
        clauses.append((task.on_complete, False))
    return tuple(clauses)


def publish_blocks(task: TaskSpec, state: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(branch, global) publishes for this outcome.

    Precedence for the same key, as Mistral documents it: the state's own
    clause, then on-complete, then the task-level publish block.
    """
    task_level = {states.SUCCESS: task.publish, states.ERROR: task.publish_on_error,
                  states.SKIPPED: task.publish_on_skip}.get(state) or {}
    branch: dict[str, Any] = dict(task_level)
    global_: dict[str, Any] = {}
    for clause, _ in reversed(candidate_clauses(task, state)):
        if clause is None:
            continue
        branch.update(clause.publish_branch or {})
        global_.update(clause.publish_global or {})
    return branch, global_


@dataclass(frozen=True)
class Plan:
    """What to do with the fired items: start these, then the command, keep the backlog for resume."""

    run_now: tuple[Target, ...]
    command: Target | None
    backlog: tuple[Target, ...] = ()


def arrange(fired: tuple[Target, ...]) -> Plan:
    """Mistral carries out items before the first fail/succeed/pause, then the command.

    Items after fail or succeed are dropped; items after pause wait for the resume.
    """
    for i, target in enumerate(fired):
        if target.name in TERMINAL_COMMANDS:
            return Plan(fired[:i], target)
        if target.name == "pause":
            return Plan(fired[:i], target, fired[i + 1:])
    return Plan(fired, None)
