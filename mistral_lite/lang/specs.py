"""Immutable spec objects: what a parsed, validated document means.

Values that hold user data or expressions (task input, publish blocks,
outputs) stay as plain JSON-like values; they are evaluated at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

ENGINE_COMMANDS = ("noop", "fail", "succeed", "pause")
TERMINAL_COMMANDS = ("fail", "succeed")

# A policy value: a literal, or an expression string evaluated when applied.
PolicyValue = Any


@dataclass(frozen=True)
class InputParam:
    name: str
    has_default: bool = False
    default: Any = None


@dataclass(frozen=True)
class Target:
    """One item of an on-* clause: a task to start or an engine command, maybe guarded."""

    name: str
    condition: Any = None  # None: always; else an expression (or literal) evaluated to a boolean
    params: dict[str, Any] = field(default_factory=dict)  # engine command parameters, e.g. msg

    @property
    def is_command(self) -> bool:
        return self.name in ENGINE_COMMANDS


@dataclass(frozen=True)
class Clause:
    """on-success / on-error / on-complete / on-skip."""

    targets: tuple[Target, ...] = ()
    publish_branch: dict[str, Any] | None = None
    publish_global: dict[str, Any] | None = None
    publish_atomic: dict[str, Any] | None = None

    def task_names(self) -> list[str]:
        return [t.name for t in self.targets if not t.is_command]


@dataclass(frozen=True)
class Retry:
    count: PolicyValue
    delay: PolicyValue
    break_on: Any = None
    continue_on: Any = None


@dataclass(frozen=True)
class WithItems:
    """Parallel lists iterated in lockstep: ((var, expression or literal list), ...)."""

    items: tuple[tuple[str, Any], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.items)


@dataclass(frozen=True)
class Policies:
    wait_before: PolicyValue = None
    wait_after: PolicyValue = None
    timeout: PolicyValue = None
    retry: Retry | None = None
    pause_before: PolicyValue = None
    fail_on: Any = None
    concurrency: PolicyValue = None
    safe_rerun: PolicyValue = None


@dataclass(frozen=True)
class TaskSpec:
    name: str
    action: str | None = None  # action name or expression; None with workflow None means std.noop
    workflow: str | None = None
    input: Any = field(default_factory=dict)  # mapping, or an expression yielding one
    publish: dict[str, Any] | None = None
    publish_on_error: dict[str, Any] | None = None
    publish_on_skip: dict[str, Any] | None = None
    with_items: WithItems | None = None
    policies: Policies = field(default_factory=Policies)
    keep_result: Any = True
    target: Any = None
    join: str | int | None = None  # "all", or how many inbound tasks must succeed
    on_success: Clause | None = None
    on_error: Clause | None = None
    on_complete: Clause | None = None
    on_skip: Clause | None = None
    requires: tuple[str, ...] = ()
    description: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return "WORKFLOW" if self.workflow is not None else "ACTION"

    @property
    def action_name(self) -> str:
        return self.action if self.action is not None else "std.noop"

    def clauses(self) -> tuple[Clause, ...]:
        return tuple(c for c in (self.on_success, self.on_error, self.on_complete, self.on_skip) if c)

    def next_task_names(self) -> list[str]:
        """Every task this one may transition to, whatever the outcome or guard."""
        return [name for clause in self.clauses() for name in clause.task_names()]


@dataclass(frozen=True)
class WorkflowSpec:
    name: str
    type: str = "direct"
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    input: tuple[InputParam, ...] = ()
    output: Any = None
    output_on_error: Any = None
    vars: dict[str, Any] | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()

    def start_tasks(self) -> list[str]:
        """Direct workflows: tasks no transition leads to, in document order."""
        # A task named like an engine command is still "targeted" by that name (Mistral runs the command,
        # never the task), so it is no start task either.
        targeted = {t.name for task in self.tasks.values() for clause in task.clauses() for t in clause.targets}
        return [name for name in self.tasks if name not in targeted]

    def inbound(self, task_name: str) -> list[str]:
        """Tasks whose on-* clauses name task_name (guards ignored), in document order."""
        return self._inbound.get(task_name, [])

    @cached_property
    def _inbound(self) -> dict[str, list[str]]:
        # Built once per spec: joins ask at every step, and a scan per question is quadratic.
        found: dict[str, dict[str, None]] = {}
        for task in self.tasks.values():
            for name in task.next_task_names():
                found.setdefault(name, {})[task.name] = None
        return {name: list(sources) for name, sources in found.items()}


@dataclass(frozen=True)
class ActionSpec:
    """An ad-hoc action: a base action with preset input and an output transform."""

    name: str
    base: str
    base_input: dict[str, Any] = field(default_factory=dict)
    input: tuple[InputParam, ...] = ()
    output: Any = None
    description: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkbookSpec:
    name: str
    workflows: dict[str, WorkflowSpec] = field(default_factory=dict)
    actions: dict[str, ActionSpec] = field(default_factory=dict)
    description: str | None = None
    tags: tuple[str, ...] = ()
