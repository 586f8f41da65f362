"""Direct workflows through the pure engine: transitions, publish scope, outputs, failures."""

import pytest

from mistral_lite.engine import states
from mistral_lite.engine.errors import InvalidWorkflowInput, StateConflict
from mistral_lite.engine.events import PauseWorkflow, ResumeWorkflow, StartWorkflow, StopWorkflow
from tests.unit.engine.harness import Harness


def doc(body: str) -> str:
    return "---\nversion: '2.0'\n" + body


def test_sequence_with_publish_and_output():
    h = Harness(doc("""
wf:
  input: [name, {greeting: Hello}]
  output: {message: <% $.message %>, shout: '{{ _.message | upper }}'}
  tasks:
    greet:
      action: std.echo output="<% $.greeting %>, <% $.name %>"
      publish: {message: <% task().result %>}
      on-success: [done]
    done: {}
"""))
    ex = h.start("wf", {"name": "Ann"})
    wf = h.execution(ex)
    assert wf["state"] == states.SUCCESS
    assert wf["output"] == {"message": "Hello, Ann", "shout": "HELLO, ANN"}
    assert wf["input"] == {"name": "Ann", "greeting": "Hello"}
    assert h.task_states(ex) == [("greet", "SUCCESS"), ("done", "SUCCESS")]
    assert h.task(ex, "greet")["published"] == {"message": "Hello, Ann"}


def test_input_is_checked_against_the_signature():
    h = Harness(doc("wf:\n  input: [a, {b: 1}]\n  tasks:\n    t: {}\n"))
    with pytest.raises(InvalidWorkflowInput, match=r"missing=\['a'\], unexpected=\['zzz'\]"):
        h.start("wf", {"zzz": 1})
    assert h.rows.tables["workflow_executions"] == {}  # nothing created


def test_no_output_gives_published_variables_of_end_tasks_not_input():
    h = Harness(doc("""
wf:
  input: [x]
  tasks:
    a: {action: std.echo output=1, publish: {one: <% task().result %>}, on-success: [b]}
    b: {action: std.echo output=2, publish: {two: <% task().result %>}}
"""))
    ex = h.start("wf", {"x": "in"})
    assert h.execution(ex)["output"] == {"one": 1, "two": 2}


def test_branch_publishes_are_invisible_to_parallel_branches():
    h = Harness(doc("""
wf:
  tasks:
    left: {action: std.echo output="L", publish: {side: left, l: 1}, on-success: [left2]}
    right: {action: std.echo output="R", publish: {side: right}, on-success: [right2]}
    left2: {action: std.echo output=<% $.get(r) %>, publish: {seen_by_left: <% $.side %>}}
    right2: {action: std.echo output=<% $.get(l) %>, publish: {r: <% task().result %>}}
"""))
    ex = h.start("wf")
    assert h.task(ex, "left2")["published"] == {"seen_by_left": "left"}
    assert h.task(ex, "right2")["published"] == {"r": None}  # left's `l` never reached the right branch
    assert h.execution(ex)["state"] == states.SUCCESS


def test_conditions_choose_the_branch():
    h = Harness(doc("""
wf:
  input: [n]
  tasks:
    check:
      action: std.echo output=<% $.n %>
      publish: {big: <% task().result > 10 %>}
      on-success:
        - large: <% $.big %>
        - small: "{{ not _.big }}"
    large: {}
    small: {}
"""))
    ex = h.start("wf", {"n": 50})
    assert [n for n, _ in h.task_states(ex)] == ["check", "large"]
    ex2 = h.start("wf", {"n": 1})
    assert [n for n, _ in h.task_states(ex2)] == ["check", "small"]


def test_unhandled_error_fails_the_workflow_with_task_and_message():
    h = Harness(doc("""
wf:
  tasks:
    boom: {action: std.fail}
"""))
    ex = h.start("wf")
    wf = h.execution(ex)
    assert wf["state"] == states.ERROR
    assert wf["state_info"].startswith("Failure caused by error in tasks: boom")
    assert "Fail action expected exception." in wf["state_info"]
    assert wf["output"]["result"] == wf["state_info"]


def test_on_error_handles_the_error_and_publish_on_error_sees_the_payload():
    h = Harness(doc("""
wf:
  tasks:
    boom:
      action: std.fail error_data=<% dict(code => 42) %>
      publish-on-error: {code: <% task().result.code %>}
      on-error: [recover]
    recover: {action: std.echo output=<% $.code %>, publish: {recovered: <% task().result %>}}
"""))
    ex = h.start("wf")
    wf = h.execution(ex)
    assert wf["state"] == states.SUCCESS
    assert h.task(ex, "boom")["state"] == states.ERROR
    assert h.task(ex, "boom")["state_info"] == "{'code': 42}"
    assert h.task(ex, "boom")["error_handled"] is True
    assert wf["output"] == {"code": 42, "recovered": 42}


def test_on_complete_runs_after_error_but_does_not_handle_it():
    h = Harness(doc("""
wf:
  output-on-error: {cleaned: <% $.cleaned %>}
  tasks:
    boom: {action: std.fail, on-complete: [cleanup]}
    cleanup: {action: std.noop, publish: {cleaned: true}}
"""))
    ex = h.start("wf")
    wf = h.execution(ex)
    assert h.task_states(ex) == [("boom", "ERROR"), ("cleanup", "SUCCESS")]
    assert wf["state"] == states.ERROR
    assert wf["output"]["cleaned"] is True and wf["output"]["result"].startswith("Failure caused by")


def test_noop_in_on_error_swallows_the_error():
    h = Harness(doc("wf:\n  tasks:\n    boom: {action: std.fail, on-error: [noop]}\n"))
    ex = h.start("wf")
    assert h.execution(ex)["state"] == states.SUCCESS


def test_fail_command_with_message_and_output_on_error():
    h = Harness(doc("""
wf:
  output-on-error: {why: stopped}
  tasks:
    a:
      action: std.echo output="x"
      on-success:
        - fail msg="stopped at <% task().result %>"
        - never
    never: {}
"""))
    ex = h.start("wf")
    wf = h.execution(ex)
    assert wf["state"] == states.ERROR and wf["state_info"] == "stopped at x"
    assert wf["output"] == {"result": "stopped at x", "why": "stopped"}
    assert [n for n, _ in h.task_states(ex)] == ["a"]


def test_tasks_before_fail_still_start_and_finish_after_the_workflow_failed():
    # Mistral 23: a task listed before fail starts, keeps running and finishes; what it lists is not followed.
    h = Harness(doc("""
wf:
  tasks:
    a: {on-success: [side, fail msg="stop"]}
    side: {action: std.echo output="late", publish: {p: <% task().result %>}, on-success: [never]}
    never: {}
"""))
    ex = h.start("wf")
    wf = h.execution(ex)
    assert wf["state"] == states.ERROR and wf["state_info"] == "stop"
    side = h.task(ex, "side")
    assert side["state"] == states.SUCCESS and side["published"] == {"p": "late"}
    assert [n for n, _ in h.task_states(ex)] == ["a", "side"]


def test_items_after_fail_are_dropped():
    h = Harness(doc("""
wf:
  tasks:
    a: {on-success: [fail, side]}
    side: {}
"""))
    ex = h.start("wf")
    assert h.execution(ex)["state"] == states.ERROR and h.execution(ex)["state_info"] is None
    assert [n for n, _ in h.task_states(ex)] == ["a"]


def test_succeed_command_ends_with_success_and_output():
    h = Harness(doc("""
wf:
  output: {v: <% $.v %>}
  tasks:
    a: {action: std.echo output=7, publish: {v: <% task().result %>}, on-success: [succeed]}
"""))
    ex = h.start("wf")
    assert h.execution(ex)["state"] == states.SUCCESS and h.execution(ex)["output"] == {"v": 7}


def test_succeed_with_a_task_listed_after_it_is_no_end_task_for_the_output():
    # Mistral counts `later` as a next task of `a` even though succeed drops it: `a` is no end task,
    # so $.v is unknown in the output, which fails the task and the workflow.
    h = Harness(doc("""
wf:
  output: {v: <% $.v %>}
  tasks:
    a: {action: std.echo output=7, publish: {v: <% task().result %>}, on-success: [succeed, later]}
    later: {}
"""))
    ex = h.start("wf")
    wf = h.execution(ex)
    assert wf["state"] == states.ERROR
    assert wf["state_info"].startswith("Failed to handle action completion [error=")
    assert "wf=wf, task=a, action=std.echo]" in wf["state_info"]
    assert h.task(ex, "a")["state"] == states.ERROR and h.task(ex, "a")["state_info"] == wf["state_info"]
    assert [n for n, _ in h.task_states(ex)] == ["a"]


def test_fail_msg_that_is_a_number_becomes_text():
    h = Harness(doc("""
wf:
  tasks:
    a: {on-success: [fail msg=42]}
"""))
    ex = h.start("wf")
    assert h.execution(ex)["state"] == states.ERROR and h.execution(ex)["state_info"] == "42"


def test_a_task_named_fail_is_not_run_when_targeted():
    h = Harness(doc("""
wf:
  tasks:
    start: {on-success: [fail]}
    fail: {action: std.echo output="task"}
"""))
    ex = h.start("wf")
    assert h.execution(ex)["state"] == states.ERROR
    assert [n for n, _ in h.task_states(ex)] == ["start"]


def test_pause_command_keeps_the_rest_for_resume():
    h = Harness(doc("""
wf:
  tasks:
    a: {on-success: [pause, b]}
    b: {}
"""))
    ex = h.start("wf")
    assert h.execution(ex)["state"] == states.PAUSED
    assert [n for n, _ in h.task_states(ex)] == ["a"]
    h.send(ResumeWorkflow(ex))
    h.run()
    assert h.execution(ex)["state"] == states.SUCCESS
    assert [n for n, _ in h.task_states(ex)] == ["a", "b"]


def test_api_pause_holds_new_tasks_and_resume_releases_them():
    h = Harness(doc("""
wf:
  tasks:
    a: {on-success: [b]}
    b: {}
"""))
    ex = h.start("wf", run=False)
    h.send(PauseWorkflow(ex))
    h.run()  # a's result arrives while paused
    assert h.execution(ex)["state"] == states.PAUSED
    assert h.task_states(ex) == [("a", "SUCCESS")]
    h.send(ResumeWorkflow(ex, env={"late": 1}))
    h.run()
    assert h.execution(ex)["state"] == states.SUCCESS
    assert h.execution(ex)["params"]["env"] == {"late": 1}


def test_stop_cancels_and_a_late_result_changes_nothing():
    h = Harness(doc("wf:\n  tasks:\n    wait: {action: std.async_noop}\n"))
    ex = h.start("wf")
    [effect] = [e for e in []] or [None]
    action = next(iter(h.rows.tables["action_executions"].values()))
    h.send(StopWorkflow(ex, states.CANCELLED, "operator"))
    wf = h.execution(ex)
    assert wf["state"] == states.CANCELLED and wf["output"] == {"result": "operator"}
    assert action["state"] == states.CANCELLED
    from mistral_lite.engine.events import ActionFinished
    result = h.send(ActionFinished(action["id"], states.SUCCESS, "late"))
    assert result.commands == []


def test_a_task_reached_twice_runs_twice():
    h = Harness(doc("""
wf:
  tasks:
    a: {on-success: [c]}
    b: {on-success: [c]}
    c: {}
"""))
    ex = h.start("wf")
    assert [n for n, _ in h.task_states(ex)].count("c") == 2


def test_loop_until_condition():
    h = Harness(doc("""
wf:
  vars: {limit: 3}
  tasks:
    init: {action: std.echo output=0, publish: {i: 0}, on-success: [step]}
    step:
      action: std.echo output=<% $.i + 1 %>
      publish: {i: <% task().result %>}
      on-success:
        - step: <% $.i < $.limit %>
"""))
    ex = h.start("wf")
    assert [n for n, _ in h.task_states(ex)] == ["init", "step", "step", "step"]
    assert h.execution(ex)["output"] == {"i": 3}


def test_expression_error_in_input_force_fails_without_on_error():
    h = Harness(doc("""
wf:
  tasks:
    a: {action: std.echo output=<% $.missing %>, on-error: [handler]}
    handler: {}
"""))
    ex = h.start("wf")
    wf = h.execution(ex)
    assert wf["state"] == states.ERROR
    assert "Failed to run task" in wf["state_info"] and "missing" in wf["state_info"]
    assert [n for n, _ in h.task_states(ex)] == ["a"]


def test_unknown_action_and_bad_action_input_force_fail():
    h = Harness(doc("wf:\n  tasks:\n    a: {action: nope.nothing}\n"))
    ex = h.start("wf")
    assert "Failed to find action [action_name=nope.nothing" in h.execution(ex)["state_info"]
    h2 = Harness(doc("wf:\n  tasks:\n    a: {action: std.echo}\n"))
    ex2 = h2.start("wf")
    assert "missing=['output']" in h2.execution(ex2)["state_info"]


def test_global_publish_and_global_function():
    h = Harness(doc("""
wf:
  vars: {count: 10}
  tasks:
    a:
      action: std.noop
      on-success:
        publish:
          global: {count: <% global(count) + 1 %>}
        next: [b]
    b: {action: std.echo output=<% global(count) %>, publish: {seen: <% task().result %>}}
"""))
    ex = h.start("wf")
    assert h.execution(ex)["context"] == {"count": 11}
    assert h.execution(ex)["output"] == {"seen": 11}


def test_env_is_visible_and_env_action_defaults_apply():
    h = Harness(doc("""
wf:
  tasks:
    a: {action: std.echo, publish: {region: '<% env().region %>', echoed: <% task().result %>}}
"""))
    ex = h.start("wf", params={"env": {"region": "lab", "__actions": {"std.echo": {"output": "from env"}}}})
    assert h.execution(ex)["output"] == {"region": "lab", "echoed": "from env"}


def test_task_function_reads_other_tasks_and_tasks_filters_by_state():
    h = Harness(doc("""
wf:
  tasks:
    a: {action: std.echo output="A", on-success: [b]}
    b:
      action: std.noop
      publish:
        from_a: <% task(a).result %>
        done: <% tasks(execution().id, false, SUCCESS).name %>
"""))
    ex = h.start("wf")
    assert h.execution(ex)["output"] == {"from_a": "A", "done": ["a", "b"]}  # b is SUCCESS when it publishes


def test_three_levels_of_sub_workflows():
    h = Harness(doc("""
top:
  output: {r: <% $.r %>}
  tasks:
    call: {workflow: middle x=1, publish: {r: <% task().result.r %>}}
middle:
  input: [x]
  output: {r: <% $.r %>}
  tasks:
    call: {workflow: bottom y=<% $.x + 1 %>, publish: {r: <% task().result.r %>}}
bottom:
  input: [y]
  output: {r: <% $.y * 10 %>}
  tasks:
    t: {}
"""))
    ex = h.start("top")
    assert h.execution(ex)["state"] == states.SUCCESS
    assert h.execution(ex)["output"] == {"r": 20}
    [middle] = h.children(ex)
    [bottom] = h.children(middle["id"])
    assert middle["root_execution_id"] == ex and bottom["root_execution_id"] == ex
    assert bottom["task_execution_id"] == h.tasks(middle["id"])[0]["id"]


def test_failing_sub_workflow_fails_the_parent_task():
    h = Harness(doc("""
top:
  tasks:
    call: {workflow: child, on-error: [report]}
    report: {action: std.echo output=<% task(call).state_info %>, publish: {why: <% task().result %>}}
child:
  tasks:
    boom: {action: std.fail error_data="broken"}
"""))
    ex = h.start("top")
    assert h.execution(ex)["state"] == states.SUCCESS
    call = h.task(ex, "call")
    assert call["state"] == states.ERROR and "broken" in call["state_info"]
    assert "Failure caused by error in tasks: boom" in h.execution(ex)["output"]["why"]


def test_unknown_sub_workflow_is_a_handleable_task_error():
    h = Harness(doc("""
top:
  tasks:
    call: {workflow: ghost, on-error: [noop]}
"""))
    ex = h.start("top")
    assert h.execution(ex)["state"] == states.SUCCESS
    assert "Failed to find workflow [name=ghost]" in h.task(ex, "call")["state_info"]


def test_ad_hoc_action_resolves_to_its_base_and_transforms_output():
    h = Harness(doc("""
wf:
  tasks:
    a: {action: greet name="Ann", publish: {r: <% task().result %>}}
"""), actions="""---
version: '2.0'
greet:
  input: [name, {greeting: Hi}]
  base: std.echo
  base-input: {output: "<% $.greeting %> <% $.name %>"}
  output: {text: <% $ %>}
""")
    ex = h.start("wf")
    assert h.execution(ex)["output"] == {"r": {"text": "Hi Ann"}}
    action = next(iter(h.rows.tables["action_executions"].values()))
    assert action["name"] == "greet" and action["spec"]["base"] == "std.echo"


def test_every_step_is_deterministic():
    text = doc("""
wf:
  tasks:
    a: {action: std.echo output=<% uuid() %>, on-success: [b, c]}
    b: {action: std.fail, on-error: [c]}
    c: {}
""")
    runs = []
    for _ in range(2):
        h = Harness(text)
        h.start("wf")
        runs.append(h.commands)
    assert runs[0] == runs[1]


def test_a_second_start_of_a_live_execution_is_refused_and_changes_nothing():
    h = Harness(doc("wf:\n  tasks:\n    t: {action: std.noop}\n"))
    h.send(StartWorkflow("ex-1", "def-wf", {}, {}))
    before = {table: dict(rows) for table, rows in h.rows.tables.items()}
    with pytest.raises(StateConflict, match=r"already exists \[id=ex-1\]"):
        h.send(StartWorkflow("ex-1", "def-wf", {}, {}))
    assert {table: dict(rows) for table, rows in h.rows.tables.items()} == before
    h.run()
    assert h.execution("ex-1")["state"] == states.SUCCESS
