"""A mixed batch of executions (sequence, parallel + join, with-items, retry with delay, an async action, a
sub-workflow, a cron trigger, a long loop) and what it ended as, so a run interrupted by kill -9 can be
compared with an uninterrupted one.

Every task whose action may be in flight when its node dies has `safe-rerun: true`: that is what lets an
interrupted run end exactly as an uninterrupted one. A re-run may add an action execution to its task, never a
task execution. `fragile` is the exception: its action is running when the node dies, so it ends ERROR with the
reason, and its on-error handler runs.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from tests.support.api import FINAL, Api

WORKFLOWS = """---
version: '2.0'
steps:
  input: [n]
  output: {r: <% $.r %>}
  tasks:
    one:
      action: std.echo output=<% $.n %>
      safe-rerun: true
      publish: {a: <% task().result %>}
      on-success: [nap]
    nap:
      action: std.sleep seconds=1
      safe-rerun: true
      on-success: [three]
    three:
      action: std.echo output=<% $.a * 10 %>
      safe-rerun: true
      publish: {r: <% task().result %>}
fan:
  input: [n]
  output: {sum: <% $.left + $.right %>}
  tasks:
    begin:
      action: std.noop
      safe-rerun: true
      on-success: [left, right]
    left:
      action: std.sleep seconds=1
      safe-rerun: true
      publish: {left: <% $.n %>}
      on-success: [joined]
    right:
      action: std.echo output=<% $.n + 1 %>
      safe-rerun: true
      publish: {right: <% task().result %>}
      on-success: [joined]
    joined:
      join: all
      action: std.noop
      safe-rerun: true
items:
  input: [xs]
  output: {doubled: <% $.doubled %>}
  tasks:
    each:
      with-items: x in <% $.xs %>
      concurrency: 2
      action: std.echo output=<% $.x * 2 %>
      safe-rerun: true
      publish: {doubled: <% task().result %>}
retrying:
  input: [n]
  output: {handled: <% $.handled %>}
  tasks:
    flaky:
      action: std.fail
      safe-rerun: true
      retry: {count: 2, delay: 1}
      on-error: [handle]
    handle:
      action: std.echo output=<% $.n %>
      safe-rerun: true
      publish: {handled: <% task().result %>}
waiting:
  input: [n]
  output: {got: <% $.got %>}
  tasks:
    ask:
      action: std.async_noop
      publish: {got: <% task().result %>}
parent:
  input: [n]
  output: {child: <% $.child %>}
  tasks:
    call:
      workflow: steps n=<% $.n %>
      publish: {child: <% task().result.r %>}
ticker:
  input: [n, {i: 0}]
  output: {ticks: <% $.i %>}
  tasks:
    warm:
      action: std.noop
      safe-rerun: true
      on-success: [tick]
    tick:
      action: std.echo output=<% $.i %>
      safe-rerun: true
      publish: {i: <% $.i + 1 %>}
      on-success:
        - tick: <% $.i < $.n %>
fragile:
  tasks:
    nap:
      action: std.sleep seconds=60
      on-error: [report]
    report:
      action: std.echo output="<% task(nap).state_info %>"
      publish: {why: <% task().result %>}
"""

INTERRUPTED = "was running when the node running it stopped or died"

# Label -> (workflow, input): 27 started over the API; the cron trigger starts the rest.
BATCH: dict[str, tuple[str, dict[str, Any]]] = {
    **{f"steps{n}": ("steps", {"n": n}) for n in range(5)},
    **{f"fan{n}": ("fan", {"n": n}) for n in range(5)},
    **{f"items{n}": ("items", {"xs": list(range(n + 3))}) for n in range(5)},
    **{f"retrying{n}": ("retrying", {"n": n}) for n in range(4)},
    **{f"waiting{n}": ("waiting", {"n": n}) for n in range(3)},
    **{f"parent{n}": ("parent", {"n": n}) for n in range(3)},
    **{f"ticker{n}": ("ticker", {"n": 60 + n}) for n in range(3)},
}
CRON_RUNS = 2
CRON_INPUT = {"n": 7}
# Tasks whose action may be re-run after a failover, and how many of its actions can be in flight at once.
RERUN_WIDTH = {"one": 1, "nap": 1, "three": 1, "begin": 1, "left": 1, "right": 1, "joined": 1, "each": 2,
               "flaky": 1, "handle": 1, "warm": 1, "tick": 1}


@dataclass(frozen=True)
class Outcome:
    workflow: str
    state: str
    output: Any
    tasks: Counter  # (task name, state) -> how many task executions
    actions: Counter  # task name -> how many action executions


@dataclass
class Batch:
    """One run of BATCH (plus its cron trigger) against a server or a cluster."""
    tag: str
    ids: dict[str, str] = field(default_factory=dict)  # label -> execution id
    trigger_id: str | None = None

    async def start(self, api_for: Callable[[int], Api]) -> None:
        """Start every execution, the i-th through api_for(i), and create the cron trigger."""
        for i, (label, (workflow, wf_input)) in enumerate(BATCH.items()):
            started = await created(api_for(i), "/executions", {"workflow_name": workflow, "input": json.dumps(wf_input)})
            self.ids[label] = started["id"]
        trigger = await created(api_for(0), "/cron_triggers", {
            "name": f"every-second-{self.tag}", "workflow_name": "steps", "workflow_input": json.dumps(CRON_INPUT),
            "pattern": "* * * * * *", "remaining_executions": CRON_RUNS})
        self.trigger_id = trigger["id"]

    async def settle(self, reader: Callable[[], Api], writer: Callable[[], Api], timeout: float = 120.0) -> None:
        """Answer the async actions (through `writer`) and wait until every execution of the batch is final."""
        deadline = time.monotonic() + timeout
        answered: set[str] = set()
        while True:
            api = reader()
            listed = await executions(api)
            mine = [e for e in listed if self.owns(e, listed)]
            for label, execution_id in self.ids.items():
                if BATCH[label][0] == "waiting" and execution_id not in answered:
                    if await answer(api, writer, execution_id, {"answer": BATCH[label][1]["n"]}, deadline):
                        answered.add(execution_id)
            cron = [e for e in mine if self.fired(e)]
            if (len(cron) >= CRON_RUNS and all(e["state"] in FINAL for e in mine)
                    and all(i in {e["id"] for e in mine} for i in self.ids.values())):
                return
            if time.monotonic() > deadline:
                waiting = sorted((e["workflow_name"], e["state"]) for e in mine if e["state"] not in FINAL)
                raise AssertionError(f"batch {self.tag} not finished after {timeout} s: {len(cron)} cron runs, "
                                     f"still going: {waiting}")
            await asyncio.sleep(0.05)

    def fired(self, execution: dict[str, Any]) -> bool:
        description = execution.get("description") or ""
        return bool(self.trigger_id) and self.trigger_id in description

    def owns(self, execution: dict[str, Any], listed: list[dict[str, Any]]) -> bool:
        roots = set(self.ids.values()) | {e["id"] for e in listed if self.fired(e)}
        return execution["id"] in roots or execution.get("root_execution_id") in roots

    async def outcomes(self, api: Api) -> dict[str, Outcome]:
        """What every execution of the batch ended as, by label (sub-workflows as parent/task, cron runs cron0..)."""
        listed = await executions(api)
        mine = {e["id"]: e for e in listed if self.owns(e, listed)}
        labels = {execution_id: label for label, execution_id in self.ids.items()}
        fired = sorted((e for e in mine.values() if self.fired(e)), key=lambda e: e["created_at"] + e["id"])
        labels.update({e["id"]: f"cron{i}" for i, e in enumerate(fired)})
        found: dict[str, Outcome] = {}
        task_owner: dict[str, str] = {}
        for execution_id, label in list(labels.items()):
            found[label], tasks = await outcome(api, mine[execution_id])
            task_owner.update({t["id"]: label for t in tasks})
        for e in mine.values():
            if e["id"] not in labels:  # a sub-workflow: named for its parent and the task that called it
                parent = task_owner[e["task_execution_id"]]
                found[f"{parent}/sub"], _ = await outcome(api, e)
        return found

    async def start_fragile(self, api: Api) -> str:
        return (await created(api, "/executions", {"workflow_name": "fragile"}))["id"]


async def created(api: Api, path: str, body: dict[str, Any], timeout: float = 40.0) -> dict[str, Any]:
    """POST, retried while the cluster has no leader (a follower that has not heard of one yet says 503)."""
    deadline = time.monotonic() + timeout
    while True:
        status, answer = await api.call("POST", path, body)
        if status == 201:
            return answer
        assert status == 503 and time.monotonic() < deadline, (path, status, answer)
        await asyncio.sleep(0.1)


async def executions(api: Api) -> list[dict[str, Any]]:
    return (await api.ok("GET", "/executions?limit=1000&include_output=true"))["executions"]


async def outcome(api: Api, execution: dict[str, Any]) -> tuple[Outcome, list[dict[str, Any]]]:
    tasks = await api.tasks(execution["id"])
    actions: Counter = Counter()
    for task in tasks:
        listed = await api.ok("GET", f"/tasks/{task['id']}/action_executions")
        actions[task["name"]] += len(listed["action_executions"])
    output = json.loads(execution["output"]) if execution.get("output") else None
    return Outcome(execution["workflow_name"], execution["state"], output,
                   Counter((t["name"], t["state"]) for t in tasks), actions), tasks


async def answer(api: Api, writer: Callable[[], Api], execution_id: str, result: dict, deadline: float) -> bool:
    """Complete the execution's async action, if it is waiting; retried while the cluster has no leader."""
    tasks = await api.tasks(execution_id)
    if not tasks:
        return False
    listed = (await api.ok("GET", f"/tasks/{tasks[0]['id']}/action_executions"))["action_executions"]
    if not listed or listed[0]["state"] != "RUNNING":
        return bool(listed)
    while True:
        status, body = await writer().call("PUT", f"/action_executions/{listed[0]['id']}",
                                           {"state": "SUCCESS", "output": result})
        if status == 200 or (status == 409 and "is already completed" in body["faultstring"]):
            return True  # a 409: an earlier attempt that got a 503 had committed after all (the first result counts)
        assert status == 503, (status, body)  # no leader for a moment: never a 500
        if time.monotonic() > deadline:
            raise AssertionError(f"no leader took the async result: {body}")
        await asyncio.sleep(0.1)


def differences(expected: dict[str, Outcome], got: dict[str, Outcome], kills: int) -> list[str]:
    """How an interrupted run differs from an uninterrupted one, beyond what safe-rerun allows: a re-run may
    add up to `kills` x its width action executions to a safe-rerun task, nothing else."""
    problems = []
    if set(expected) != set(got):
        problems.append(f"executions differ: missing {sorted(set(expected) - set(got))}, "
                        f"extra {sorted(set(got) - set(expected))}")
    for label in sorted(set(expected) & set(got)):
        want, have = expected[label], got[label]
        for what in ("workflow", "state", "output", "tasks"):
            if getattr(want, what) != getattr(have, what):
                problems.append(f"{label}: {what} {getattr(have, what)!r}, uninterrupted {getattr(want, what)!r}")
        for task in set(want.actions) | set(have.actions):
            extra = have.actions[task] - want.actions[task]
            if extra < 0 or extra > kills * RERUN_WIDTH.get(task, 0):
                problems.append(f"{label}: task {task} has {have.actions[task]} action executions, "
                                f"uninterrupted {want.actions[task]}")
    return problems


def stored(moment: float) -> str:
    """A wall-clock time as the database stores it, so it compares with created_at."""
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def first_task_after(db: Path, moment: float) -> float | None:
    """Seconds from `moment` to the first task execution created after it, read from a node's SQLite file."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT min(created_at) FROM task_executions WHERE created_at > ?",
                           (stored(moment),)).fetchone()
    finally:
        conn.close()
    if row[0] is None:
        return None
    created = datetime.strptime(row[0], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)
    return created.timestamp() - moment
