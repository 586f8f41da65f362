"""What the shell must do after a step's commands are committed: the engine's outputs besides commands."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RunAction:
    """Run an action for an action execution; its outcome comes back as ActionFinished."""

    action_execution_id: str
    action_name: str  # a system or Python action: ad-hoc actions are already resolved to their base
    input: dict[str, Any] = field(default_factory=dict)
    workflow_execution_id: str | None = None
    task_execution_id: str | None = None
    workflow_name: str | None = None
    task_name: str | None = None
    timeout: float | None = None
    safe_rerun: bool = False


@dataclass(frozen=True)
class ArmTimer:
    """Send TimerFired(timer_id) at due_at (stored time format); at once if it is already past."""

    timer_id: str
    due_at: str


Effect = RunAction | ArmTimer
