"""After a task completes: which on-* items fire, and in what order they are carried out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mistral_lite.engine import states
from mistral_lite.engine.data_flow import merge
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


@dataclass(frozen=True)
class Publish:
    """A publish block by scope; None marks a scope the block does not have (not the same as empty)."""

    branch: dict[str, Any] | None = None
    global_: dict[str, Any] | None = None

    def under(self, winner: "Publish") -> "Publish":
        """This block with `winner`'s keys on top, scope by scope; a scope this block lacks stays absent,
        so the winner's keys for it are dropped (Mistral merges into a missing map and loses the result)."""
        return Publish(_on_top(self.branch, winner.branch), _on_top(self.global_, winner.global_))


def _on_top(base: dict[str, Any] | None, winner: dict[str, Any] | None) -> dict[str, Any] | None:
    if base is None or not winner:
        return base
    return merge(base, winner)


def _clause_publish(clause: Clause | None) -> Publish | None:
    if clause is None or (clause.publish_branch is None and clause.publish_global is None
                          and clause.publish_atomic is None):
        return None
    return Publish(clause.publish_branch, clause.publish_global)


def publish_blocks(task: TaskSpec, state: str) -> Publish | None:
    """The publish that applies to this outcome, combined the way Mistral 23 combines it.

    The task-level block (publish / publish-on-error / publish-on-skip) counts as branch scope.
    on-complete's block goes on top of it; the result then goes on top of the state's own clause
    (on-success / on-error), whose block is the one kept. So for the same key on-complete wins,
    then the task-level block, then the state's own clause; a scope the own clause lacks is lost.
    None: nothing to publish (the task's published stays {}).
    """
    task_level = {states.SUCCESS: task.publish, states.ERROR: task.publish_on_error,
                  states.SKIPPED: task.publish_on_skip}.get(state)
    combined = Publish(dict(task_level)) if task_level else None
    own: Publish | None = None
    for event, clause in candidate_clauses(task, state):
        block = _clause_publish(clause)
        if block is None:
            continue
        if event == "on-complete":
            combined = combined.under(block) if combined is not None else block
        else:
            own = block
    if own is None:
        return combined
    return own.under(combined) if combined is not None else own


@dataclass(frozen=True)
class Plan:
    """What to do with the fired items: start these, then the command, keep the backlog for resume."""

    run_now: tuple[Fired, ...]
    command: Fired | None
    backlog: tuple[Fired, ...] = ()


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
