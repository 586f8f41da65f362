"""Reverse workflows, join, with-items, policies and rerun through the pure engine."""

import pytest

from mistral_lite.engine import states
from mistral_lite.engine.errors import InvalidWorkflowInput, StateConflict
from mistral_lite.engine.events import ActionFinished, RerunTask, ResumeWorkflow
from mistral_lite.engine.limits import EngineLimits
from tests.unit.engine.harness import Harness, default_outcome


def doc(body: str) -> str:
    return "---\nversion: '2.0'\n" + body


# -- reverse -------------------------------------------------------------------

REVERSE = doc("""
build:
  type: reverse
  tasks:
    fetch: {action: std.echo output="src", publish: {src: <% task().result %>}}
    deps: {action: std.echo output="libs", publish: {libs: <% task().result %>}}
    compile:
      action: std.echo output="<% $.src %>+<% $.libs %>"
      requires: [fetch, deps]
      publish: {bin: <% task().result %>}
    test: {action: std.noop, requires: compile}
    docs: {action: std.noop, requires: fetch}
""")


def test_reverse_runs_only_what_the_target_requires_in_order():
    h = Harness(REVERSE)
    ex = h.start("build", params={"task_name": "compile"})
    assert h.execution(ex)["state"] == states.SUCCESS
    names = [n for n, _ in h.task_states(ex)]
    assert set(names) == {"fetch", "deps", "compile"} and names[-1] == "compile"
    assert h.execution(ex)["output"] == {"src": "src", "libs": "libs", "bin": "src+libs"}


def test_reverse_needs_a_valid_target():
    h = Harness(REVERSE)
    with pytest.raises(InvalidWorkflowInput, match="Invalid task name"):
        h.start("build")


def test_reverse_failure_stops_dependents():
    h = Harness(doc("""
build:
  type: reverse
  tasks:
    a: {action: std.fail}
    b: {action: std.noop, requires: [a]}
"""))
    ex = h.start("build", params={"task_name": "b"})
    assert h.execution(ex)["state"] == states.ERROR
    assert h.task_states(ex) == [("a", "ERROR")]


# -- join -----------------------------------------------------------------------

def test_join_all_waits_and_merges_contexts():
    h = Harness(doc("""
wf:
  tasks:
    a: {action: std.echo output=1, publish: {x: 1}, on-success: [merge]}
    b: {action: std.echo output=2, publish: {y: 2}, on-success: [merge]}
    merge: {join: all, action: std.echo output="<% $.x + $.y %>", publish: {sum: <% task().result %>}}
"""))
    ex = h.start("wf", run=False)
    h.send(ActionFinished(h.pending.popleft().action_execution_id, states.SUCCESS, 1))
    assert dict(h.task_states(ex))["merge"] == states.WAITING
    h.run()
    assert h.execution(ex)["state"] == states.SUCCESS
    assert [n for n, _ in h.task_states(ex)].count("merge") == 1
    assert h.execution(ex)["output"] == {"x": 1, "y": 2, "sum": 3}


def test_join_all_fed_by_a_failing_branch_fails_with_the_branch_named():
    h = Harness(doc("""
wf:
  tasks:
    a: {action: std.noop, on-success: [merge]}
    b: {action: std.fail, on-success: [merge]}
    merge: {join: all}
"""))
    ex = h.start("wf")
    merge = h.task(ex, "merge")
    assert merge["state"] == states.ERROR and merge["state_info"] == "Failed by tasks: ['b']"
    assert h.execution(ex)["state"] == states.ERROR


def test_join_one_runs_as_soon_as_one_arrives():
    h = Harness(doc("""
wf:
  tasks:
    fast: {action: std.noop, on-success: [first]}
    slow: {action: std.async_noop, on-success: [first]}
    first: {join: one, action: std.noop}
"""))
    ex = h.start("wf")
    assert h.task(ex, "first")["state"] == states.SUCCESS
    assert h.execution(ex)["state"] == states.RUNNING  # slow is still running
    slow = next(a for a in h.rows.tables["action_executions"].values() if a["name"] == "std.async_noop")
    h.send(ActionFinished(slow["id"], states.SUCCESS, None))
    assert h.execution(ex)["state"] == states.SUCCESS
    assert [n for n, _ in h.task_states(ex)].count("first") == 1


def test_join_with_a_branch_not_taken_does_not_wait_for_ever():
    h = Harness(doc("""
wf:
  tasks:
    a:
      action: std.noop
      on-success:
        - b: <% false %>
        - merge
    b: {action: std.noop, on-success: [merge]}
    merge: {join: all}
"""))
    ex = h.start("wf")
    assert h.task(ex, "merge")["state"] == states.ERROR
    assert "['b']" in h.task(ex, "merge")["state_info"]
    assert h.execution(ex)["state"] == states.ERROR


def test_join_error_can_be_handled():
    h = Harness(doc("""
wf:
  tasks:
    a: {action: std.fail, on-success: [merge], on-error: [noop]}
    b: {action: std.noop, on-success: [merge]}
    merge: {join: all, on-error: [cleanup]}
    cleanup: {action: std.noop}
"""))
    ex = h.start("wf")
    assert h.execution(ex)["state"] == states.SUCCESS
    assert dict(h.task_states(ex))["cleanup"] == states.SUCCESS


def test_join_two_of_three():
    h = Harness(doc("""
wf:
  tasks:
    a: {action: std.noop, on-success: [m]}
    b: {action: std.fail, on-success: [m], on-error: [noop]}
    c: {action: std.noop, on-success: [m]}
    m: {join: 2, action: std.noop}
"""))
    ex = h.start("wf")
    assert h.task(ex, "m")["state"] == states.SUCCESS
    assert h.execution(ex)["state"] == states.SUCCESS


# -- with-items --------------------------------------------------------------------

def test_with_items_results_in_item_order_with_two_lists():
    h = Harness(doc("""
wf:
  input: [names, greetings]
  tasks:
    greet:
      with-items: [name in <% $.names %>, g in <% $.greetings %>]
      action: std.echo output="<% $.g %> <% $.name %>"
      publish: {all: <% task().result %>}
"""))
    ex = h.start("wf", {"names": ["a", "b", "c"], "greetings": ["hi", "yo", "hey"]}, run=False)
    # answer out of order: results must still follow item order
    effects = list(h.pending)
    h.pending.clear()
    for effect in reversed(effects):
        h.send(ActionFinished(effect.action_execution_id, states.SUCCESS, effect.input["output"]))
    assert h.execution(ex)["output"] == {"all": ["hi a", "yo b", "hey c"]}


def test_with_items_concurrency_is_never_exceeded():
    h = Harness(doc("""
wf:
  tasks:
    t:
      with-items: i in <% range(0, 20) %>
      concurrency: 3
      action: std.echo output=<% $.i %>
"""))
    ex = h.start("wf", run=False)
    peak = 0
    while h.pending:
        running = [a for a in h.rows.tables["action_executions"].values() if a["state"] == states.RUNNING]
        peak = max(peak, len(running))
        effect = h.pending.popleft()
        h.send(ActionFinished(effect.action_execution_id, states.SUCCESS, effect.input["output"]))
    assert peak == 3
    assert h.execution(ex)["state"] == states.SUCCESS
    assert h.rows.tables["task_executions"][h.task(ex, "t")["id"]]["state"] == states.SUCCESS


def test_with_items_failure_waits_for_the_rest_then_fails():
    h = Harness(doc("""
wf:
  tasks:
    t:
      with-items: i in [1, 2, 3]
      action: std.echo output=<% $.i %>
"""))
    h.outcomes = lambda e: (states.ERROR, "bad two") if e.input["output"] == 2 else default_outcome(e)
    ex = h.start("wf")
    task = h.task(ex, "t")
    # Mistral's words for the task; the item's own error is in the result and the workflow's summary.
    assert task["state"] == states.ERROR and task["state_info"] == "One or more actions had failed."
    assert "bad two" in h.execution(ex)["state_info"]
    assert len(h.started) == 3  # every item ran


def test_with_items_empty_list_succeeds_with_empty_result():
    h = Harness(doc("wf:\n  tasks:\n    t:\n      with-items: i in []\n      action: std.noop\n      publish: {r: <% task().result %>}\n"))
    ex = h.start("wf")
    assert h.execution(ex)["output"] == {"r": []}


def test_with_items_over_sub_workflows():
    h = Harness(doc("""
top:
  tasks:
    each:
      with-items: n in [1, 2, 3]
      workflow: sub n=<% $.n %>
      publish: {r: <% task().result %>}
sub:
  input: [n]
  output: {sq: <% $.n * $.n %>}
  tasks:
    t: {action: std.noop}
"""))
    ex = h.start("top")
    assert h.execution(ex)["output"] == {"r": [{"sq": 1}, {"sq": 4}, {"sq": 9}]}


def test_rerun_with_items_without_reset_runs_only_failed_items():
    h = Harness(doc("""
wf:
  tasks:
    t:
      with-items: i in [1, 2, 3, 4]
      action: std.echo output=<% $.i %>
      publish: {r: <% task().result %>}
"""))
    h.outcomes = lambda e: (states.ERROR, "nope") if e.input["output"] in (2, 4) else default_outcome(e)
    ex = h.start("wf")
    assert h.execution(ex)["state"] == states.ERROR
    h.started.clear()
    h.outcomes = default_outcome
    h.send(RerunTask(h.task(ex, "t")["id"], reset=False))
    h.run()
    assert sorted(e.input["output"] for e in h.started) == [2, 4]
    assert h.execution(ex)["state"] == states.SUCCESS
    assert h.execution(ex)["output"] == {"r": [1, 2, 3, 4]}


def test_rerun_rules():
    h = Harness(doc("wf:\n  tasks:\n    t: {action: std.noop}\n"))
    ex = h.start("wf")
    with pytest.raises(StateConflict, match="must be in ERROR"):
        h.send(RerunTask(h.task(ex, "t")["id"]))
    h2 = Harness(doc("wf:\n  tasks:\n    t: {action: std.fail}\n"))
    ex2 = h2.start("wf")
    with pytest.raises(InvalidWorkflowInput, match="Only with-items"):
        h2.send(RerunTask(h2.task(ex2, "t")["id"], reset=False))


def test_rerun_reopens_the_workflow_and_continues_to_the_end():
    h = Harness(doc("""
wf:
  tasks:
    flaky: {action: std.echo output="ok", on-success: [after]}
    after: {action: std.noop}
"""))
    h.outcomes = lambda e: (states.ERROR, "down") if e.action_name == "std.echo" else default_outcome(e)
    ex = h.start("wf")
    assert h.execution(ex)["state"] == states.ERROR
    h.outcomes = default_outcome
    h.send(RerunTask(h.task(ex, "flaky")["id"], env={"fixed": True}))
    h.run()
    assert h.execution(ex)["state"] == states.SUCCESS
    assert h.execution(ex)["params"]["env"] == {"fixed": True}
    assert [n for n, _ in h.task_states(ex)] == ["flaky", "after"]


def test_rerun_inside_a_sub_workflow_reopens_the_parents():
    h = Harness(doc("""
top:
  tasks:
    call: {workflow: child}
child:
  tasks:
    flaky: {action: std.echo output="x"}
"""))
    h.outcomes = lambda e: (states.ERROR, "down")
    ex = h.start("top")
    assert h.execution(ex)["state"] == states.ERROR
    [child] = h.children(ex)
    h.outcomes = default_outcome
    h.send(RerunTask(h.task(child["id"], "flaky")["id"]))
    h.run()
    assert h.execution(child["id"])["state"] == states.SUCCESS
    assert h.execution(ex)["state"] == states.SUCCESS


# -- policies ----------------------------------------------------------------------

def test_retry_counts_and_records_attempts():
    h = Harness(doc("wf:\n  tasks:\n    t: {action: std.fail, retry: {count: 2, delay: 0}}\n"))
    ex = h.start("wf")
    task = h.task(ex, "t")
    assert task["state"] == states.ERROR
    assert task["runtime_context"]["retry_task_policy"] == {"retry_no": 2}
    assert len(h.started) == 3


def test_retry_with_delay_goes_through_a_timer():
    h = Harness(doc("wf:\n  tasks:\n    t: {action: std.fail, retry: {count: 1, delay: 30}}\n"))
    ex = h.start("wf")
    assert h.task(ex, "t")["state"] == states.DELAYED
    assert "Delayed by 'retry' policy [delay=30]" == h.task(ex, "t")["state_info"]
    [timer] = h.timers
    timer_row = h.rows.tables["timers"][timer.timer_id]
    assert timer_row["due_at"] > h.task(ex, "t")["created_at"]
    h.settle()
    assert h.execution(ex)["state"] == states.ERROR and len(h.started) == 2


def test_retry_break_on_and_continue_on():
    h = Harness(doc("""
wf:
  tasks:
    broken: {action: std.fail error_data="fatal", retry: {count: 5, delay: 0, break-on: <% task().result = fatal %>}}
"""))
    ex = h.start("wf")
    assert len(h.started) == 1 and h.execution(ex)["state"] == states.ERROR
    h2 = Harness(doc("""
wf:
  tasks:
    poll:
      action: std.echo output=<% $.get(n, 0) + 1 %>
      publish: {n: <% task().result %>}
      retry: {count: 10, delay: 0, continue-on: <% $.n < 3 %>}
"""))
    ex2 = h2.start("wf")
    assert h2.execution(ex2)["state"] == states.SUCCESS
    assert len(h2.started) == 3


def test_wait_before_and_wait_after_use_timers():
    h = Harness(doc("""
wf:
  tasks:
    a: {action: std.noop, wait-before: 5, wait-after: 7, on-success: [b]}
    b: {action: std.noop}
"""))
    ex = h.start("wf")
    assert h.task(ex, "a")["state"] == states.DELAYED and not h.started
    h.fire_timers()
    h.run()
    assert h.task(ex, "a")["state"] == states.DELAYED
    assert "wait-after" in h.task(ex, "a")["state_info"]
    h.settle()
    assert h.execution(ex)["state"] == states.SUCCESS
    assert [n for n, _ in h.task_states(ex)] == ["a", "b"]


def test_timeout_fails_the_task_and_ignores_the_late_result():
    h = Harness(doc("""
wf:
  tasks:
    slow: {action: std.async_noop, timeout: 3, on-error: [handler]}
    handler: {action: std.noop}
"""))
    ex = h.start("wf")
    h.fire_timers()
    h.run()
    slow = h.task(ex, "slow")
    assert slow["state"] == states.ERROR and slow["state_info"] == "Task timed out [timeout(s)=3]."
    assert h.execution(ex)["state"] == states.SUCCESS
    action = next(a for a in h.rows.tables["action_executions"].values() if a["name"] == "std.async_noop")
    assert h.send(ActionFinished(action["id"], states.SUCCESS, "late")).commands == []


def test_pause_before_pauses_and_resume_runs_the_task():
    h = Harness(doc("""
wf:
  tasks:
    a: {action: std.noop, on-success: [b]}
    b: {action: std.noop, pause-before: true}
"""))
    ex = h.start("wf")
    assert h.execution(ex)["state"] == states.PAUSED
    assert h.task(ex, "b")["state"] == states.IDLE
    h.send(ResumeWorkflow(ex))
    h.run()
    assert h.execution(ex)["state"] == states.SUCCESS


def test_fail_on_and_keep_result():
    h = Harness(doc("""
wf:
  tasks:
    check:
      action: std.echo output=500
      publish: {code: <% task().result %>}
      fail-on: <% task().result >= 500 %>
      on-error: [report]
    report:
      action: std.noop
      keep-result: false
"""))
    ex = h.start("wf")
    check = h.task(ex, "check")
    assert check["state"] == states.ERROR and check["state_info"] == "Failed by 'fail-on' policy"
    assert check["published"] == {"code": 500}
    assert h.execution(ex)["state"] == states.SUCCESS


def test_task_defaults_policies_apply():
    h = Harness(doc("""
wf:
  task-defaults:
    retry: {count: 1, delay: 0}
  tasks:
    a: {action: std.fail}
"""))
    h.start("wf")
    assert len(h.started) == 2


# -- long chains and runaway loops ------------------------------------------------

def test_a_long_chain_of_tasks_that_end_at_once_does_not_exhaust_the_stack():
    tasks = "".join(
        f"    t{i}:\n      with-items: x in []\n      action: std.noop\n" + (f"      on-success: [t{i + 1}]\n" if i < 499 else "")
        for i in range(500)
    )
    h = Harness(doc("wf:\n  tasks:\n" + tasks))
    ex = h.start("wf")
    assert h.execution(ex)["state"] == states.SUCCESS and len(h.tasks(ex)) == 500


def test_a_loop_of_tasks_that_fail_at_once_is_stopped_not_spun_for_ever():
    h = Harness(doc("wf:\n  tasks:\n    go: {on-success: [again]}\n    again: {workflow: ghost, on-error: [again]}\n"))
    h.engine.limits = EngineLimits(max_task_starts_per_step=50)
    ex = h.start("wf")
    wf = h.execution(ex)
    assert wf["state"] == states.ERROR and "a loop of tasks that end as soon as they start" in wf["state_info"]
    assert "max-task-starts-per-step" in wf["state_info"]
    # go; again, started by go's action result; 50 runs of again started by again; the start refused
    assert len(h.tasks(ex)) == 53
