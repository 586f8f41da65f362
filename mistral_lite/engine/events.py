"""What can happen to an execution: the engine's inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StartWorkflow:
    """Start a new execution of a stored workflow definition."""

    execution_id: str
    definition_id: str
    input: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class ActionFinished:
    """An action execution ended (executor outcome, or a result set over the API)."""

    action_execution_id: str
    state: str  # SUCCESS, ERROR or CANCELLED
    result: Any = None


@dataclass(frozen=True)
class PauseWorkflow:
    execution_id: str


@dataclass(frozen=True)
class ResumeWorkflow:
    execution_id: str
    env: dict[str, Any] | None = None


@dataclass(frozen=True)
class StopWorkflow:
    """End an execution now: SUCCESS, ERROR or CANCELLED, with a reason."""

    execution_id: str
    state: str
    state_info: str | None = None


@dataclass(frozen=True)
class TimerFired:
    timer_id: str


@dataclass(frozen=True)
class RerunTask:
    """Run a failed task again; `reset` false keeps the successful items of a with-items task."""

    task_execution_id: str
    reset: bool = True
    env: dict[str, Any] | None = None


Event = StartWorkflow | ActionFinished | PauseWorkflow | ResumeWorkflow | StopWorkflow | TimerFired | RerunTask
