"""/v2/actions and /v2/workbooks over HTTP, and the validate endpoints agreeing with upload."""

import json

import pytest

TEXT = {"Content-Type": "text/plain"}

ACTIONS = """---
version: '2.0'
greet:
  description: says hello
  input:
    - name
    - greeting: Hello
  base: std.echo
  base-input:
    output: "<% $.greeting %>, <% $.name %>"
  output:
    text: <% $ %>
shout:
  base: greet greeting="HEY"
"""

WORKBOOK = """---
version: '2.0'
name: ops
description: operations
tags: [infra]
actions:
  say:
    base: std.echo
    base-input: {output: <% $.msg %>}
    input: [msg]
workflows:
  main:
    tasks:
      t1:
        action: say msg="hi"
        on-success: [t2]
      t2:
        workflow: helper
  helper:
    input:
      - level: 1
    tasks:
      t: {action: std.noop}
"""


async def call(server, method, path, body=None):
    data = body.encode() if isinstance(body, str) else None
    async with server.http.request(method, server.url + path, data=data, headers=TEXT) as r:
        raw = await r.read()
        return r.status, json.loads(raw) if raw else None


async def test_system_actions_are_listed_with_their_signature(server):
    status, body = await call(server, "GET", "/actions")
    assert status == 200
    by_name = {a["name"]: a for a in body["actions"]}
    assert {"std.noop", "std.echo", "std.fail", "std.http", "std.mistral_http", "std.email", "std.sleep",
            "std.async_noop", "std.test_dict"} <= set(by_name)
    echo = by_name["std.echo"]
    assert echo["input"] == "output, delay=0" and echo["id"] == "std.echo" and echo["definition"] == ""
    assert by_name["std.http"]["input"].startswith('url, method="GET", params=null')
    names = [a["name"] for a in body["actions"]]
    assert names == sorted(names)  # default order: name


async def test_get_action_in_every_client_form(server):
    for path in ("/actions/std.echo", "/actions/std.echo/", "/actions/std.echo?namespace="):
        status, body = await call(server, "GET", path)
        assert status == 200 and body["name"] == "std.echo", path
    status, body = await call(server, "GET", "/actions/std.nope/")
    assert status == 404 and body["faultstring"] == "Action not found [name=std.nope, namespace=]"


async def test_ad_hoc_actions_round_trip(server):
    status, body = await call(server, "POST", "/actions", ACTIONS)
    assert status == 201
    greet, shout = body["actions"]
    assert greet["name"] == "greet" and greet["input"] == 'name, greeting="Hello"'
    assert greet["description"] == "says hello" and greet["is_system"] is False
    assert greet["definition"] == ACTIONS
    assert (await call(server, "POST", "/actions", ACTIONS))[0] == 409

    status, got = await call(server, "GET", "/actions/greet")
    assert status == 200 and got["id"] == greet["id"]
    _, listed = await call(server, "GET", "/actions?is_system=false")
    assert [a["name"] for a in listed["actions"]] == ["greet", "shout"]
    _, listed = await call(server, "GET", "/actions?name=has:std.e")
    assert {a["name"] for a in listed["actions"]} == {"std.echo", "std.email"}

    changed = ACTIONS.replace("says hello", "says hi")
    status, body = await call(server, "PUT", "/actions", changed)
    assert status == 200 and body["actions"][0]["description"] == "says hi"
    assert body["actions"][0]["updated_at"] is not None

    assert (await call(server, "DELETE", "/actions/greet"))[0] == 204
    assert (await call(server, "GET", "/actions/greet"))[0] == 404
    status, body = await call(server, "DELETE", "/actions/std.echo")
    assert status == 400 and "system action" in body["faultstring"]


async def test_system_action_names_cannot_be_redefined(server):
    status, body = await call(server, "POST", "/actions", "version: '2.0'\nstd.echo:\n  base: std.noop\n")
    assert status == 409 and "system action" in body["faultstring"]


async def test_action_listing_pages_by_marker(server):
    await call(server, "POST", "/actions", ACTIONS)
    seen, marker = [], None
    for _ in range(20):
        _, page = await call(server, "GET", "/actions?limit=4" + (f"&marker={marker}" if marker else ""))
        seen.extend(a["name"] for a in page["actions"])
        if "next" not in page:
            break
        marker = page["actions"][-1]["id"]
    _, everything = await call(server, "GET", "/actions")
    assert seen == [a["name"] for a in everything["actions"]]


async def test_workbook_creates_prefixed_workflows_and_actions(server):
    status, wb = await call(server, "POST", "/workbooks", WORKBOOK)
    assert status == 201
    assert wb["name"] == "ops" and wb["tags"] == ["infra"] and wb["definition"] == WORKBOOK
    _, workflows = await call(server, "GET", "/workflows")
    assert sorted(w["name"] for w in workflows["workflows"]) == ["ops.helper", "ops.main"]
    helper = next(w for w in workflows["workflows"] if w["name"] == "ops.helper")
    assert helper["input"] == 'level="1"'  # Mistral quotes every workflow default
    status, action = await call(server, "GET", "/actions/ops.say")
    assert status == 200 and action["input"] == "msg"
    assert (await call(server, "POST", "/workbooks", WORKBOOK))[0] == 409

    status, got = await call(server, "GET", "/workbooks/ops")
    assert status == 200 and got["id"] == wb["id"]
    assert [w["name"] for w in (await call(server, "GET", "/workbooks"))[1]["workbooks"]] == ["ops"]


async def test_workbook_update_and_delete(server):
    await call(server, "POST", "/workbooks", WORKBOOK)
    changed = WORKBOOK.replace("description: operations", "description: ops team")
    status, body = await call(server, "PUT", "/workbooks", changed)
    assert status == 200 and body["updated_at"] is not None and "ops team" in body["definition"]
    assert (await call(server, "PUT", "/workbooks", changed.replace("name: ops", "name: other")))[0] == 404
    assert (await call(server, "DELETE", "/workbooks/ops"))[0] == 204
    assert (await call(server, "GET", "/workbooks/ops"))[0] == 404
    # its workflows and actions went with it
    assert (await call(server, "GET", "/workflows"))[1]["workflows"] == []
    assert (await call(server, "GET", "/actions/ops.say"))[0] == 404


async def test_workbook_item_clashing_with_a_standalone_workflow(server):
    assert (await call(server, "POST", "/workflows", "version: '2.0'\nops.main:\n  tasks: {t: {}}\n"))[0] == 201
    status, body = await call(server, "POST", "/workbooks", WORKBOOK)
    assert status == 409 and "ops.main" in body["faultstring"]
    assert (await call(server, "GET", "/workbooks"))[1]["workbooks"] == []


@pytest.mark.parametrize("path, body, fragment", [
    ("/workbooks", "version: '2.0'\nworkflows: {}\n", "'name' is a required property"),
    ("/workbooks", "version: '2.0'\nname: x\ncolour: red\n", "unknown key 'colour'"),
    ("/actions", "version: '2.0'\nmine:\n  input: [a]\n", "'base' is a required property"),
    ("/actions", "version: '2.0'\na:\n  base: b\nb:\n  base: a\n", "cycle"),
    ("/workflows", "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.noop\n      on-success: [nope]\n",
     "Task 'nope' not found."),
])
async def test_validate_endpoints_agree_with_upload(server, path, body, fragment):
    status, upload = await call(server, "POST", path, body)
    assert status == 400 and fragment in upload["faultstring"]
    status, verdict = await call(server, "POST", path + "/validate", body)
    assert status == 200 and verdict == {"valid": False, "error": upload["faultstring"]}


@pytest.mark.parametrize("path, body", [
    ("/workbooks", WORKBOOK),
    ("/actions", ACTIONS),
])
async def test_validate_accepts_valid_documents(server, path, body):
    assert await call(server, "POST", path + "/validate", body) == (200, {"valid": True})
