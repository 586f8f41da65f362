"""Fixtures for the executor tests: an executor and a context."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mistral_lite.executor import ActionContext, Executor


@pytest.fixture
async def executor() -> AsyncIterator[Executor]:
    ex = Executor(max_threads=4)
    yield ex
    await ex.close()


@pytest.fixture
def ctx() -> ActionContext:
    return ActionContext(
        action_execution_id="ae-1",
        task_execution_id="te-1",
        workflow_execution_id="we-1",
        workflow_name="wf",
        task_name="t1",
        callback_url="http://127.0.0.1:8989/v2/action_executions/ae-1",
    )
