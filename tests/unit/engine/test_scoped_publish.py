"""Scoped publish: how Mistral 23 combines task-level, on-complete and on-success/on-error blocks."""

from mistral_lite.engine import states
from tests.unit.engine.harness import Harness


def doc(body: str) -> str:
    return "version: '2.0'\n" + body


def test_on_complete_beats_task_level_which_beats_the_own_clause():
    h = Harness(doc("""
wf:
  tasks:
    t:
      publish: {k: task, a: 1}
      on-success: {publish: {branch: {k: success, b: 2}}}
      on-complete: {publish: {branch: {k: complete, c: 3}}}
"""))
    ex = h.start("wf")
    assert h.task(ex, "t")["published"] == {"k": "complete", "a": 1, "b": 2, "c": 3}
    assert h.execution(ex)["output"] == {"k": "complete", "a": 1, "b": 2, "c": 3}


def test_task_level_publish_beats_on_error_branch():
    h = Harness(doc("""
wf:
  tasks:
    t:
      action: std.fail
      publish-on-error: {k: task}
      on-error: {publish: {branch: {k: error}}}
"""))
    ex = h.start("wf")
    assert h.task(ex, "t")["state"] == states.ERROR
    assert h.task(ex, "t")["published"] == {"k": "task"}


def test_own_clause_with_only_global_loses_the_branch_publishes():
    h = Harness(doc("""
wf:
  tasks:
    t:
      publish: {k: v}
      on-success: {publish: {global: {g: 1}}, next: [u]}
    u:
      action: std.echo output=<% $.get(k) %>
      publish: {seen: <% task().result %>}
"""))
    ex = h.start("wf")
    assert h.task(ex, "t")["published"] is None
    assert h.execution(ex)["context"]["g"] == 1
    assert h.task(ex, "u")["published"] == {"seen": None}


def test_on_complete_global_beats_on_success_global():
    h = Harness(doc("""
wf:
  output: {g: <% global(g) %>}
  tasks:
    t:
      on-success: {publish: {global: {g: success}}}
      on-complete: {publish: {global: {g: complete}}}
"""))
    ex = h.start("wf")
    assert h.execution(ex)["output"] == {"g": "complete"}


def test_a_downstream_publish_replaces_an_upstream_map_whole():
    h = Harness(doc("""
wf:
  tasks:
    t1: {publish: {cfg: {a: 1, nested: {x: 1}}}, on-success: [t2]}
    t2: {publish: {cfg: {b: 2}}, on-success: [t3]}
    t3: {action: std.echo output=<% $.cfg %>, publish: {seen: <% task().result %>}}
"""))
    ex = h.start("wf")
    assert h.task(ex, "t3")["published"] == {"seen": {"b": 2}}


def test_a_failing_global_block_keeps_the_branch_publish():
    h = Harness(doc("""
wf:
  tasks:
    t:
      on-success: {publish: {branch: {b: 1}, global: {g: <% no_such_function() %>}}}
"""))
    ex = h.start("wf")
    assert h.execution(ex)["state"] == states.ERROR
    assert h.task(ex, "t")["published"] == {"b": 1}
