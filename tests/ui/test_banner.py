"""The failure banner of the execution page: the first failed task, its YAML line and its error."""

from __future__ import annotations

from playwright.sync_api import expect

BROKEN = """---
version: '2.0'
broken:
  tasks:
    fine:
      action: std.noop
      on-success: [boom]
    boom:
      action: std.fail error_data="disk full"
"""


def test_banner_names_the_failed_task_its_line_and_its_error(page, ui_server):
    ui_server.call("POST", "/workflows", text=BROKEN)
    ex = ui_server.call("POST", "/executions", {"workflow_name": "broken"})
    page.goto(ui_server.ui + "#/executions/" + ex["id"])
    banner = page.locator(".failure-banner")
    expect(banner.locator(".task")).to_have_text("boom", timeout=20_000)
    expect(banner.locator(".line")).to_have_text("line 8")  # `boom:` in BROKEN
    state_info = ui_server.call("GET", "/executions/" + ex["id"] + "/tasks")["tasks"]
    failed = next(t for t in state_info if t["name"] == "boom")
    expect(banner.locator(".reason")).to_have_text(failed["state_info"])
    assert "disk full" in failed["state_info"]


def test_no_banner_on_a_successful_execution(page, ui_server):
    ui_server.call("POST", "/workflows", text="---\nversion: '2.0'\nfine_only:\n  tasks:\n    t: {action: std.noop}\n")
    ex = ui_server.call("POST", "/executions", {"workflow_name": "fine_only"})
    page.goto(ui_server.ui + "#/executions/" + ex["id"])
    expect(page.locator("main .toolbar .state")).to_have_text("SUCCESS", timeout=20_000)
    expect(page.locator("table[data-collection=tasks]")).to_contain_text("t")
    expect(page.locator(".failure-banner")).to_have_count(0)


def test_an_engine_fail_with_no_failed_task_shows_the_execution_reason(page, ui_server):
    ui_server.call("POST", "/workflows", text="---\nversion: '2.0'\ngives_up:\n  tasks:\n    t:\n"
                                            "      action: std.noop\n      on-success: [fail]\n")
    ex = ui_server.call("POST", "/executions", {"workflow_name": "gives_up"})
    page.goto(ui_server.ui + "#/executions/" + ex["id"])
    expect(page.locator("main .toolbar .state")).to_have_text("ERROR", timeout=20_000)
    reason = ui_server.call("GET", "/executions/" + ex["id"])["state_info"]
    expect(page.locator(".failure-banner .reason")).to_have_text(reason or "no reason given")
    expect(page.locator(".failure-banner .task")).to_have_count(0)
