"""The executions list in a real headless Chromium: the created-time filter and sortable columns, with paging
that still follows the API's markers."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from tests.support.workflows import simple

ROWS = "table[data-collection=executions] tbody tr"


def start(ui_server, workflow: str) -> dict:
    return ui_server.call("POST", "/executions", {"workflow_name": workflow, "input": '{"name": "x"}'})


@pytest.fixture(scope="module")
def executions(ui_server) -> dict[str, list[str]]:
    """Two executions of `alpha`, then (in a later second of the clock) three of `beta`."""
    for name in ("alpha", "beta"):
        ui_server.call("POST", "/workflows", text=simple(name))
    early = [start(ui_server, "alpha") for _ in range(2)]
    # The API's times have whole seconds: the later group must start in a later second than the first.
    # (The server runs on this machine's clock, in UTC.)
    deadline = time.monotonic() + 20
    while datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S") <= early[-1]["created_at"]:
        assert time.monotonic() < deadline, "the clock did not pass a second"
        time.sleep(0.05)
    late = [start(ui_server, "beta") for _ in range(3)]
    assert late[0]["created_at"] > early[-1]["created_at"]
    return {"early": [x["id"] for x in early], "late": [x["id"] for x in late], "after": late[0]["created_at"]}


def shown(page) -> list[str]:
    rows = page.locator(ROWS)
    return [rows.nth(i).get_attribute("data-id") for i in range(rows.count())]


def test_created_after_and_before_change_the_rows(page, ui_server, executions):
    after = executions["after"]
    page.goto(ui_server.ui + "#/executions")
    expect(page.locator(ROWS)).to_have_count(5)
    page.fill("input[name=after]", after)
    page.press("input[name=after]", "Enter")
    expect(page.locator(ROWS)).to_have_count(3)
    assert set(shown(page)) == set(executions["late"])
    assert "after=" in page.url
    # "before" replaces "after": the API takes one bound per field.
    page.fill("input[name=before]", after)
    page.press("input[name=before]", "Enter")
    expect(page.locator(ROWS)).to_have_count(2)
    assert set(shown(page)) == set(executions["early"])
    assert "after=" not in page.url
    page.select_option("select[name=within]", "3600")
    expect(page.locator(ROWS)).to_have_count(5)
    page.goto(ui_server.ui + "#/executions?before=2000-01-01 00:00:00")
    expect(page.locator(".empty")).to_be_visible()


def test_sorting_by_a_header_orders_the_rows_and_more_follows_markers(page, ui_server, executions):
    page.goto(ui_server.ui + "#/executions?limit=2")
    header = page.locator("th[data-sort=workflow_name]")
    expect(header).to_have_attribute("aria-sort", "none")
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(page.locator(ROWS).first).to_contain_text("beta")
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    expected = [x["id"] for x in ui_server.call(
        "GET", "/executions?sort_keys=workflow_name&sort_dirs=asc")["executions"]]
    assert len(expected) == 5
    expect(page.locator(ROWS)).to_have_count(2)
    expect(page.locator(ROWS).first).to_contain_text("alpha")
    for count in (4, 5):  # each "More" asks for the page after the last row's marker, in this order
        page.click("button.more")
        expect(page.locator(ROWS)).to_have_count(count)
    assert shown(page) == expected
    expect(page.locator("button.more")).to_have_count(0)
