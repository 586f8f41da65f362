"""What a built-in action receives besides its input: its context and the executor's shared resources."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from mistral_lite.executor.context import ActionContext
from mistral_lite.executor.http_session import HttpSessions

# Runs fn(*args) in the executor's thread pool and returns its value.
RunBlocking = Callable[..., Awaitable[Any]]


class LimitSettings(Protocol):
    """The options ActionLimits reads (mistral_lite.config.Config has them)."""

    max_action_result_size: int
    max_http_response_size: int


@dataclass(frozen=True)
class ActionLimits:
    """Sizes in bytes an action may produce; 0 or None means no limit."""

    # Of the JSON encoding of a result (or error payload), as the store would keep it.
    result_size: int | None = None
    # Of the (decompressed) body std.http reads.
    http_response_size: int | None = None

    @classmethod
    def of(cls, config: LimitSettings) -> ActionLimits:
        return cls(result_size=config.max_action_result_size, http_response_size=config.max_http_response_size)


@dataclass(frozen=True)
class ActionEnv:
    """The first (positional-only) argument of every built-in action."""

    context: ActionContext
    http: HttpSessions
    run_blocking: RunBlocking
    limits: ActionLimits = ActionLimits()
