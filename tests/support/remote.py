"""The outside world in tests: a small aiohttp app served on 127.0.0.1."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from aiohttp import web

from tests.support.ports import free_port


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Serve the app on a free port; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
