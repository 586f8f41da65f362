"""One engine step in progress: the draft of its commands, its effects, and evaluation helpers."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from mistral_lite.engine.data_flow import evaluation_data
from mistral_lite.engine.effects import Effect
from mistral_lite.engine.errors import TaskFailure
from mistral_lite.engine.rows import Draft
from mistral_lite.engine.view import ExecutionView
from mistral_lite.expr import ExpressionError, evaluate


@dataclass
class Step:
    draft: Draft
    effects: list[Effect] = field(default_factory=list)
    # Work started by this step, run one after another rather than nested, so a
    # long chain of tasks that finish at once cannot exhaust the call stack.
    deferred: deque[Callable[[], None]] = field(default_factory=deque)
    started: dict[str, int] = field(default_factory=dict)  # chained task starts per workflow in this step
    begun: set[str] = field(default_factory=set)  # ids of the tasks begun in this step
    # Workflows a fail/succeed command ended in this step: the tasks it started just before still begin.
    left_running: set[str] = field(default_factory=set)

    def defer(self, work: Callable[[], None]) -> None:
        self.deferred.append(work)

    def run_deferred(self) -> None:
        while self.deferred:
            self.deferred.popleft()()

    @property
    def rows(self):
        return self.draft.rows

    @property
    def now(self) -> str:
        return self.draft.now

    def evaluate(
        self,
        value: Any,
        wf_ex: Mapping[str, Any],
        *,
        inbound: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        task_ex: Mapping[str, Any] | None = None,
        what: str = "expression",
    ) -> Any:
        """Evaluate expressions in value; a failure becomes a TaskFailure naming what was evaluated."""
        data = evaluation_data(wf_ex, inbound, extra, task_ex)
        try:
            return evaluate(value, data, ExecutionView(self.draft, wf_ex, task_ex))
        except ExpressionError as e:
            raise TaskFailure(str(e), detail=f"while evaluating {what}") from None


@dataclass(frozen=True)
class StepResult:
    """A finished step: the commands to commit (as one entry) and the effects to perform after."""

    commands: list[dict[str, Any]]
    effects: list[Effect]
