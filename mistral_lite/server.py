"""Run one node until SIGINT or SIGTERM, then shut down cleanly."""

from __future__ import annotations

import asyncio
import signal

from aiohttp import web

from mistral_lite import logs
from mistral_lite.api.app import make_app
from mistral_lite.config import Config
from mistral_lite.engine_runner import EngineRunner
from mistral_lite.errors import NodeFailed
from mistral_lite.executor import ActionLimits, Executor
from mistral_lite.expr import configure_limits
from mistral_lite.leadership import Leadership
from mistral_lite.node import Node
from mistral_lite.scheduler.cron import CronScheduler

log = logs.get("mistral_lite.server")


class RunningServer:
    """A node serving HTTP; `stop()` undoes `start()` in reverse order."""

    def __init__(self, config: Config, executor: Executor | None = None) -> None:
        self.config = config
        self.node: Node | None = None
        self.leadership: Leadership | None = None
        self._executor = executor
        self._runner: web.AppRunner | None = None
        # Why this node must stop at once (its storage failed under a committed entry), and who to tell.
        self.failure: str | None = None
        self.failed = asyncio.Event()

    @property
    def engine(self) -> EngineRunner | None:
        """The engine while this node leads."""
        return self.leadership.runner if self.leadership is not None else None

    @property
    def cron(self) -> CronScheduler | None:
        return self.leadership.cron if self.leadership is not None else None

    def _fail(self, reason: str) -> None:
        self.failure = reason
        self.failed.set()

    async def start(self) -> None:
        configure_limits(timeout=self.config.expression_timeout, max_size=self.config.expression_max_size)
        self.node = Node.open(self.config, on_fatal=self._fail)
        self._executor = self._executor or Executor(limits=ActionLimits.of(self.config))
        self.leadership = Leadership(self.node, self._executor, callback_base=self.config.api_base())
        await self.leadership.start()
        self._runner = web.AppRunner(make_app(self.node, self.leadership), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port, reuse_address=True)
        await site.start()
        log.info(
            "serving",
            url=f"http://{self.config.host}:{self.config.port}/v2",
            node_id=self.config.node_id,
            database=str(self.config.database_path),
            applied_index=self.node.log.applied_index,
            raft_address=self.config.raft_address or None,
        )

    async def stop(self, abort: asyncio.Event | None = None) -> None:
        """Stop taking requests and firing triggers, let running actions finish (up to drain-timeout, or
        until `abort` is set), record their results, then close everything."""
        if self.node is None:  # start() was refused before opening anything: nothing to undo or log
            return
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.leadership is not None:
            await self.leadership.stop(0 if self.failure else self.config.drain_timeout, abort)
            self.leadership = None
        if self._executor is not None:
            await self._executor.close()
            self._executor = None
        if self.node is not None:
            await self.node.close()
            self.node = None
        log.info("stopped", node_id=self.config.node_id)


async def serve(config: Config) -> None:
    """Serve until SIGINT or SIGTERM; a second one during the drain stops at once."""
    stop, abort = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if stop.is_set():
            log.warning("second stop signal: not waiting for running actions", node_id=config.node_id)
            abort.set()
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    server = RunningServer(config)
    try:
        await server.start()
        waits = [asyncio.ensure_future(server.failed.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()
        if server.failure is None:
            log.info("shutting down", node_id=config.node_id, drain_timeout_s=config.drain_timeout)
    finally:
        await server.stop(abort)
    if server.failure is not None:
        raise NodeFailed(f"this node stopped because its storage failed: {server.failure}; fix the disk, then "
                         "start it again (it catches up from the other nodes)")
