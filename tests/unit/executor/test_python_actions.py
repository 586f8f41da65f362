"""Custom Python actions: mistral_lib-shaped classes, plain functions, and entry point discovery."""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from mistral_lite.executor import ActionContext, Executor, Outcome
from mistral_lite.executor.python_actions import discover


@dataclass
class Result:
    """Shaped like mistral_lib.actions.Result, without importing it."""

    data: Any = None
    error: Any = None
    cancel: bool = False

    def is_error(self) -> bool:
        return self.error is not None and not self.cancel


class Greet:
    """Says hello."""

    def __init__(self, name: str, greeting: str = "Hello") -> None:
        self.name, self.greeting = name, greeting

    def run(self, context: Any) -> Any:
        return {"text": f"{self.greeting}, {self.name}", "wf": context.execution.workflow_name,
                "ae": context.execution.action_execution_id, "security": context.security.auth_token}


class ReportsError:
    def __init__(self, code: int) -> None:
        self.code = code

    def run(self, context: Any) -> Any:
        return Result(error={"code": self.code})


class ReportsData:
    def run(self, context: Any) -> Any:
        return Result(data=[1, 2])


class Cancels:
    def run(self, context: Any) -> Any:
        return Result(cancel=True)


class Raises:
    def run(self, context: Any) -> Any:
        raise RuntimeError("boom")


class ExitsProcess:
    def run(self, context: Any) -> Any:
        raise SystemExit(3)


class BadInit:
    def __init__(self, value: Any) -> None:
        raise ValueError(f"bad value {value}")

    def run(self, context: Any) -> Any:
        return None


class Blocking:
    def __init__(self, seconds: float = 0.2) -> None:
        self.seconds = seconds

    def run(self, context: Any) -> Any:
        time.sleep(self.seconds)
        return "slept"


class StartsElsewhere:
    def run(self, context: Any) -> Any:
        return "ignored: the result comes over the API"

    def is_sync(self) -> bool:
        return False


class AsyncFailsAtOnce(StartsElsewhere):
    def run(self, context: Any) -> Any:
        return Result(error="could not start")


class AnyInput:
    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs

    def run(self, context: Any) -> Any:
        return self.kwargs


class AsyncRun:
    def __init__(self, value: int) -> None:
        self.value = value

    async def run(self, context: Any) -> Any:
        await asyncio.sleep(0)
        return self.value * 2


def add(a: int, b: int = 1) -> int:
    """A plain function action."""
    return a + b


async def add_later(a: int) -> int:
    await asyncio.sleep(0)
    return a + 100


EXTRA = {
    "my.greet": Greet, "my.error": ReportsError, "my.data": ReportsData, "my.cancel": Cancels,
    "my.raises": Raises, "my.exit": ExitsProcess, "my.bad_init": BadInit, "my.blocking": Blocking,
    "my.async": StartsElsewhere, "my.async_fail": AsyncFailsAtOnce, "my.kwargs": AnyInput,
    "my.async_run": AsyncRun, "my.add": add, "my.add_later": add_later, "std.echo": Greet,
}


@pytest.fixture
async def executor() -> Any:
    ex = Executor(max_threads=4, extra_actions=EXTRA)
    yield ex
    await ex.close()


async def test_returns_value_with_context(executor: Executor, ctx: ActionContext) -> None:
    out = await executor.run("my.greet", {"name": "Ann"}, ctx)
    assert out == Outcome("SUCCESS", {"text": "Hello, Ann", "wf": "wf", "ae": "ae-1", "security": None})


async def test_result_with_error_data_and_cancel(executor: Executor, ctx: ActionContext) -> None:
    assert await executor.run("my.error", {"code": 7}, ctx) == Outcome("ERROR", {"code": 7})
    assert await executor.run("my.data", {}, ctx) == Outcome("SUCCESS", [1, 2])
    assert await executor.run("my.cancel", {}, ctx) == Outcome("CANCELLED", None)


async def test_raising_is_error_naming_the_action(executor: Executor, ctx: ActionContext) -> None:
    out = await executor.run("my.raises", {}, ctx)
    assert out == Outcome("ERROR", "The action raised an exception [action=my.raises, action_ex_id=ae-1, msg='boom']")
    out = await executor.run("my.exit", {}, ctx)
    assert out.state == "ERROR" and "my.exit" in out.result


async def test_constructor_failure_is_error(executor: Executor, ctx: ActionContext) -> None:
    out = await executor.run("my.bad_init", {"value": 5}, ctx)
    assert out.state == "ERROR"
    assert out.result.startswith("Failed to initialize action my.bad_init [class=")
    assert "bad value 5" in out.result


async def test_blocking_action_does_not_block_the_loop(executor: Executor, ctx: ActionContext) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(ticker())
    try:
        out = await executor.run("my.blocking", {"seconds": 0.2}, ctx)
    finally:
        ticking.cancel()
    assert out == Outcome("SUCCESS", "slept")
    assert ticks >= 5  # a blocked loop would have ticked once


async def test_blocking_actions_run_in_parallel(executor: Executor, ctx: ActionContext) -> None:
    started = time.monotonic()
    outs = await asyncio.gather(*(executor.run("my.blocking", {"seconds": 0.2}, ctx) for _ in range(3)))
    assert all(o == Outcome("SUCCESS", "slept") for o in outs)
    assert time.monotonic() - started < 0.55


async def test_timeout_of_blocking_action(executor: Executor, ctx: ActionContext) -> None:
    started = time.monotonic()
    out = await executor.run("my.blocking", {"seconds": 0.3}, ctx, timeout=0.05)
    assert time.monotonic() - started < 0.25
    assert out.state == "ERROR" and "timed out after 0.05 seconds" in out.result


async def test_async_action_stays_running_unless_it_errs(executor: Executor, ctx: ActionContext) -> None:
    assert await executor.run("my.async", {}, ctx) == Outcome("RUNNING")
    assert await executor.run("my.async_fail", {}, ctx) == Outcome("ERROR", "could not start")


async def test_async_def_run_and_functions(executor: Executor, ctx: ActionContext) -> None:
    assert await executor.run("my.async_run", {"value": 21}, ctx) == Outcome("SUCCESS", 42)
    assert await executor.run("my.add", {"a": 2}, ctx) == Outcome("SUCCESS", 3)
    assert await executor.run("my.add_later", {"a": 1}, ctx) == Outcome("SUCCESS", 101)


async def test_signatures_and_input_check(executor: Executor) -> None:
    sig = executor.signature("my.greet")
    assert sig is not None
    assert [(p.name, p.has_default, p.default) for p in sig.params] == [("name", False, None),
                                                                        ("greeting", True, "Hello")]
    assert sig.input_string == 'name, greeting="Hello"'
    assert sig.description == "Says hello."
    assert not sig.is_async and not sig.accepts_kwargs
    assert executor.signature("my.async").is_async
    kwargs = executor.signature("my.kwargs")
    assert kwargs.accepts_kwargs and kwargs.input_string == "**kwargs"
    assert executor.check_input("my.kwargs", {"anything": 1}) is None
    assert executor.check_input("my.greet", {"nom": "x"}) == (
        f"Invalid input [name=my.greet, class={__name__}.Greet, missing=['name'], unexpected=['nom']]"
    )
    assert executor.signature("my.add").input_string == "a, b=1"


async def test_kwargs_action_gets_everything(executor: Executor, ctx: ActionContext) -> None:
    assert await executor.run("my.kwargs", {"x": 1, "y": [2]}, ctx) == Outcome("SUCCESS", {"x": 1, "y": [2]})


async def test_builtin_names_cannot_be_replaced(executor: Executor, ctx: ActionContext) -> None:
    assert await executor.run("std.echo", {"output": "still std"}, ctx) == Outcome("SUCCESS", "still std")


async def test_real_mistral_lib_action(ctx: ActionContext) -> None:
    from mistral_lib import actions

    class Real(actions.Action):
        def __init__(self, x: int) -> None:
            super().__init__()
            self.x = x

        def run(self, context: Any) -> Any:
            if self.x < 0:
                return actions.Result(error=f"negative: {self.x}")
            return actions.Result(data=self.x + 1)

    class RealAsync(actions.Action):
        def run(self, context: Any) -> Any:
            return None

        def is_sync(self) -> bool:
            return False

    ex = Executor(extra_actions={"real.inc": Real, "real.async": RealAsync})
    try:
        assert await ex.run("real.inc", {"x": 1}, ctx) == Outcome("SUCCESS", 2)
        assert await ex.run("real.inc", {"x": -1}, ctx) == Outcome("ERROR", "negative: -1")
        assert ex.signature("real.async").is_async
        assert await ex.run("real.async", {}, ctx) == Outcome("RUNNING")
    finally:
        await ex.close()


def _fake_distribution(root: Path, module: str, entry_points: str) -> None:
    """A module plus an installed-distribution record declaring entry points, as pip would leave them."""
    (root / f"{module}.py").write_text(textwrap.dedent("""
        class Hello:
            def __init__(self, who="world"):
                self.who = who

            def run(self, context):
                return "hello " + self.who
    """))
    dist_info = root / "fake_actions_dist-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-actions-dist\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(entry_points)


async def test_entry_point_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ctx: ActionContext) -> None:
    module = "fake_mistral_lite_actions_mod"
    _fake_distribution(tmp_path, module, textwrap.dedent(f"""
        [mistral_lite.actions]
        fake.hello = {module}:Hello
        fake.broken = no_such_module_anywhere:Thing
        [some.other.group]
        fake.other = {module}:Hello
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)
    ex = Executor()
    try:
        assert ex.has_action("fake.hello")
        assert not ex.has_action("fake.broken")  # logged and skipped
        assert not ex.has_action("fake.other")
        assert await ex.run("fake.hello", {"who": "there"}, ctx) == Outcome("SUCCESS", "hello there")
    finally:
        await ex.close()
        sys.modules.pop(module, None)


def test_discover_on_given_entry_points() -> None:
    found = discover([
        EntryPoint("x.add", f"{__name__}:add", "mistral_lite.actions"),
        EntryPoint("x.missing", f"{__name__}:no_such_name", "mistral_lite.actions"),
        EntryPoint("x.not_callable", f"{__name__}:EXTRA", "mistral_lite.actions"),
    ])
    assert found == {"x.add": add}


def returns_odd_values() -> Any:
    import datetime

    return {"when": datetime.date(2024, 1, 2), "tags": {"a"}, "raw": b"x", "n": 1}


async def test_results_are_made_json_safe(ctx: ActionContext) -> None:
    ex = Executor(extra_actions={"odd": returns_odd_values})
    try:
        out = await ex.run("odd", {}, ctx)
    finally:
        await ex.close()
    assert out == Outcome("SUCCESS", {"when": "2024-01-02", "tags": ["a"], "raw": "x", "n": 1})


async def test_run_after_close_is_error(ctx: ActionContext) -> None:
    ex = Executor()
    await ex.close()
    out = await ex.run("std.noop", {}, ctx)
    assert out.state == "ERROR" and "closed" in out.result


def test_mistral_group_first_ours_wins_a_shared_name() -> None:
    found = discover([
        EntryPoint("x.add", f"{__name__}:returns_odd_values", "mistral.actions"),
        EntryPoint("x.add", f"{__name__}:add", "mistral_lite.actions"),
        EntryPoint("x.odd", f"{__name__}:returns_odd_values", "mistral.actions"),
    ])
    assert found == {"x.add": add, "x.odd": returns_odd_values}
