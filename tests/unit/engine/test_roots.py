"""Rows, commands and events are traced to the root execution whose tree they belong to."""

from mistral_lite import commands as cmd
from mistral_lite.engine.events import ActionFinished, PauseWorkflow, RerunTask, StartWorkflow, TimerFired
from mistral_lite.engine.roots import root_of_event, roots_of
from mistral_lite.engine.rows import ACTIONS, ENVIRONMENTS, TASKS, TIMERS, WF, Rows


def tree() -> Rows:
    rows = Rows()
    for table, row in (
        (WF, {"id": "root", "state": "RUNNING", "root_execution_id": None, "task_execution_id": None}),
        (TASKS, {"id": "t1", "name": "t1", "state": "RUNNING", "workflow_execution_id": "root"}),
        (WF, {"id": "child", "state": "RUNNING", "root_execution_id": "root", "task_execution_id": "t1"}),
        (TASKS, {"id": "t2", "name": "t2", "state": "RUNNING", "workflow_execution_id": "child"}),
        (ACTIONS, {"id": "a2", "state": "RUNNING", "accepted": True, "task_execution_id": "t2"}),
        (ACTIONS, {"id": "alone", "state": "RUNNING", "accepted": True, "task_execution_id": None}),
        (TIMERS, {"id": "timer", "workflow_execution_id": "child", "target_id": "t2"}),
        (WF, {"id": "other", "state": "RUNNING", "root_execution_id": None, "task_execution_id": None}),
    ):
        rows.apply(cmd.insert(table, row))
    return rows


def test_commands_deep_in_a_tree_belong_to_its_root():
    rows = tree()
    commands = [cmd.update(ACTIONS, "a2", {"state": "SUCCESS"}), cmd.delete(TIMERS, "timer"),
                cmd.insert(TASKS, {"id": "t3", "name": "t3", "state": "RUNNING", "workflow_execution_id": "child"})]
    assert roots_of(rows, commands) == {"root"}
    assert roots_of(rows, [cmd.update(WF, "other", {"state": "ERROR"}), cmd.update(TASKS, "t1", {})]) == {"other", "root"}


def test_rows_of_no_execution_have_no_root():
    rows = tree()
    assert roots_of(rows, [cmd.update(ACTIONS, "alone", {"state": "SUCCESS"}),
                           cmd.insert(ENVIRONMENTS, {"id": "e", "name": "env"}),
                           cmd.update(TASKS, "missing", {})]) == set()


def test_events_lead_to_their_root():
    rows = tree()
    assert root_of_event(rows, ActionFinished("a2", "SUCCESS")) == "root"
    assert root_of_event(rows, TimerFired("timer")) == "root"
    assert root_of_event(rows, RerunTask("t2")) == "root"
    assert root_of_event(rows, PauseWorkflow("child")) == "root"
    assert root_of_event(rows, StartWorkflow("new", "def")) is None
    assert root_of_event(rows, ActionFinished("alone", "SUCCESS")) is None
