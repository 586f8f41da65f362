"""Timers and cron live only on the leader: a trigger due while the leader dies fires exactly once, and three
nodes booted on data with running actions and armed timers leave all of it to the one that leads."""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.api import FINAL, Api
from tests.support.cluster import LocalCluster, until
from tests.support.mixed_workload import created, executions
from tests.support.process import ServerProcess

STAMP = """---
version: '2.0'
stamp:
  input: [name]
  output: {name: <% $.name %>}
  tasks:
    t:
      action: std.noop
      safe-rerun: true
"""


def at_second(moment: float) -> str:
    """A cron pattern (croniter's seconds field last) that matches one second only."""
    t = datetime.fromtimestamp(moment, timezone.utc)
    return f"{t.minute} {t.hour} {t.day} {t.month} * {t.second}"


async def fired(api: Api) -> Counter:
    return Counter(json.loads(e["input"])["name"] for e in await executions(api) if e["workflow_name"] == "stamp")


async def test_a_cron_trigger_due_during_a_failover_fires_exactly_once(tmp_path):
    expected = Counter({"once-0": 1, "once-1": 1, "once-2": 1, "every": 5})
    with LocalCluster(tmp_path) as cluster:
        leader = cluster.start()
        async with aiohttp.ClientSession() as http:
            api = Api(http, leader.url)
            await api.upload(STAMP)
            due = math.ceil(time.time() + 2.5)  # a whole second, late enough to create every trigger first
            triggers = {f"once-{k}": {"pattern": at_second(due + k), "remaining_executions": 1} for k in range(3)}
            # Fires every second from about two seconds before the kill to two after it.
            triggers["every"] = {"pattern": "* * * * * *", "remaining_executions": 5}
            for name, schedule in triggers.items():
                await created(api, "/cron_triggers", {"name": name, "workflow_name": "stamp",
                                                      "workflow_input": json.dumps({"name": name}), **schedule})
            while time.time() < due:  # kill the leader as the first one-shot falls due, mid-firing maybe
                await asyncio.sleep(0.005)
            leader.kill()
            survivor = Api(http, cluster.running()[0].url)

            async def all_fired() -> Counter | None:
                left = (await survivor.ok("GET", "/cron_triggers"))["cron_triggers"]
                listed = [e for e in await executions(survivor) if e["workflow_name"] == "stamp"]
                return (not left and len(listed) >= sum(expected.values())
                        and all(e["state"] in FINAL for e in listed))

            await until(all_fired, 30, "firing of every trigger")
            leader.start()  # back as a follower: it catches up and fires nothing itself
            cluster.wait_applied_equal()
            for node in cluster.nodes:
                assert await fired(Api(http, node.url)) == expected, node.data_dir.name
            ran = [e["state"] for e in await executions(survivor)]
            assert ran == ["SUCCESS"] * sum(expected.values())


NAPPING = """---
version: '2.0'
napping:
  input: [n]
  output: {n: <% $.n %>}
  tasks:
    nap:
      action: std.sleep seconds=3
      safe-rerun: true
      on-success: [done]
    done:
      action: std.echo output=<% $.n %>
      safe-rerun: true
delayed:
  input: [n]
  output: {n: <% $.got %>}
  tasks:
    later:
      wait-before: 6
      action: std.echo output=<% $.n %>
      safe-rerun: true
      publish: {got: <% task().result %>}
"""
RUNNING_ACTIONS = 3
TIMERS = 3
# What an engine does; a node that does not lead logs none of it.
ENGINE_EVENTS = ("engine started", "cron started", "re-running interrupted action", "interrupted action failed",
                 "timer fired", "task completed", "execution started", "cron trigger fired")


def events(node: ServerProcess, since: int) -> list[dict[str, Any]]:
    """The node's JSON log lines written after byte `since`."""
    with open(node.log_path, "rb") as f:
        f.seek(since)
        lines = f.read().decode(errors="replace").splitlines()
    found = []
    for line in lines:
        try:
            found.append(json.loads(line))
        except ValueError:
            continue  # pysyncobj or Python may print a plain line
    return found


def early_timers(db: Path) -> list[tuple[str, str]]:
    """Delayed tasks whose action was created before the task's wait-before had passed."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("""SELECT t.created_at, a.created_at FROM task_executions t
                               JOIN action_executions a ON a.task_execution_id = t.id
                               WHERE t.name = 'later'""").fetchall()
    finally:
        conn.close()
    parse = lambda s: datetime.strptime(s, "%Y-%m-%d %H:%M:%S.%f")  # noqa: E731
    assert len(rows) == TIMERS, rows
    return [(t, a) for t, a in rows if (parse(a) - parse(t)).total_seconds() < 6]


async def test_three_nodes_booted_on_running_actions_and_timers_leave_them_to_the_leader(tmp_path):
    with LocalCluster(tmp_path) as cluster:
        leader = cluster.start()
        async with aiohttp.ClientSession() as http:
            api = Api(http, leader.url)
            await api.upload(NAPPING)
            ids = [(await api.start(wf, {"n": n}))["id"] for wf in ("napping", "delayed") for n in range(3)]

            async def armed() -> bool:
                naps = (await api.ok("GET", "/action_executions?state=RUNNING&limit=1000"))["action_executions"]
                later = (await api.ok("GET", "/tasks?name=later&limit=1000"))["tasks"]
                return len(naps) == RUNNING_ACTIONS and len(later) == TIMERS

            await until(armed, 15, "running actions and armed timers")
            for node in cluster.nodes:
                node.kill()
            offsets = {node.data_dir.name: node.log_path.stat().st_size for node in cluster.nodes}
            leader = cluster.start()
            reader = Api(http, leader.url)
            done = [await reader.wait(i, timeout=60) for i in ids]
            assert [d["state"] for d in done] == ["SUCCESS"] * 6, done
            assert [d["output"] for d in done] == [{"n": n} for _ in range(2) for n in range(3)]
            for execution_id in ids:  # nothing ran twice: one task execution per task
                names = Counter(t["name"] for t in await reader.tasks(execution_id))
                assert set(names.values()) == {1}, names
        logged = {node.data_dir.name: events(node, offsets[node.data_dir.name]) for node in cluster.nodes}
        for name, lines in logged.items():
            assert_engine_only_while_leading(name, lines)
        first = min((e for lines in logged.values() for e in lines if e.get("event") == "engine started"),
                    key=lambda e: e["timestamp"])
        # The first leader found every running action and armed every timer; nobody else did anything.
        assert first["recovered_actions"] == RUNNING_ACTIONS and first["timers"] == TIMERS, first
        assert any(e.get("event") == "engine started" for e in logged[leader.data_dir.name])
        assert early_timers(leader.database) == []  # timers never fire early, restart or not


def assert_engine_only_while_leading(name: str, lines: list[dict[str, Any]]) -> None:
    """A node's engine work all comes after it won an election; a node that never led did none."""
    elected = [e["timestamp"] for e in lines if e.get("event") == "raft role changed" and e.get("role") == "leader"]
    work = [e for e in lines if e.get("event") in ENGINE_EVENTS]
    if not elected:
        assert work == [], (name, work)
        return
    assert all(e["timestamp"] > elected[0] for e in work), (name, elected, work)
    led = [e["event"] for e in lines if e.get("event") in ("leading", "engine started")]
    assert led[:2] == ["engine started", "leading"], (name, led)  # the engine is up before the node serves as leader
