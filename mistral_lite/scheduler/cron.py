"""Fires cron triggers: sleeps until the next one is due, then starts its workflow.

The trigger's advance (next time, one fewer remaining, or its deletion) is
committed in the same log entry as the execution it starts, so a firing
happens exactly once even across a crash or a failover: it is an engine
entry, fenced like every decision of a deposed leader. Missed firings during downtime are
not caught up: the next time is computed from now, as Mistral does.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any, Callable

from mistral_lite import logs
from mistral_lite.engine_runner import EngineRunner
from mistral_lite.log.entry import Entry
from mistral_lite.node import Node
from mistral_lite.registry.cron_triggers import TABLE, next_time, parse_stored
from mistral_lite import commands as cmd
from mistral_lite.store import queries
from mistral_lite.store.apply import ApplyResult
from mistral_lite.timestamps import to_stored

log = logs.get("mistral_lite.cron")

MAX_SLEEP = 60.0


class CronScheduler:
    def __init__(self, node: Node, runner: EngineRunner, clock: Callable[[], datetime]) -> None:
        self.node = node
        self.runner = runner
        self.clock = clock
        self._triggers: dict[str, dict[str, Any]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        rows = await self.node.read(queries.list_page, TABLE, queries.PageQuery(sort_keys=("created_at",)))
        self._triggers = {row["id"]: row for row in rows}
        self.node.log.add_listener(self._on_committed)
        self._task = asyncio.create_task(self._loop())
        log.info("cron started", triggers=len(self._triggers))

    async def stop(self) -> None:
        self.node.log.remove_listener(self._on_committed)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def _on_committed(self, index: int, entry: Entry, result: ApplyResult) -> None:
        """Keep the in-memory copy of the triggers in step with the log, and re-plan."""
        if result.status != "applied":
            return
        for command in entry.commands:
            if command.get("table") != TABLE:
                continue
            if command["op"] == "insert":
                self._triggers[command["row"]["id"]] = dict(command["row"])
            elif command["op"] == "update" and command["id"] in self._triggers:
                self._triggers[command["id"]].update(command["set"])
            elif command["op"] == "delete":
                self._triggers.pop(command.get("id"), None)
            self._wake.set()

    async def _loop(self) -> None:
        while True:
            now = self.clock()
            due = [t for t in self._triggers.values() if parse_stored(t["next_execution_time"]) <= now]
            for trigger in sorted(due, key=lambda t: t["next_execution_time"]):
                try:
                    await self._fire(trigger)
                except Exception:
                    log.exception("cron trigger failed", trigger=trigger["name"])
            self._wake.clear()
            upcoming = [parse_stored(t["next_execution_time"]) for t in self._triggers.values()]
            delay = min([(u - self.clock()).total_seconds() for u in upcoming] + [MAX_SLEEP])
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, delay))
            except asyncio.TimeoutError:
                pass

    def _advance(self, trigger: dict[str, Any]) -> dict[str, Any]:
        """The command that moves the trigger on: its next time and count, or its deletion."""
        remaining = trigger.get("remaining_executions")
        if trigger.get("pattern") is None or remaining == 1:
            return cmd.delete(TABLE, trigger["id"])
        after = max(self.clock(), parse_stored(trigger["next_execution_time"]))
        values: dict[str, Any] = {
            "next_execution_time": to_stored(next_time(trigger["pattern"], after)),
            "updated_at": self.node.now(),
        }
        if remaining is not None:
            values["remaining_executions"] = remaining - 1
        return cmd.update(TABLE, trigger["id"], values)

    async def _fire(self, trigger: dict[str, Any]) -> None:
        advance = self._advance(trigger)
        definition = self.runner.find_definition(trigger["workflow_id"], trigger.get("workflow_namespace") or "")
        if definition is None:
            log.error("cron trigger's workflow is gone", trigger=trigger["name"], workflow=trigger["workflow_name"])
            await self.runner.commit_direct([advance], mirror=False)
            return
        description = json.dumps({
            "description": f"Workflow execution created by cron trigger '({trigger['id']})'.",
            "triggered_by": {"type": "cron_trigger", "id": trigger["id"]},
        })
        execution_id = self.node.new_id()
        log.info("cron trigger fired", trigger=trigger["name"], execution_id=execution_id)
        try:
            await self.runner.start_workflow(execution_id, definition["id"], dict(trigger.get("workflow_input") or {}),
                                             dict(trigger.get("workflow_params") or {}), description,
                                             extra_commands=[advance])
        except Exception as e:  # the workflow changed and no longer fits: move on, say why
            log.error("cron trigger could not start its workflow", trigger=trigger["name"], error=str(e))
            await self.runner.commit_direct([advance], mirror=False)
