"""What a built-in action receives besides its input: its context and the executor's shared resources."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mistral_lite.executor.context import ActionContext
from mistral_lite.executor.http_session import HttpSessions

# Runs fn(*args) in the executor's thread pool and returns its value.
RunBlocking = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class ActionEnv:
    """The first (positional-only) argument of every built-in action."""

    context: ActionContext
    http: HttpSessions
    run_blocking: RunBlocking
