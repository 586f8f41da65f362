"""The simple std.* actions, input checking, unknown actions, timeouts and signature parity."""

from __future__ import annotations

import asyncio
import inspect
import time

from mistral_lite.actions.system import SYSTEM_ACTIONS
from mistral_lite.executor import ActionContext, Executor, Outcome
from mistral_lite.executor.registry import STD_IMPLEMENTATIONS
from mistral_lite.executor.signature import signature_of


async def test_noop(executor: Executor, ctx: ActionContext) -> None:
    assert await executor.run("std.noop", {}, ctx) == Outcome("SUCCESS", None)


async def test_echo_returns_output_after_delay(executor: Executor, ctx: ActionContext) -> None:
    started = time.monotonic()
    out = await executor.run("std.echo", {"output": {"a": [1, 2]}, "delay": 0.1}, ctx)
    assert out == Outcome("SUCCESS", {"a": [1, 2]})
    assert time.monotonic() - started >= 0.09


async def test_echo_negative_or_invalid_delay_is_zero(executor: Executor, ctx: ActionContext) -> None:
    for delay in (-5, "abc", None):
        started = time.monotonic()
        assert await executor.run("std.echo", {"output": "x", "delay": delay}, ctx) == Outcome("SUCCESS", "x")
        assert time.monotonic() - started < 0.5


async def test_fail_without_data_gives_message(executor: Executor, ctx: ActionContext) -> None:
    out = await executor.run("std.fail", {}, ctx)
    assert out.state == "ERROR"
    assert out.result.startswith("The action raised an exception [action=Fail action, action_ex_id=")
    assert out.result.endswith("msg='Fail action expected exception.']")


async def test_fail_with_error_data_gives_it_exactly(executor: Executor, ctx: ActionContext) -> None:
    assert await executor.run("std.fail", {"error_data": {"code": 42}}, ctx) == Outcome("ERROR", {"code": 42})


async def test_sleep(executor: Executor, ctx: ActionContext) -> None:
    assert await executor.run("std.sleep", {"seconds": 0}, ctx) == Outcome("SUCCESS", None)
    for seconds in (-3, "soon", 0.9):  # 0.9 -> int() -> 0, like Mistral
        started = time.monotonic()
        assert await executor.run("std.sleep", {"seconds": seconds}, ctx) == Outcome("SUCCESS", None)
        assert time.monotonic() - started < 0.5


async def test_test_dict(executor: Executor, ctx: ActionContext) -> None:
    out = await executor.run("std.test_dict", {"size": 3, "key_prefix": "k", "val": "v"}, ctx)
    assert out == Outcome("SUCCESS", {"k0": "v", "k1": "v", "k2": "v"})
    assert await executor.run("std.test_dict", {}, ctx) == Outcome("SUCCESS", {})
    bad = await executor.run("std.test_dict", {"size": "many"}, ctx)
    assert bad.state == "ERROR" and "size" in bad.result


async def test_async_noop_stays_running(executor: Executor, ctx: ActionContext) -> None:
    assert await executor.run("std.async_noop", {}, ctx) == Outcome("RUNNING")


async def test_check_input_messages(executor: Executor) -> None:
    assert executor.check_input("std.echo", {"output": 1}) is None
    assert executor.check_input("std.echo", {"output": 1, "delay": 2}) is None
    assert executor.check_input("std.echo", {"x": 1}) == (
        "Invalid input [name=std.echo, class=mistral.actions.std_actions.EchoAction,"
        " missing=['output'], unexpected=['x']]"
    )
    assert executor.check_input("std.echo", {}) == (
        "Invalid input [name=std.echo, class=mistral.actions.std_actions.EchoAction, missing=['output']]"
    )
    assert executor.check_input("std.noop", {"a": 1, "b": 2}) == (
        "Invalid input [name=std.noop, class=mistral.actions.std_actions.NoOpAction, unexpected=['a', 'b']]"
    )


async def test_run_with_invalid_input_is_error(executor: Executor, ctx: ActionContext) -> None:
    out = await executor.run("std.echo", {"outptu": 1}, ctx)
    assert out.state == "ERROR"
    assert out.result.startswith("Invalid input [name=std.echo,")


async def test_unknown_action(executor: Executor, ctx: ActionContext) -> None:
    assert not executor.has_action("nova.servers_list")
    assert executor.signature("nova.servers_list") is None
    out = await executor.run("nova.servers_list", {}, ctx)
    assert out == Outcome("ERROR", "Failed to find action [action_name=nova.servers_list]")
    assert executor.check_input("nova.servers_list", {}) == out.result


async def test_timeout_is_error_and_prompt(executor: Executor, ctx: ActionContext) -> None:
    started = time.monotonic()
    out = await executor.run("std.sleep", {"seconds": 5}, ctx, timeout=0.1)
    assert time.monotonic() - started < 2
    assert out.state == "ERROR"
    assert out.result == "Action std.sleep timed out after 0.1 seconds [action_ex_id=ae-1]"


async def test_no_timeout_when_not_positive(executor: Executor, ctx: ActionContext) -> None:
    assert await executor.run("std.echo", {"output": 1, "delay": 0.05}, ctx, timeout=0) == Outcome("SUCCESS", 1)


async def test_cancelling_run_cancels_the_action(executor: Executor, ctx: ActionContext) -> None:
    task = asyncio.create_task(executor.run("std.sleep", {"seconds": 5}, ctx))
    await asyncio.sleep(0.02)
    task.cancel()
    try:
        await asyncio.wait_for(task, 1)
    except asyncio.CancelledError:
        pass
    assert task.cancelled()


def test_every_catalogue_action_is_implemented() -> None:
    assert set(STD_IMPLEMENTATIONS) == set(SYSTEM_ACTIONS)


def test_implementation_signatures_match_catalogue() -> None:
    for name, system in SYSTEM_ACTIONS.items():
        impl, _ = STD_IMPLEMENTATIONS[name]
        params, accepts_kwargs = signature_of(impl, skip_first=True)
        assert params == system.params, name
        assert not accepts_kwargs, name
        assert inspect.iscoroutinefunction(impl), name


async def test_executor_signatures_are_the_catalogue(executor: Executor) -> None:
    for name, system in SYSTEM_ACTIONS.items():
        sig = executor.signature(name)
        assert sig is not None
        assert sig.params == system.params
        assert sig.is_async == system.is_async
        assert not sig.accepts_kwargs
        assert sig.input_string == system.input_string
    assert set(SYSTEM_ACTIONS) <= set(executor.action_names())
