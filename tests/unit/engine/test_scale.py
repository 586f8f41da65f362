"""Wide and long executions: fan-outs of any width, the runaway-loop limit, and the rows' indexes."""

from __future__ import annotations

from mistral_lite.engine import states
from mistral_lite.engine.engine import Engine
from mistral_lite.engine.limits import EngineLimits
from mistral_lite.engine.rows import ACTIONS, TASKS, Rows
from tests.unit.engine.harness import Harness, SystemCatalog


def fan_out(n: int, action: str = "std.noop") -> str:
    lines = ["---", "version: '2.0'", "wf:", "  tasks:", "    start:", "      action: std.noop", "      on-success:"]
    lines += [f"        - t{i}" for i in range(n)]
    lines += [f"    t{i}: {{action: {action}}}" for i in range(n)]
    return "\n".join(lines) + "\n"


def instant_chain(n: int) -> str:
    """n tasks that each end the moment they start (an empty with-items), chained with on-success."""
    tasks = "".join(f"    t{i}:\n      with-items: x in []\n      action: std.noop\n"
                    + (f"      on-success: [t{i + 1}]\n" if i < n - 1 else "") for i in range(n))
    return "---\nversion: '2.0'\nwf:\n  tasks:\n" + tasks


RUNAWAY = ("---\nversion: '2.0'\nwf:\n  tasks:\n    go: {on-success: [again]}\n"
           "    again: {workflow: ghost, on-error: [again]}\n")


def assert_all_succeeded(h: Harness, ex: str, count: int) -> None:
    wf = h.execution(ex)
    assert wf["state"] == states.SUCCESS, wf["state_info"]
    tasks = h.tasks(ex)
    assert len(tasks) == count
    assert {t["state"] for t in tasks} == {states.SUCCESS}


def test_a_fan_out_of_1500_parallel_tasks_succeeds():
    h = Harness(fan_out(1500))
    ex = h.start("wf", run=False)
    h.run(limit=10_000)
    assert_all_succeeded(h, ex, 1501)


def test_with_items_over_5000_items_succeeds_with_every_result_in_order():
    h = Harness("---\nversion: '2.0'\nwf:\n  output:\n    n: <% len($.r) %>\n    last: <% $.r[-1] %>\n  tasks:\n"
                "    each:\n      with-items: x in <% range(5000) %>\n      action: std.echo output=<% $.x %>\n"
                "      publish:\n        r: <% task().result %>\n")
    ex = h.start("wf", run=False)
    h.run(limit=10_000)
    wf = h.execution(ex)
    assert wf["state"] == states.SUCCESS, wf["state_info"]
    assert wf["output"] == {"n": 5000, "last": 4999}


def test_the_runaway_limit_comes_from_the_engine_constructor_and_the_message_names_the_option():
    h = Harness(RUNAWAY)
    h.engine = Engine(h.rows, SystemCatalog(), limits=EngineLimits(max_task_starts_per_step=7))
    ex = h.start("wf")
    wf = h.execution(ex)
    assert wf["state"] == states.ERROR
    assert "Stopped after 7 tasks" in wf["state_info"] and "max-task-starts-per-step" in wf["state_info"]
    assert len(h.tasks(ex)) == 10  # go; again from go's result; 7 chained runs of again; the refused start


def test_a_chain_of_tasks_that_end_at_once_is_stopped_past_the_limit_and_runs_below_it():
    short, long_ = Harness(instant_chain(10)), Harness(instant_chain(30))
    for h in (short, long_):
        h.engine = Engine(h.rows, SystemCatalog(), limits=EngineLimits(max_task_starts_per_step=20))
    assert short.execution(short.start("wf"))["state"] == states.SUCCESS
    ex = long_.start("wf")
    assert long_.execution(ex)["state"] == states.ERROR
    assert "Stopped after 20 tasks" in long_.execution(ex)["state_info"]


def test_a_fan_out_wider_than_the_limit_is_not_a_runaway():
    h = Harness(fan_out(50))
    h.engine = Engine(h.rows, SystemCatalog(), limits=EngineLimits(max_task_starts_per_step=5))
    ex = h.start("wf")
    assert_all_succeeded(h, ex, 51)


def test_row_groups_follow_updates_deletes_and_restores():
    rows = Rows()
    rows.apply({"op": "insert", "table": TASKS, "row": {"id": "a", "name": "x", "workflow_execution_id": "w",
                                                         "state": states.RUNNING}})
    rows.apply({"op": "insert", "table": TASKS, "row": {"id": "b", "name": "x", "workflow_execution_id": "w",
                                                         "state": states.RUNNING}})
    active = lambda state: state in states.ACTIVE  # noqa: E731
    assert rows.count(TASKS, "w", active) == 2
    before = rows.apply({"op": "update", "table": TASKS, "id": "a", "set": {"state": states.SUCCESS}})
    assert [t["id"] for t in rows.tasks_of("w", active)] == ["b"]
    assert [t["id"] for t in rows.tasks_of("w", lambda s: s == states.SUCCESS)] == ["a"]
    rows.restore(TASKS, before)
    assert [t["id"] for t in rows.tasks_of("w", active)] == ["a", "b"]  # oldest first
    rows.apply({"op": "delete", "table": TASKS, "id": "a"})
    assert [t["id"] for t in rows.tasks_named("w", "x")] == ["b"] and rows.count(TASKS, "w", active) == 1
    rows.apply({"op": "insert", "table": ACTIONS, "row": {"id": "c", "task_execution_id": "b",
                                                           "state": states.RUNNING, "accepted": True}})
    rows.apply({"op": "update", "table": ACTIONS, "id": "c", "set": {"accepted": False}})
    assert rows.count(ACTIONS, "b", lambda key: key[1]) == 0 and len(rows.actions_of("b")) == 1


def test_with_items_keeps_its_concurrency_limit_over_many_items():
    h = Harness("---\nversion: '2.0'\nwf:\n  tasks:\n    each:\n      with-items: x in <% range(1200) %>\n"
                "      concurrency: 3\n      action: std.echo output=<% $.x %>\n")
    ex = h.start("wf", run=False)
    assert len(h.started) == 3
    h.run(limit=5000)
    assert h.execution(ex)["state"] == states.SUCCESS and len(h.started) == 1200
