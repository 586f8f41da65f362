"""Leadership moved for maintenance, away and back, with no process restarted: after each move the new
leader runs timers (wait-before), actions, async actions (completed through a follower) and cron triggers,
and an execution that was waiting on an async action across the move finishes. The move is pysyncobj's
admin command over the Raft port, with the cluster's secret, as docs/operations.md tells an operator."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
from pysyncobj.syncobj_admin import executeAdminCommand

from tests.support.api import Api
from tests.support.cluster import SECRET, LocalCluster, wait_for
from tests.support.cluster_state import assert_same_rows, duplicated_work, stop_settled
from tests.support.process import ServerProcess

ROUNDS = """---
version: '2.0'
rounds:
  input: [tag]
  output: {echo: <% $.echo %>, released: <% $.released %>}
  tasks:
    later:
      wait-before: 1
      action: std.echo output="<% $.tag %>"
      publish: {echo: <% task().result %>}
      on-success: [nap]
    nap:
      action: std.sleep seconds=<% 0.2 %>
      on-success: [hold]
    hold:
      action: std.async_noop
      publish: {released: <% task().result.value %>}
ticked:
  input: [tag]
  output: {tag: <% $.tag %>}
  tasks:
    say: {action: std.echo output="<% $.tag %>"}
"""


def raft_address(node: ServerProcess) -> str:
    return node.extra_args[node.extra_args.index("--raft-address") + 1]


def move_leadership(cluster: LocalCluster, source: ServerProcess, target: ServerProcess) -> None:
    """The operator's command, sent again while pysyncobj refuses it (the target is a few entries behind)."""
    deadline = time.monotonic() + 20
    answers = []
    while time.monotonic() < deadline:
        answers.append(executeAdminCommand(["-conn", raft_address(source), "-pass", SECRET,
                                            "-transfer", raft_address(target)]))
        try:
            if cluster.leader(timeout=2) is target:
                return
        except TimeoutError:
            pass
    raise AssertionError(f"leadership did not move to {target.data_dir.name}: {answers[-3:]}\n{cluster.logs()}")


async def hold_action(api: Api, execution_id: str) -> dict:
    """The async action of the execution's `hold` task, once it runs (and once this node has applied it: a node
    other than the one that took the write may lag behind it)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status, body = await api.call("GET", f"/executions/{execution_id}/tasks")
        for task in body["tasks"] if status == 200 else []:
            if task["name"] == "hold":
                actions = (await api.ok("GET", f"/tasks/{task['id']}/action_executions"))["action_executions"]
                if actions and actions[0]["state"] == "RUNNING":
                    return actions[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"the hold task of {execution_id} never started its async action")


async def release(api: Api, execution_id: str, value: str) -> dict:
    action = await hold_action(api, execution_id)
    await api.ok("PUT", f"/action_executions/{action['id']}", {"state": "SUCCESS", "output": json.dumps({"value": value})})
    done = await api.wait(execution_id, timeout=20)
    assert done["state"] == "SUCCESS", done
    return done


async def cron_fires_twice(api: Api, name: str) -> None:
    trigger = await api.ok("POST", "/cron_triggers", {
        "name": name, "workflow_name": "ticked", "workflow_input": json.dumps({"tag": name}),
        "pattern": "* * * * * *", "remaining_executions": 2}, status=201)

    async def fired() -> list[dict]:
        listed = (await api.ok("GET", "/executions?include_output=true"))["executions"]
        return [e for e in listed if json.loads(e.get("description") or "{}").get("triggered_by", {}).get("id")
                == trigger["id"]]

    deadline = time.monotonic() + 20
    while (await api.call("GET", f"/cron_triggers/{name}"))[0] != 404 or \
            [e["state"] for e in await fired()] != ["SUCCESS", "SUCCESS"]:
        assert time.monotonic() < deadline, (name, await fired())
        await asyncio.sleep(0.1)
    assert [json.loads(e["output"]) for e in await fired()] == [{"tag": name}, {"tag": name}]


async def test_leadership_moves_away_and_back_and_the_engine_follows_it(tmp_path):
    with LocalCluster(tmp_path) as cluster:
        first = cluster.start()
        pids = [node.proc.pid for node in cluster.nodes]
        second = cluster.followers()[0]
        async with aiohttp.ClientSession() as http:
            await Api(http, first.url).upload(ROUNDS)
            for move, (source, target) in enumerate([(first, second), (second, first)]):
                term = source.health()["term"]
                waiting = await Api(http, source.url).start("rounds", {"tag": f"across-{move}"})
                await hold_action(Api(http, source.url), waiting["id"])

                move_leadership(cluster, source, target)
                assert [node.proc.pid for node in cluster.nodes] == pids  # moved, nothing restarted
                assert target.health()["term"] > term
                wait_for(lambda: source.health()["role"] == "follower" or None, 10, "the old leader as a follower")

                leader, follower = Api(http, target.url), Api(http, source.url)
                # The execution that waited across the move, completed through the old leader (now a follower).
                done = await release(follower, waiting["id"], f"released-{move}")
                assert done["output"] == {"echo": f"across-{move}", "released": f"released-{move}"}
                # A fresh one on the new leader: timer, action, async action; then cron.
                fresh = await leader.start("rounds", {"tag": f"after-{move}"})
                done = await release(follower, fresh["id"], f"fresh-{move}")
                assert done["output"] == {"echo": f"after-{move}", "released": f"fresh-{move}"}
                assert await leader.task_states(fresh["id"]) == {"later": "SUCCESS", "nap": "SUCCESS",
                                                                 "hold": "SUCCESS"}
                await cron_fires_twice(leader, f"cron-{move}")
            stop_settled(cluster)
    for node in cluster.nodes:
        assert duplicated_work(node.data_dir) == [], node.data_dir.name
    assert_same_rows(cluster.nodes)
