"""The web UI in a real headless Chromium: served files, every panel, and the execution controls, seen in the DOM."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.support.workflows import simple

SLOW = """---
version: '2.0'
slow:
  input: [{seconds: 1}]
  tasks:
    first:
      action: std.sleep seconds=<% $.seconds %>
      on-success: [second]
    second:
      action: std.sleep seconds=<% $.seconds %>
"""


@pytest.fixture(scope="module", autouse=True)
def objects(ui_server):
    ui_server.call("POST", "/workflows", text=simple("hello"))
    ui_server.call("POST", "/workflows", text=SLOW)
    ui_server.call("POST", "/workbooks", text="---\nversion: '2.0'\nname: shelf\nworkflows:\n  tidy:\n    tasks:\n"
                                            "      t: {action: std.noop}\n")
    ui_server.call("POST", "/environments", {"name": "staging", "variables": {"region": "eu"}})
    ui_server.call("POST", "/cron_triggers", {"name": "nightly", "workflow_name": "hello", "pattern": "0 3 * * *",
                                              "workflow_input": {"name": "cron"}})
    hello = ui_server.call("GET", "/workflows/hello")
    ui_server.call("POST", "/event_triggers", {"name": "on-push", "workflow_id": hello["id"], "exchange": "git",
                                               "topic": "repo", "event": "push", "workflow_input": {"name": "ev"}})
    return hello


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def test_index_revalidates_and_versioned_assets_are_immutable(ui_server):
    status, headers, body = fetch(ui_server.ui)
    assert status == 200 and headers["Cache-Control"] == "no-cache"
    base = re.search(rb'src="(/ui/[0-9a-f]{12}/)app.js"', body).group(1).decode()
    for name in ("app.js", "vendor/preact-11.2.0/preact.mjs", "vendor/htm-3.1.1/htm.mjs", "style.css"):
        status, headers, _ = fetch(f"http://127.0.0.1:{ui_server.port}{base}{name}")
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable", name
    assert fetch(f"http://127.0.0.1:{ui_server.port}{base}app.js")[1]["Content-Type"].startswith("text/javascript")
    # An old page's version still loads today's file, but not for ever.
    _, headers, _ = fetch(f"http://127.0.0.1:{ui_server.port}/ui/000000000000/app.js")
    assert headers["Cache-Control"] == "no-cache"
    for name in ("no-such-file.js", "index.html"):  # index.html only at /ui/, where it is never cached
        with pytest.raises(urllib.error.HTTPError) as missing:
            fetch(f"http://127.0.0.1:{ui_server.port}{base}{name}")
        assert missing.value.code == 404


@pytest.mark.parametrize("panel, shows", [
    ("workflows", "hello"), ("workbooks", "shelf"), ("actions", "std.echo"), ("environments", "staging"),
    ("cron_triggers", "nightly"), ("event_triggers", "push"),
])
def test_each_list_panel_shows_a_real_object(page, ui_server, panel, shows):
    page.goto(ui_server.ui + "#/" + panel)
    expect(page.locator("main table tbody")).to_contain_text(shows)


def test_a_workflow_shows_its_definition_and_signature_and_starts_from_its_form(page, ui_server):
    page.goto(ui_server.ui + "#/workflows")
    page.get_by_role("link", name="hello", exact=True).click()
    expect(page.locator(".signature")).to_have_text("name, greeting=\"Hello\"")
    expect(page.locator("pre.definition")).to_contain_text("std.echo")
    expect(page.locator("form.start input[name=greeting]")).to_have_value('"Hello"')
    page.fill("form.start input[name=name]", "Ada")
    page.click("text=Start execution")
    expect(page.locator("main .toolbar .state")).to_have_text("SUCCESS")
    expect(page.locator("pre.output")).to_contain_text("Hello, Ada")
    expect(page.locator("table[data-collection=tasks]")).to_contain_text("greet")
    execution_id = page.locator("h2 .id").inner_text()
    # The list shows it, filtered by state and workflow, and paging follows the API's markers.
    page.goto(ui_server.ui + "#/executions?state=SUCCESS&workflow=hello")
    expect(page.locator(f"tr[data-id='{execution_id}']")).to_contain_text("SUCCESS")
    page.goto(ui_server.ui + "#/executions?state=ERROR")
    expect(page.locator(".empty")).to_be_visible()
    # The task page and the action executions and tasks lists show its task.
    page.goto(ui_server.ui + "#/tasks")
    expect(page.locator("main table tbody")).to_contain_text("greet")
    page.goto(ui_server.ui + "#/action_executions")
    expect(page.locator("main table tbody")).to_contain_text("std.echo")


def test_executions_list_pages_with_markers_and_opens_by_id(page, ui_server):
    for i in range(3):
        ui_server.call("POST", "/executions", {"workflow_name": "hello", "input": '{"name": "p%d"}' % i})
    every = [x["id"] for x in ui_server.call("GET", "/executions?workflow_name=hello&sort_keys=created_at"
                                                    "&sort_dirs=desc")["executions"]]
    assert len(every) >= 4
    page.goto(ui_server.ui + "#/executions?workflow=hello&limit=2")
    rows = page.locator("table[data-collection=executions] tbody tr")
    expect(rows).to_have_count(2)
    for shown in range(2, len(every), 2):  # each "More" follows the page's next link (its marker)
        page.click("button.more")
        expect(rows).to_have_count(min(shown + 2, len(every)))
    assert [rows.nth(i).get_attribute("data-id") for i in range(len(every))] == every
    expect(page.locator("button.more")).to_have_count(0 if len(every) % 2 else 1)
    page.fill("input[name=id]", every[1])
    page.click("text=Open")
    expect(page.locator("h2 .id")).to_have_text(every[1])


def test_pause_resume_from_the_execution_page(page, ui_server):
    # Long enough for a loaded machine to show the page and click Pause while the first task sleeps.
    ex = ui_server.call("POST", "/executions", {"workflow_name": "slow", "input": '{"seconds": 3}'})
    page.goto(ui_server.ui + "#/executions/" + ex["id"])
    page.click("button[name=pause]")
    expect(page.locator("main .toolbar .state")).to_have_text("PAUSED")
    assert ui_server.call("GET", "/executions/" + ex["id"])["state"] == "PAUSED"
    page.click("button[name=resume]")
    expect(page.locator("main .toolbar .state")).to_have_text("SUCCESS", timeout=20_000)
    expect(page.locator("table[data-collection=tasks]")).to_contain_text("second")


def test_cancel_sets_cancelled_and_description_and_delete_work(page, ui_server):
    ex = ui_server.call("POST", "/executions", {"workflow_name": "slow", "input": '{"seconds": 30}'})
    page.goto(ui_server.ui + "#/executions/" + ex["id"])
    page.click("button[name=cancel]")
    expect(page.locator("main .toolbar .state")).to_have_text("CANCELLED")
    assert ui_server.call("GET", "/executions/" + ex["id"])["state"] == "CANCELLED"
    page.fill("input[name=description]", "stopped by hand")
    page.click("text=Save description")
    expect(page.locator("form.description .saved")).to_be_visible()  # the PUT answered
    assert ui_server.call("GET", "/executions/" + ex["id"])["description"] == "stopped by hand"
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("button[name=delete]")
    expect(page.locator("main[data-panel=executions] h2")).to_have_text("Executions")
    with pytest.raises(urllib.error.HTTPError):
        ui_server.call("GET", "/executions/" + ex["id"])
