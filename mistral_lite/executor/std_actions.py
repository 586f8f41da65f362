"""The simple std.* actions: noop, echo, fail, sleep, test_dict, async_noop.

Each is an async function taking the runtime environment positionally and
the action input as keyword parameters with exactly the names and defaults of
`mistral_lite.actions.system`. Waiting uses asyncio, never a thread.
"""

from __future__ import annotations

import asyncio
from typing import Any

from mistral_lite.executor.env import ActionEnv
from mistral_lite.executor.outcome import ActionException, Outcome

FAIL_MESSAGE = "Fail action expected exception."


async def noop(env: ActionEnv, /) -> Outcome:
    """Does nothing; the result is null."""
    return Outcome.success(None)


async def echo(env: ActionEnv, /, output: Any, delay: Any = 0) -> Outcome:
    """Returns `output` after `delay` seconds (invalid or negative delay: no wait)."""
    await asyncio.sleep(_non_negative(delay, float))
    return Outcome.success(output)


async def fail(env: ActionEnv, /, error_data: Any = None) -> Outcome:
    """Always fails: with error_data as the error payload, else by raising Mistral's exception."""
    # Mistral tests truthiness: error_data 0, "" or {} gives the plain message.
    if error_data:
        return Outcome.error(error_data)
    raise ActionException(FAIL_MESSAGE, label="Fail action")


async def sleep(env: ActionEnv, /, seconds: Any = 1) -> Outcome:
    """Sleeps `seconds` (converted with int() like Mistral; invalid or negative: no wait)."""
    await asyncio.sleep(_non_negative(seconds, int))
    return Outcome.success(None)


async def test_dict(env: ActionEnv, /, size: Any = 0, key_prefix: Any = "", val: Any = "") -> Outcome:
    """Returns {key_prefix + "0": val, ..., key_prefix + str(size - 1): val}."""
    try:
        count = int(size)
    except (TypeError, ValueError):
        return Outcome.error(f"std.test_dict: size must be an integer, got {size!r}")
    return Outcome.success({f"{key_prefix}{i}": val for i in range(count)})


async def async_noop(env: ActionEnv, /) -> Outcome:
    """Does nothing and stays RUNNING until its result is set over the API."""
    return Outcome.running()


def _non_negative(value: Any, convert: type) -> float:
    """value converted with `convert`; 0 when it cannot be converted or is negative."""
    try:
        number = convert(value)
    except (TypeError, ValueError, OverflowError):
        return 0
    return max(0, number)
