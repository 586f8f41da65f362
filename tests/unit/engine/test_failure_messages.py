"""Mistral's words for failures, through the pure engine: heads, details on the next lines, summaries."""

from mistral_lite.engine import states
from tests.unit.engine.harness import Harness


def doc(body: str) -> str:
    return "---\nversion: '2.0'\n" + body


def test_bad_input_expression_gives_the_run_head_then_details():
    h = Harness(doc("wf:\n  tasks:\n    send: {action: std.echo output=<% $.recipient.address %>}\n"))
    ex = h.start("wf")
    info = h.execution(ex)["state_info"]
    head, details = info.split("\n", 1)
    assert head.startswith("Failed to run task [error=Can not evaluate YAQL expression [")
    assert head.endswith(", wf=wf, task=send]:")
    assert "(while evaluating" not in head  # the context is on the next line, not inside error=
    assert details == f"  [task_ex_id={h.task(ex, 'send')['id']}]: while evaluating the input of task send"


def test_bad_publish_gives_the_completion_head_naming_the_action():
    h = Harness(doc("wf:\n  tasks:\n    get: {action: std.echo output=1, publish: {x: <% $.nope %>}}\n"))
    ex = h.start("wf")
    task = h.task(ex, "get")
    assert task["state"] == states.ERROR
    assert task["state_info"].startswith("Failed to handle action completion [error=Can not evaluate YAQL")
    assert ", wf=wf, task=get, action=std.echo]:\n" in task["state_info"]


def test_bad_output_keeps_the_final_context_and_names_the_tasks_it_saw():
    h = Harness(doc("wf:\n  output: {total: <% $.summary.total %>}\n  tasks:\n"
                    "    compute: {action: std.echo output=10, publish: {count: <% task().result %>}}\n"))
    ex = h.start("wf")
    wf = h.execution(ex)
    assert wf["state"] == states.ERROR
    assert wf["state_info"].startswith(f"Failed to check and complete [wf_ex_id={ex}, wf_name=wf]: Can not evaluate")
    assert f"compute [task_ex_id={h.task(ex, 'compute')['id']}]" in wf["state_info"]
    assert wf["output"] == {"result": wf["state_info"], "count": 10}


def test_bad_retry_count_fails_the_task_before_its_action_runs():
    h = Harness(doc("wf:\n  tasks:\n    t:\n      action: std.fail\n"
                    "      retry: {count: <% $.cfg.retries %>, delay: 0}\n"))
    ex = h.start("wf")
    assert h.execution(ex)["state_info"].startswith("Failed to run task [error=Can not evaluate YAQL")
    assert h.started == []


def test_failure_summary_lists_tasks_by_name_with_each_failed_action():
    h = Harness(doc("wf:\n  tasks:\n    start: {action: std.noop, on-success: [zeta, alpha]}\n"
                    "    zeta: {action: std.fail}\n    alpha: {action: std.fail}\n"))
    ex = h.start("wf")
    info = h.execution(ex)["state_info"]
    assert info.startswith("Failure caused by error in tasks: alpha, zeta\n\n  alpha [task_ex_id=")
    assert info.count(", idx=0]: ") == 2 and info.endswith("\n")


def test_with_items_failure_uses_mistrals_words():
    h = Harness(doc("wf:\n  tasks:\n    each: {with-items: 'x in [1, 2]', action: std.fail}\n"))
    ex = h.start("wf")
    assert h.task(ex, "each")["state_info"] == "One or more actions had failed."


def test_with_items_over_a_number_is_mistrals_wrong_input_format():
    h = Harness(doc("wf:\n  tasks:\n    each: {with-items: x in <% 5 %>, action: std.echo output=<% $.x %>}\n"))
    ex = h.start("wf")
    assert h.execution(ex)["state_info"].startswith(
        "Failed to run task [error=Wrong input format for: {}. Iterable type is expected for each value., ")
