"""The engine's bounds: sub-workflow nesting depth and the size of a task's evaluated input."""

from __future__ import annotations

from mistral_lite.engine import states
from mistral_lite.engine.limits import EngineLimits
from mistral_lite.engine.rows import ACTIONS, WF
from tests.unit.engine.harness import Harness

RECURSE = """---
version: '2.0'
recurse:
  tasks:
    again:
      workflow: recurse
"""

BIG_INPUT = """---
version: '2.0'
big:
  tasks:
    echo:
      action: std.echo
      input:
        output: "{{ 'x' * 2000 }}"
"""


def test_a_workflow_that_starts_itself_stops_at_the_depth_limit():
    h = Harness(RECURSE)
    h.engine.limits = EngineLimits(max_subworkflow_depth=4)
    root = h.start("recurse")
    executions = list(h.rows.tables[WF].values())
    assert len(executions) == 5  # the root and 4 levels under it
    assert all(e["state"] == states.ERROR for e in executions)
    deepest = max(executions, key=lambda e: e["created_at"])
    [task] = h.rows.tasks_of(deepest["id"])
    assert task["state"] == states.ERROR
    assert "level 5" in task["state_info"] and "limit of 4 set by max-subworkflow-depth" in task["state_info"]
    assert "max-subworkflow-depth" in h.rows.get(WF, root)["state_info"]


def test_nesting_within_the_limit_runs():
    h = Harness("""---
version: '2.0'
outer:
  tasks:
    call: {workflow: middle}
middle:
  tasks:
    call: {workflow: inner}
inner:
  tasks:
    done: {action: std.noop}
""")
    h.engine.limits = EngineLimits(max_subworkflow_depth=2)
    assert h.rows.get(WF, h.start("outer"))["state"] == states.SUCCESS


def test_an_input_over_the_limit_fails_the_task_before_any_action_execution_exists():
    h = Harness(BIG_INPUT)
    h.engine.limits = EngineLimits(max_action_input_size=1000)
    wf = h.rows.get(WF, h.start("big"))
    assert wf["state"] == states.ERROR
    assert "field=input" in wf["state_info"] and "max-action-input-size" in wf["state_info"]
    assert not h.rows.tables[ACTIONS]


def test_an_input_under_the_limit_runs():
    h = Harness(BIG_INPUT)
    h.engine.limits = EngineLimits(max_action_input_size=3000)
    assert h.rows.get(WF, h.start("big"))["state"] == states.SUCCESS


def test_publishing_more_than_the_limit_fails_the_task():
    h = Harness("""---
version: '2.0'
gather:
  tasks:
    many:
      with-items: i in <% range(10) %>
      action: std.echo output=<% 'y' * 200 %>
      publish:
        everything: <% task().result %>
""")
    h.engine.limits = EngineLimits(max_published_size=1000)
    wf = h.rows.get(WF, h.start("gather"))
    assert wf["state"] == states.ERROR
    assert "field=published" in wf["state_info"] and "what task many publishes" in wf["state_info"]
    assert len(h.rows.tables[ACTIONS]) == 10  # each result alone fitted
