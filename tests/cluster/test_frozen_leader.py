"""A leader frozen (SIGSTOP) past the election timeout and then thawed (SIGCONT) is a zombie that still
believes it leads: it must step down, answer the write it was holding within a bound, and nothing it
decided while deposed may be applied. The executions it was running finish once, on the new leader."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import aiohttp

from tests.support.api import Api
from tests.support.cluster import LocalCluster, wait_for
from tests.support.cluster_state import assert_same_rows, count, duplicated_work, stop_settled

NAPS = """---
version: '2.0'
nap:
  input: [n]
  output: {out: <% $.out %>}
  tasks:
    doze:
      action: std.sleep seconds=2
      safe-rerun: true
      on-success: [later]
    later:
      wait-before: 1
      action: std.echo output="done <% $.n %>"
      publish: {out: <% task().result %>}
"""

FREEZE = 3.0  # well past raftMaxTimeout (0.9 s): the others elect a new leader meanwhile
ANSWER_BOUND = 15.0


class PendingWrite(threading.Thread):
    """One HTTP write sent to a node from another thread; records its status and when it came back."""

    def __init__(self, url: str, body: dict) -> None:
        super().__init__(daemon=True)
        self.request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                              headers={"Content-Type": "application/json"})
        self.status: int | None = None
        self.body: dict | None = None
        self.answered_at: float | None = None

    def run(self) -> None:
        try:
            with urllib.request.urlopen(self.request, timeout=60) as r:
                self.status, self.body = r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            self.status, self.body = e.code, json.loads(e.read() or b"{}")
        self.answered_at = time.monotonic()


async def test_a_frozen_leader_steps_down_answers_its_pending_write_and_nothing_is_applied_twice(tmp_path):
    with LocalCluster(tmp_path) as cluster:
        old = cluster.start()
        old_term = old.health()["term"]
        async with aiohttp.ClientSession() as http:
            api = Api(http, old.url)
            await api.upload(NAPS)
            started = [await api.start("nap", {"n": n}) for n in range(4)]
            wait_for(lambda: count(old.data_dir, "SELECT COUNT(*) FROM action_executions WHERE state='RUNNING'")
                     == 4 or None, 10, "four actions running on the leader")

            old.pause()
            try:
                # Sent to the frozen node: the kernel accepts the connection, the request waits for the thaw.
                late = PendingWrite(old.url + "/executions", {"workflow_name": "nap", "input": json.dumps({"n": 99})})
                late.start()
                new = cluster.leader(timeout=15, exclude=old)
                time.sleep(max(0.0, FREEZE - 1.0))
            finally:
                old.resume()
            thawed = time.monotonic()
            new_term = new.health()["term"]
            assert new_term > old_term

            late.join(ANSWER_BOUND + 5)
            assert late.answered_at is not None, "the write held by the frozen leader never got an answer"
            assert late.answered_at - thawed <= ANSWER_BOUND
            assert late.status in (201, 503), (late.status, late.body)

            stepped_down = wait_for(lambda: h if (h := old.health()) and h["role"] == "follower" else None, 10,
                                    "the thawed node as a follower")
            assert stepped_down["term"] >= new_term
            assert cluster.leader() is new

            new_api = Api(http, new.url)
            for n, ex in enumerate(started):
                done = await new_api.wait(ex["id"], timeout=30)
                assert done["state"] == "SUCCESS", done
                assert done["output"] == {"out": f"done {n}"}
                assert await new_api.task_states(ex["id"]) == {"doze": "SUCCESS", "later": "SUCCESS"}
            if late.status == 201:
                assert (await new_api.wait(late.body["id"], timeout=30))["state"] == "SUCCESS"
            stop_settled(cluster)
    for node in cluster.nodes:
        assert duplicated_work(node.data_dir) == [], node.data_dir.name
        late_runs = count(node.data_dir, "SELECT COUNT(*) FROM workflow_executions WHERE input LIKE '%99%'")
        assert late_runs == (1 if late.status == 201 else late_runs) and late_runs <= 1
    assert_same_rows(cluster.nodes)
