"""The executor: runs an action by name and always answers with an Outcome."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mistral_lite import logs
from mistral_lite.json_size import describe, size_over
from mistral_lite.executor import python_actions
from mistral_lite.executor.context import ActionContext
from mistral_lite.executor.env import ActionEnv, ActionLimits
from mistral_lite.executor.http_session import HttpSessions
from mistral_lite.executor.outcome import ActionException, Outcome
from mistral_lite.executor.registry import ActionRegistry, RegisteredAction
from mistral_lite.executor.signature import ActionSignature, check_parameters

log = logs.get(__name__)


class Executor:
    """Runs std.* and custom Python actions without ever blocking the event loop."""

    def __init__(self, *, max_threads: int = 16, extra_actions: Mapping[str, Any] | None = None,
                 limits: ActionLimits = ActionLimits()) -> None:
        """Discover entry point actions now; extra_actions (name -> class or function) take precedence."""
        custom = {**python_actions.discover(), **(extra_actions or {})}
        self._registry = ActionRegistry(custom)
        self._limits = limits
        self._pool = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="action")
        self._http = HttpSessions()
        self._closed = False

    def has_action(self, name: str) -> bool:
        """Whether an action of that name can be run."""
        return self._registry.get(name) is not None

    def action_names(self) -> list[str]:
        """Every action this executor can run, sorted."""
        return self._registry.names()

    def signature(self, name: str) -> ActionSignature | None:
        """The action's parameters and whether it is async; None for an unknown action."""
        action = self._registry.get(name)
        return action.signature if action is not None else None

    def check_input(self, name: str, params: Mapping[str, Any]) -> str | None:
        """None if the input fits the action, else Mistral's error message."""
        action = self._registry.get(name)
        if action is None:
            return not_found_message(name)
        return check_parameters(name, action.class_name, action.signature, params)

    async def run(
        self, name: str, params: Mapping[str, Any], context: ActionContext, timeout: float | None = None
    ) -> Outcome:
        """Run an action to its outcome. Never raises for action problems: they become ERROR outcomes.

        timeout: seconds (None or <= 0: no limit). An action on a pool thread
        cannot be interrupted: after a timeout its thread runs on, unobserved.
        """
        if self._closed:
            return Outcome.error(f"Cannot run action {name}: the executor is closed")
        params = params or {}
        action = self._registry.get(name)
        if action is None:
            return Outcome.error(not_found_message(name))
        problem = check_parameters(name, action.class_name, action.signature, params)
        if problem is not None:
            return Outcome.error(problem)
        env = ActionEnv(context, self._http, self._run_blocking, self._limits)
        try:
            async with asyncio.timeout(timeout if timeout is not None and timeout > 0 else None):
                outcome = await self._invoke(action, env, params)
        except TimeoutError:
            # _invoke turns every exception of the action into an outcome: this one is our deadline.
            return Outcome.error(
                f"Action {name} timed out after {timeout:g} seconds [action_ex_id={context.action_execution_id}]"
            )
        return self._bounded(name, outcome, context)

    def _bounded(self, name: str, outcome: Outcome, context: ActionContext) -> Outcome:
        """The outcome, or an ERROR saying so when its result is too big to keep."""
        limit = self._limits.result_size
        size = size_over(outcome.result, limit) if limit else None
        if size is None:
            return outcome
        log.warning("action result too large", action=name, action_ex_id=context.action_execution_id,
                    size_at_least=size, limit=limit)
        return Outcome.error(result_too_large_message(name, size, limit, context.action_execution_id))

    async def close(self) -> None:
        """Close HTTP connections and stop the pool (threads still running an action are left to finish)."""
        self._closed = True
        await self._http.close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _invoke(self, action: RegisteredAction, env: ActionEnv, params: Mapping[str, Any]) -> Outcome:
        try:
            return await action.invoke(env, dict(params))
        except Exception as e:  # not CancelledError: cancelling the run must still cancel it
            log.warning("action raised", action=action.name, action_ex_id=env.context.action_execution_id,
                        exc_info=True)
            label = (e.label if isinstance(e, ActionException) else None) or action.name
            return Outcome.error(python_actions.raised_message(label, env.context.action_execution_id, e))

    async def _run_blocking(self, fn: Any, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args))


def result_too_large_message(name: str, size: int, limit: int, action_ex_id: str | None) -> str:
    """Mistral's words for an oversized field, with the sizes and the option that sets the limit."""
    return (
        f"Field size limit exceeded [class=ActionExecution, field=output, size>={size} bytes, limit={limit} bytes]: "
        f"the result of action {name} is at least {describe(size)} as JSON, over the limit of {describe(limit)} "
        f"set by max-action-result-size [action_ex_id={action_ex_id}]"
    )


def not_found_message(name: str) -> str:
    """Mistral's message for an unknown action name."""
    return f"Failed to find action [action_name={name}]"
