"""Shared fixtures: a real server on 127.0.0.1 with a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from mistral_lite import logs
from mistral_lite.config import Config
from mistral_lite.node import Node
from mistral_lite.server import RunningServer
from tests.support.ports import free_port

logs.configure("warning", "console")


@dataclass
class LiveServer:
    url: str  # base URL of the API, ending in /v2
    root: str
    node: Node
    http: aiohttp.ClientSession
    data_dir: Path
    running: RunningServer  # for tests that call the node's services directly


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    port = free_port()
    config = Config(port=port, data_dir=str(tmp_path / "data"), log_level="warning")
    running = RunningServer(config)
    await running.start()
    root = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        yield LiveServer(f"{root}/v2", root, running.node, http, tmp_path / "data", running)
    await running.stop()


@pytest.fixture
def api(server: LiveServer):
    from tests.support.api import Api

    return Api(server.http, server.url)
