"""Leadership: the engine, its timers, cron and the actions it runs exist on a node only while it leads.

A single node leads from its start to its stop. In a cluster, becoming
leader for term T first commits a barrier entry with epoch T: once it has
applied here, every entry of earlier leaders has too, so a new engine
built from SQLite holds every committed change. It then re-arms timers,
re-dispatches or fails the actions the previous leader left running, and
starts cron. Losing leadership stops all of it at once and forgets its
memory; a node may gain and lose leadership any number of times.
"""

from __future__ import annotations

import asyncio
from mistral_lite import logs
from mistral_lite.actions.system import SystemAction
from mistral_lite.engine_runner import EngineRunner, builtin_actions
from mistral_lite.errors import Unavailable
from mistral_lite.executor import Executor
from mistral_lite.log.entry import Entry
from mistral_lite.node import Node
from mistral_lite.scheduler.cron import CronScheduler

log = logs.get("mistral_lite.leadership")

# Pause before trying to lead again after a failed start (e.g. the barrier could not commit).
RETRY_PAUSE = 0.2


class Leadership:
    def __init__(self, node: Node, executor: Executor, callback_base: str | None) -> None:
        self.node = node
        self.executor = executor
        self.callback_base = callback_base
        self.runner: EngineRunner | None = None
        self.cron: CronScheduler | None = None
        self.term: int | None = None
        self._ready = asyncio.Event()
        self._wanted: tuple[str, int] = ("follower", 0)
        self._broken = False
        self._changed = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None

    @property
    def leading(self) -> bool:
        return self._ready.is_set()

    async def start(self) -> None:
        if not self.node.config.clustered:
            await self._lead(None)
            return
        self.node.log.add_role_listener(self._role_changed)
        self._worker = asyncio.create_task(self._follow_roles())
        if self.node.log.role == "leader":  # won an election before anyone listened
            self._role_changed("leader", self.node.log.term)

    def _role_changed(self, role: str, term: int) -> None:
        self._wanted = (role, term)
        if role != "leader":
            self._ready.clear()  # requests stop reaching the engine now, before it has stopped
        self._changed.set()

    def _engine_broken(self, reason: str) -> None:
        self._ready.clear()
        self._broken = True
        self._changed.set()

    async def _follow_roles(self) -> None:
        """Bring this node's engine in line with its latest Raft role, one change at a time."""
        while True:
            await self._changed.wait()
            self._changed.clear()
            role, term = self._wanted
            try:
                if role == "leader" and (self.runner is None or self.term != term or self._broken):
                    await self._step_down()
                    await self._lead(term)
                elif role != "leader" and self.runner is not None:
                    await self._step_down()
            except asyncio.CancelledError:
                raise
            except Exception as e:
                log.warning("could not start leading; trying again", term=term, error=f"{type(e).__name__}: {e}")
                await self._step_down()
                if self._wanted[0] == "leader":
                    asyncio.get_running_loop().call_later(RETRY_PAUSE, self._changed.set)

    async def _lead(self, term: int | None) -> None:
        chain = None
        if term is not None:
            barrier = Entry(id=self.node.new_id(), kind="barrier", epoch=term)
            result = await self.node.log.submit(barrier)
            if result.status not in ("applied", "duplicate"):
                raise Unavailable(f"the barrier of term {term} was {result.status}: {result.error}")
            chain = barrier.id
        self._broken = False
        runner = EngineRunner(self.node, self.executor, callback_base=self.callback_base, epoch=term, chain=chain,
                              on_broken=self._engine_broken if term is not None else None)
        self.runner, self.term = runner, term
        await runner.start()
        self.cron = CronScheduler(self.node, runner, self.node.clock)
        await self.cron.start()
        if self._wanted[0] == "leader" or term is None:
            self._ready.set()
        log.info("leading", term=term, node_id=self.node.config.node_id)

    async def _step_down(self) -> None:
        self._ready.clear()
        cron, runner = self.cron, self.runner
        self.cron, self.runner, self.term = None, None, None
        if cron is not None:
            await cron.stop()
        if runner is not None:
            await runner.stop()
            log.info("stopped leading", node_id=self.node.config.node_id, epoch=runner.epoch)

    async def wait_runner(self, timeout: float) -> EngineRunner:
        """The engine, once this node leads and has caught up; 503 if it does not within `timeout`."""
        if not self._ready.is_set():
            try:
                await asyncio.wait_for(self._ready.wait(), timeout)
            except asyncio.TimeoutError:
                raise Unavailable("This node does not lead the cluster right now; retry the request") from None
        runner = self.runner
        if runner is None:
            raise Unavailable("This node does not lead the cluster right now; retry the request")
        return runner

    def current(self) -> EngineRunner:
        """The engine for a request already admitted as a leader's write."""
        if self.runner is None or not self._ready.is_set():
            raise Unavailable("This node does not lead the cluster right now; retry the request")
        return self.runner

    def builtin_actions(self) -> dict[str, SystemAction]:
        return builtin_actions(self.executor)

    async def stop(self, drain_timeout: float, abort: asyncio.Event | None = None) -> None:
        """Stop following roles; a leading node first drains its running actions."""
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        self._ready.clear()
        if self.cron is not None:
            await self.cron.stop()
            self.cron = None
        if self.runner is not None:
            await self.runner.drain(drain_timeout, abort)
            await self.runner.stop()
            self.runner = None
