"""An in-process server with options of the test's choosing, and an API client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from mistral_lite.config import Config
from mistral_lite.executor import Executor
from mistral_lite.server import RunningServer
from tests.support.api import Api
from tests.support.ports import free_port


@asynccontextmanager
async def live_api(data_dir: Path, executor: Executor | None = None, **options: Any) -> AsyncIterator[Api]:
    """Start a real server on 127.0.0.1 with these Config options; stop it on the way out."""
    config = Config(port=free_port(), data_dir=str(data_dir), log_level="warning", **options)
    running = RunningServer(config, executor=executor)
    await running.start()
    try:
        async with aiohttp.ClientSession() as http:
            yield Api(http, f"http://127.0.0.1:{config.port}/v2")
    finally:
        await running.stop()
