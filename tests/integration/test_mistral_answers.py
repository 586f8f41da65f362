"""Fields, texts and definitions as Mistral 23 answers them (each checked against real Mistral first;
tests/cli compares the whole CLI output, these pin the API answers behind it)."""

import json

import pytest

FLOWS = """---
version: '2.0'
shown:
  input:
    - name
    - level: "1"
    - tags: [red, blue]
    - deep: {x: true}
  tasks:
    t: {action: std.noop}
held:
  tasks:
    t: {action: std.async_noop}
"""

BOOK = """---
version: '2.0'
name: book
workflows:
  flow:
    input:
      - who
    tasks:
      speak:
        action: book.say text=<% $.who %>
actions:
  say:
    base: std.echo
    base-input:
      output: <% $.text %>
    input:
      - text
"""


async def test_workflow_input_shows_defaults_as_mistral_prints_them(api):
    await api.upload(FLOWS)
    shown = await api.ok("GET", "/workflows/shown")
    assert shown["input"] == """name, level="1", tags="['red', 'blue']", deep="{'x': True}\""""


@pytest.mark.parametrize("method, path, kwargs", [
    ("POST", "/workflows?scope=public", {"text": FLOWS}),
    ("POST", "/workbooks?scope=public", {"text": BOOK}),
    ("POST", "/actions?scope=public", {"text": "version: '2.0'\na1: {base: std.noop}\n"}),
    ("POST", "/environments", {"body": {"name": "e", "variables": {}, "scope": "public"}}),
])
async def test_public_scope_is_refused_without_authentication(api, method, path, kwargs):
    status, body = await api.call(method, path, **kwargs)
    assert status == 403 and body["faultstring"] == "Operation forbidden (insufficient permissions)"


async def test_yaml_syntax_error_is_mistrals_text_with_line_and_column(api):
    status, body = await api.call("POST", "/workflows", text="version: '2.0'\nwf:\n  tasks:\n    t1: {}\n  - x\n")
    assert status == 400
    assert body["faultstring"].startswith("Definition could not be parsed: while parsing a block mapping\n")
    assert 'line 5, column 3' in body["faultstring"]


async def test_running_action_is_not_accepted_yet(api):
    started = await api.ok("POST", "/action_executions", {"name": "std.async_noop", "input": {}}, status=201)
    assert started["state"] == "RUNNING" and started["accepted"] is False and started["updated_at"] is None
    await api.ok("PUT", f"/action_executions/{started['id']}", {"state": "SUCCESS", "output": "{}"})
    assert (await api.ok("GET", f"/action_executions/{started['id']}"))["accepted"] is True


@pytest.mark.parametrize("output, text", [
    ("worker crashed", "Invalid input for field/attribute action_ex. Value: '{'state': 'ERROR', 'output': "
                       "'worker crashed'}'. Expecting value: line 1 column 1 (char 0)"),
    ('"yes"', "JsonType field value must be a dictionary [actual=yes]"),
    ("[1]", "JsonType field value must be a dictionary [actual=[1]]"),
    (1, "Invalid input for field/attribute action_ex. Value: '{'state': 'ERROR', 'output': 1}'. "
        "the JSON object must be str, bytes or bytearray, not int"),
])
async def test_a_reported_output_must_be_an_object_as_in_mistral(api, output, text):
    started = await api.ok("POST", "/action_executions", {"name": "std.async_noop", "input": {}}, status=201)
    status, body = await api.call("PUT", f"/action_executions/{started['id']}", {"state": "ERROR", "output": output})
    assert (status, body["faultstring"]) == (400, text)
    assert (await api.ok("GET", f"/action_executions/{started['id']}"))["state"] == "RUNNING"
    status, body = await api.call("PUT", f"/action_executions/{started['id']}", {"state": "DONE"})
    assert (status, body["faultstring"]) == (
        400, "Error. Expected one of ['SUCCESS', 'ERROR', 'CANCELLED', 'PAUSED', 'RUNNING'], actual: DONE")
    done = await api.ok("PUT", f"/action_executions/{started['id']}", {"state": "ERROR", "output": None})
    assert done["state"] == "ERROR" and json.loads(done["output"]) == {"result": "Unknown error"}


async def test_unknown_action_run_directly_names_no_namespace(api):
    status, body = await api.call("POST", "/action_executions", {"name": "std.nothing"})
    assert status == 400 and body["faultstring"] == "Failed to find action [action_name=std.nothing]"


async def test_invalid_input_lists_only_what_is_wrong(api):
    await api.upload(FLOWS)
    status, body = await api.call("POST", "/executions", {"workflow_name": "shown",
                                                         "input": json.dumps({"name": "x", "nope": 1})})
    assert status == 400
    assert body["faultstring"] == "Invalid input [name=shown, class=DirectWorkflowSpec, unexpected=['nope']]"


async def test_one_shot_cron_trigger_shows_mistrals_pattern(api):
    await api.upload(FLOWS)
    trigger = await api.ok("POST", "/cron_triggers", {
        "name": "once", "workflow_name": "held", "first_execution_time": "2099-01-01 00:00"}, status=201)
    assert trigger["pattern"] == "0 0 30 2 0"
    status, body = await api.call("POST", "/cron_triggers", {
        "name": "past", "workflow_name": "held", "first_execution_time": "2000-01-01 00:00"})
    assert status == 400 and body["faultstring"] == "first_execution_time must be at least 1 minute in the future."


async def test_environment_create_answer_has_no_updated_at_and_a_missing_one_is_named(api):
    created = await api.ok("POST", "/environments", {"name": "prod", "variables": {"a": 1}}, status=201)
    assert "updated_at" not in created
    await api.upload(FLOWS)
    status, body = await api.call("POST", "/executions", {"workflow_name": "held", "params": {"env": "nope"}})
    assert status == 400 and body["faultstring"] == "Environment is not found: nope"


async def test_workbook_items_keep_their_own_section_as_definition(api):
    await api.ok("POST", "/workbooks", text=BOOK, status=201)
    flow = await api.ok("GET", "/workflows/book.flow")
    assert flow["definition"] == ("flow:\n  input:\n    - who\n  tasks:\n    speak:\n"
                                  "      action: book.say text=<% $.who %>\n")
    say = await api.ok("GET", "/actions/book.say")
    assert say["definition"].startswith("say:\n  base: std.echo\n")
    status, body = await api.call("POST", "/workbooks", text=BOOK)
    assert status == 409 and body["faultstring"].startswith("Duplicate entry for WorkbookDefinition ")
    assert (await api.call("DELETE", "/workbooks/book"))[0] == 204
    status, body = await api.call("DELETE", "/workbooks/book")
    assert status == 404 and body["faultstring"] == "Workbook not found [workbook_name=book, namespace=]"


async def test_actions_are_got_by_name_and_listed_from_the_default_namespace(api):
    text = "version: '2.0'\nquiet: {base: std.noop}\n"
    created = (await api.ok("POST", "/actions", text=text, status=201))["actions"][0]
    assert created["input"] is None
    await api.ok("POST", "/actions?namespace=other", text=text, status=201)
    listed = [a for a in (await api.ok("GET", "/actions"))["actions"] if a["name"] == "quiet"]
    assert [a["namespace"] for a in listed] == [""] and listed[0]["input"] == ""
    status, body = await api.call("GET", f"/actions/{created['id']}")
    assert status == 404 and body["faultstring"] == f"Action not found [name={created['id']}, namespace=]"
    assert (await api.call("DELETE", "/actions/quiet"))[0] == 204
    status, body = await api.call("DELETE", "/actions/quiet")
    assert status == 404 and body["faultstring"] == "Action definition not found [action_name=quiet, namespace=]"


async def test_execution_from_a_source_takes_its_workflow_not_its_input_or_description(api):
    await api.upload(FLOWS)
    source = await api.run("shown", {"name": "ann"}, description="first")
    status, body = await api.call("POST", "/executions", {"source_execution_id": source["id"]})
    assert status == 400 and "missing=['name']" in body["faultstring"]
    again = await api.ok("POST", "/executions", {"source_execution_id": source["id"], "description": "again",
                                                 "input": json.dumps({"name": "eve"})}, status=201)
    assert again["workflow_name"] == "shown"
    assert again["description"] == f"again Based on the execution '{source['id']}'"
    assert json.loads(again["input"])["name"] == "eve"
