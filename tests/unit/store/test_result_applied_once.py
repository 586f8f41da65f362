"""A result is applied once, in SQLite and not only in the leader's memory: an engine that decided on
stale rows (a deposed leader, a result reported twice) has its whole step refused, so it cannot also
start the tasks that follow."""

from __future__ import annotations

import copy
import itertools
import sqlite3

import pytest

from mistral_lite.engine import states
from mistral_lite.engine.engine import Engine
from mistral_lite.engine.events import ActionFinished
from mistral_lite.engine.rows import ACTIONS
from mistral_lite.log.entry import Entry
from mistral_lite.store.database import Store
from tests.unit.engine.harness import Harness, SystemCatalog

WORKFLOW = """---
version: '2.0'
wf:
  tasks:
    first:
      action: std.echo output=1
      on-success: [second]
    second:
      action: std.echo output=2
"""


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "db.sqlite")
    yield s
    s.close()


class Recorded:
    """The harness's engine, each step committed to a real store as the next entry of the leader's chain."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.harness = Harness(WORKFLOW)
        self.index = 0
        self.prev = "barrier"
        assert self.commit(Entry("barrier", "barrier", (), epoch=1)).status == "applied"

    def commit(self, entry: Entry):
        self.index += 1
        return self.store.apply_raft(self.index, entry.to_json())

    def step(self, commands, entry_id: str):
        result = self.commit(Entry(entry_id, "engine", tuple(commands), epoch=1, prev=self.prev))
        self.prev = entry_id
        return result


def stored(store: Store, sql: str) -> list[tuple]:
    conn = sqlite3.connect(store.path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_second_result_from_stale_memory_is_refused_with_everything_it_would_start(store):
    leader = Recorded(store)
    h = leader.harness
    h.start("wf", run=False)
    assert leader.step(h.commands, "start").status == "applied"
    [first] = h.pending
    # Another engine whose memory was copied now, before the result arrived (a deposed leader).
    stale = Engine(copy.deepcopy(h.rows), SystemCatalog())

    h.commands.clear()
    h.send(ActionFinished(first.action_execution_id, states.SUCCESS, "from the leader"))
    assert leader.step(h.commands, "result").status == "applied"
    update = next(c for c in h.commands if c["table"] == ACTIONS and c["op"] == "update")
    assert update["expect"] == 1 and update["when"] == {"state": [states.RUNNING, states.PAUSED]}

    late = stale.step(ActionFinished(first.action_execution_id, states.SUCCESS, "from the stale engine"),
                      (f"stale-{n}" for n in itertools.count()), "2026-01-01 01:00:00.000000")
    assert any(c["table"] == "task_executions" and c["op"] == "insert" for c in late.commands)  # would start `second`
    # Not fenced (no epoch: a result reported from outside the leader's chain): the row itself refuses it.
    refused = leader.commit(Entry("late", "request", tuple(late.commands)))
    assert refused.status == "error" and refused.error_kind == "conflict", refused

    assert stored(store, "SELECT name FROM task_executions ORDER BY created_at, name") == [("first",), ("second",)]
    assert stored(store, f"SELECT output FROM action_executions WHERE id = '{first.action_execution_id}'") == [
        ('{"result":"from the leader"}',)]
    assert stored(store, "SELECT kind FROM apply_errors") == [("conflict",)]


def test_the_leader_ignores_a_duplicate_result_in_memory_and_commits_nothing(store):
    leader = Recorded(store)
    h = leader.harness
    h.start("wf", run=False)
    leader.step(h.commands, "start")
    [first] = h.pending
    h.send(ActionFinished(first.action_execution_id, states.SUCCESS, 1))
    again = h.send(ActionFinished(first.action_execution_id, states.ERROR, "late"))
    assert again.commands == [] and again.effects == []


def test_a_result_is_accepted_while_the_action_is_paused(store):
    leader = Recorded(store)
    h = leader.harness
    h.start("wf", run=False)
    leader.step(h.commands, "start")
    [first] = h.pending
    pause = {"op": "update", "table": ACTIONS, "id": first.action_execution_id, "set": {"state": states.PAUSED}}
    h.rows.apply(pause)
    assert leader.step([pause], "pause").status == "applied"
    h.commands.clear()
    h.send(ActionFinished(first.action_execution_id, states.SUCCESS, 1))
    assert leader.step(h.commands, "result").status == "applied"
    assert [(t["name"], t["state"]) for t in h.all_tasks()] == [("first", "SUCCESS"), ("second", "RUNNING")]
