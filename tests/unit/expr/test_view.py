"""PlainView and select_tasks: the data behind task(), tasks(), executions()."""

import re

import pytest

from mistral_lite.expr import EngineView, ExpressionError, PlainView, select_tasks
from tests.unit.expr.sample import ENV, EXECUTION, EXECUTIONS, GLOBALS, TASKS, view


def ids(tasks):
    return [t["id"] for t in tasks]


def test_plain_view_is_an_engine_view():
    assert isinstance(view(), EngineView)


# --- task() ------------------------------------------------------------------


def test_task_without_name_is_the_current_task():
    assert view().task(None)["id"] == "t2"


def test_task_with_the_current_tasks_name_is_exactly_the_current_instance():
    # t1-b is newer, but when evaluating inside t1-a, task(t1) means t1-a.
    assert view(current_task="t1-a").task("t1")["id"] == "t1-a"


def test_task_by_name_is_the_most_recently_created():
    assert view().task("t1")["id"] == "t1-b"


def test_task_by_name_prefers_created_at_over_list_order():
    tasks = [
        {"id": "new", "name": "x", "created_at": "2024-01-02 00:00:00"},
        {"id": "old", "name": "x", "created_at": "2024-01-01 00:00:00"},
    ]
    assert PlainView(task_executions=tasks).task("x")["id"] == "new"


def test_task_by_name_with_equal_timestamps_takes_the_later_in_the_list():
    tasks = [{"id": "a", "name": "x"}, {"id": "b", "name": "x"}]
    assert PlainView(task_executions=tasks).task("x")["id"] == "b"


def test_task_by_name_only_looks_in_the_current_execution():
    # wf-other's t1 is the newest of all, but belongs to another execution.
    assert view().task("t1")["workflow_execution_id"] == "wf-1"
    assert view().task("sub_task") is None


def test_task_without_execution_looks_everywhere():
    assert view(execution=None).task("t1")["id"] == "other"


@pytest.mark.parametrize(
    ("current", "name"), [("t2", "nope"), (None, None), (None, ""), ("missing-id", None)]
)
def test_task_not_found_is_none(current, name):
    assert view(current_task=current).task(name) is None


# --- tasks() -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        # No execution id: every task execution (Mistral: of all executions).
        ((None, False, None, False), [t["id"] for t in TASKS]),
        ((None, True, None, False), [t["id"] for t in TASKS]),
        ((None, False, "ERROR", False), ["t2", "call", "s1", "ss1"]),
        (("wf-1", False, None, False), ["t1-a", "t1-b", "t2", "call"]),
        (("wf-1", False, "SUCCESS", False), ["t1-a", "t1-b"]),
        (("wf-sub", False, None, False), ["s1", "s2"]),
        (("nope", False, None, False), []),
        # Recursive: parents first, then each WORKFLOW task's sub-execution.
        (("wf-1", True, None, False), ["t1-a", "t1-b", "t2", "call", "s1", "s2", "ss1"]),
        (("wf-sub", True, None, False), ["s1", "s2", "ss1"]),
        # The state filter applies at every level, after descending.
        (("wf-1", True, "ERROR", False), ["t2", "call", "s1", "ss1"]),
        (("wf-1", True, "SUCCESS", False), ["t1-a", "t1-b", "s2"]),
        # Flat: drop WORKFLOW tasks whose sub-execution has the same state
        # ("call" ERROR / wf-sub ERROR), keep those that differ ("s2").
        (("wf-1", False, None, True), ["t1-a", "t1-b", "t2"]),
        (("wf-1", True, None, True), ["t1-a", "t1-b", "t2", "s1", "s2", "ss1"]),
        (("wf-1", True, "SUCCESS", True), ["t1-a", "t1-b", "s2"]),
    ],
)
def test_tasks_filters(arguments, expected):
    assert ids(view().tasks(*arguments)) == expected


def test_select_tasks_defaults_and_workflow_task_without_sub_execution():
    tasks = [
        {"id": "w", "type": "WORKFLOW", "state": "RUNNING", "workflow_execution_id": "e"},
        {"id": "a", "type": "ACTION", "state": "RUNNING", "workflow_execution_id": "e"},
    ]
    assert ids(select_tasks(tasks, [])) == ["w", "a"]
    # No sub-execution yet: nothing to compare with, so flat keeps it.
    assert ids(select_tasks(tasks, [], "e", True, None, True)) == ["w", "a"]


def test_select_tasks_survives_cyclic_execution_links():
    tasks = [{"id": "w", "type": "WORKFLOW", "workflow_execution_id": "e"}]
    executions = [{"id": "e", "task_execution_id": "w"}]
    assert ids(select_tasks(tasks, executions, "e", recursive=True)) == ["w"]


def test_select_tasks_returns_copies():
    tasks = [{"id": "a", "workflow_execution_id": "e"}]
    select_tasks(tasks, [], "e")[0]["id"] = "changed"
    assert tasks[0]["id"] == "a"


# --- executions(), execution(), env(), global_var(), new_uuid() ---------------


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ((None, None, None, None, None), ["wf-1", "wf-sub", "wf-subsub", "wf-other"]),
        (("wf-sub", None, None, None, None), ["wf-sub"]),
        ((None, "wf-1", None, None, None), ["wf-sub", "wf-subsub"]),
        ((None, None, "SUCCESS", None, None), ["wf-other"]),
        ((None, "wf-1", "ERROR", None, None), ["wf-sub", "wf-subsub"]),
        # from_time is inclusive, to_time exclusive; "T" or space both work.
        ((None, None, None, "2024-01-01 10:02:01", None), ["wf-sub", "wf-subsub", "wf-other"]),
        ((None, None, None, None, "2024-01-01T10:02:01"), ["wf-1"]),
        ((None, None, None, "2024-01-01 10:00:00", "2024-01-01 11:00:00"), ["wf-sub", "wf-subsub"]),
    ],
)
def test_executions_filters(arguments, expected):
    assert ids(view().executions(*arguments)) == expected


def test_current_execution_is_not_listed_twice():
    v = PlainView(execution=EXECUTION, executions=[EXECUTION, *EXECUTIONS])
    assert ids(v.executions(None, None, None, None, None)).count("wf-1") == 1


def test_execution_env_and_globals():
    v = view()
    assert v.execution() == EXECUTION
    assert v.env() == ENV
    assert v.global_var("counter") == GLOBALS["counter"]
    assert v.global_var("absent") is None


def test_defaults_of_an_empty_view():
    v = PlainView()
    assert v.env() == {}
    assert v.global_var("x") is None
    assert v.tasks(None, False, None, False) == []
    assert v.executions(None, None, None, None, None) == []
    assert v.task(None) is None
    with pytest.raises(ExpressionError, match="No workflow execution"):
        v.execution()


def test_uuids_are_handed_out_in_order_then_run_out():
    v = PlainView(uuids=iter(["u1", "u2"]))
    assert [v.new_uuid(), v.new_uuid()] == ["u1", "u2"]
    with pytest.raises(ExpressionError, match="no more ids"):
        v.new_uuid()


def test_without_uuids_the_view_makes_random_ones():
    first, second = PlainView().new_uuid(), PlainView().new_uuid()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", first)
    assert first != second
