"""Cron triggers from the UI: create from the form (next run shown), refusals shown, delete."""

from __future__ import annotations

import urllib.error

import pytest
from playwright.sync_api import expect

from tests.support.workflows import simple


@pytest.fixture(scope="module", autouse=True)
def workflow(ui_server):
    ui_server.call("POST", "/workflows", text=simple("hello"))


def fill(page, **values):
    for name, value in values.items():
        page.fill(f"form.create-cron input[name={name}]", value)
    page.click("text=Create cron trigger")


def test_a_trigger_created_from_the_form_is_listed_with_its_next_run_and_deleted(page, ui_server):
    page.goto(ui_server.ui + "#/cron_triggers")
    fill(page, name="early", workflow_name="hello", pattern="0 4 * * *", workflow_input='{"name": "cron"}')
    row = page.locator("table[data-collection=cron_triggers] tr", has_text="early")
    expect(row).to_contain_text("0 4 * * *")
    stored = ui_server.call("GET", "/cron_triggers/early")
    assert stored["next_execution_time"] and stored["next_execution_time"].endswith(":00")
    expect(row).to_contain_text(stored["next_execution_time"])
    assert stored["workflow_input"] in ('{"name": "cron"}', {"name": "cron"})
    page.on("dialog", lambda dialog: dialog.accept())
    row.locator("button[name=delete]").click()
    expect(page.locator("table[data-collection=cron_triggers] tr", has_text="early")).to_have_count(0)
    with pytest.raises(urllib.error.HTTPError) as gone:
        ui_server.call("GET", "/cron_triggers/early")
    assert gone.value.code == 404


def test_the_servers_refusal_and_bad_input_json_are_shown(page, ui_server):
    page.goto(ui_server.ui + "#/cron_triggers")
    fill(page, name="broken", workflow_name="hello", pattern="not a pattern")
    expect(page.locator("form.create-cron .error")).to_be_visible()
    with pytest.raises(urllib.error.HTTPError):
        ui_server.call("GET", "/cron_triggers/broken")
    fill(page, name="broken", workflow_name="hello", pattern="0 4 * * *", workflow_input="{oops")
    expect(page.locator("form.create-cron .error")).to_contain_text("Input is not JSON")
