"""After a task completes: which on-* items fire, and in what order they are carried out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mistral_lite.engine import states
from mistral_lite.lang.specs import TERMINAL_COMMANDS, Clause, TaskSpec, Target


@dataclass(frozen=True)
class Fired:
    """An item that fired (parameters evaluated) and the clause it came from."""

    target: Target
    event: str  # on-success, on-error, on-complete or on-skip

    @property
    def handles_error(self) -> bool:
        """Any on-error item that fires, engine commands included, handles the task's error."""
        return self.event == "on-error"


OWN_CLAUSE = {states.SUCCESS: "on-success", states.ERROR: "on-error", states.SKIPPED: "on-skip"}


def candidate_clauses(task: TaskSpec, state: str) -> tuple[tuple[str, Clause | None], ...]:
    """(event, clause) in Mistral's order: the state's own clause, then on-complete."""
    clauses: list[tuple[str, Clause | None]] = []
    if state in OWN_CLAUSE:
        event = OWN_CLAUSE[state]
        clauses.append((event, getattr(task, event.replace("-", "_"))))
    if state in (states.SUCCESS, states.ERROR):
        clauses.append(("on-complete", task.on_complete))
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
    for _, clause in reversed(candidate_clauses(task, state)):
        if clause is None:
            continue
        branch.update(clause.publish_branch or {})
        global_.update(clause.publish_global or {})
    return branch, global_


@dataclass(frozen=True)
class Plan:
    """What to do with the fired items: start these, then the command, keep the backlog for resume."""

    run_now: tuple[Fired, ...]
    command: Fired | None
    backlog: tuple[Fired, ...] = ()

    def starts_tasks(self) -> bool:
        return any(not f.target.is_command for f in self.run_now + self.backlog)


def arrange(fired: tuple[Fired, ...]) -> Plan:
    """Mistral carries out items before the first fail/succeed/pause, then the command.

    Items after fail or succeed are dropped; items after pause wait for the resume.
    """
    for i, item in enumerate(fired):
        if item.target.name in TERMINAL_COMMANDS:
            return Plan(fired[:i], item)
        if item.target.name == "pause":
            return Plan(fired[:i], item, fired[i + 1:])
    return Plan(fired, None)
