"""/v2/event_triggers over the API: Mistral 23's fields, rules and error texts (recorded on real Mistral 23.0.0)."""

import json

WORKFLOW = """---
version: '2.0'
on_alarm:
  input: [region, event: null]
  output: {region: <% $.region %>, event: <% $.event %>, params: <% execution().params.event_params %>}
  tasks:
    t: {action: std.noop}
"""
PLAIN = """---
version: '2.0'
plain:
  tasks:
    t: {action: std.noop}
"""
MISSING = "Params {'event', 'topic', 'exchange', 'workflow_id'} must be provided for creating event trigger."
GHOST = "00000000-0000-0000-0000-000000000000"


async def _workflow_id(api, text: str) -> str:
    got = await api.ok("POST", "/workflows", text=text, status=201)
    return got["workflows"][0]["id"]


def _body(workflow_id: str, **extra):
    return {"name": "t1", "workflow_id": workflow_id, "exchange": "openstack", "topic": "notifications",
            "event": "alarm.fired", "workflow_input": {"region": "eu"}, **extra}


async def test_create_get_list_update_delete(api):
    wf = await _workflow_id(api, WORKFLOW)
    created = await api.ok("POST", "/event_triggers", _body(wf, workflow_params={"env": {"a": 1}}), status=201)
    assert list(created) == ["id", "created_at", "updated_at", "project_id", "name", "workflow_id", "workflow_input",
                             "workflow_params", "exchange", "topic", "event", "scope"]
    assert created["workflow_input"] == '{"region": "eu"}' and created["workflow_params"] == '{"env": {"a": 1}}'
    assert created["updated_at"] is None and created["scope"] == "private"
    assert created["project_id"] == "<default-project>"
    trigger_id = created["id"]
    assert await api.ok("GET", f"/event_triggers/{trigger_id}") == created
    assert await api.ok("GET", f"/event_triggers/{trigger_id}?fields=name,event") == {
        "id": trigger_id, "name": "t1", "event": "alarm.fired"}
    # without a name: Mistral stores an empty one; a second trigger on another event of the same workflow
    unnamed = await api.ok("POST", "/event_triggers", {**_body(wf, event="alarm.other"), "name": None}, status=201)
    assert unnamed["name"] == "" and unnamed["workflow_input"] == '{"region": "eu"}'
    listed = (await api.ok("GET", "/event_triggers"))["event_triggers"]
    assert sorted(t["id"] for t in listed) == sorted([trigger_id, unnamed["id"]])
    assert [t["id"] for t in (await api.ok("GET", "/event_triggers?event=alarm.other"))["event_triggers"]] == [
        unnamed["id"]]
    page = await api.ok("GET", "/event_triggers?limit=1")
    assert len(page["event_triggers"]) == 1 and "marker=" in page["next"]

    updated = await api.ok("PUT", f"/event_triggers/{trigger_id}", {"name": "renamed",
                                                                    "workflow_input": {"region": "us"}})
    assert updated["name"] == "renamed" and updated["workflow_input"] == '{"region": "us"}'
    assert updated["updated_at"] is not None and updated["exchange"] == "openstack"
    assert (await api.ok("GET", f"/event_triggers/{trigger_id}"))["name"] == "renamed"
    other = await _workflow_id(api, PLAIN)
    moved = await api.ok("PUT", f"/event_triggers/{trigger_id}", {"workflow_id": other, "workflow_input": {}})
    assert moved["workflow_id"] == other and moved["workflow_input"] == "{}"

    assert await api.call("DELETE", f"/event_triggers/{trigger_id}") == (204, None)
    got, answer = await api.call("GET", f"/event_triggers/{trigger_id}")
    assert (got, answer["faultstring"]) == (404, f"Event trigger not found [id={trigger_id}].")
    got, answer = await api.call("DELETE", f"/event_triggers/{trigger_id}")
    assert (got, answer["faultstring"]) == (404, f"Event trigger not found [id={trigger_id}].")


async def test_create_refusals_in_mistrals_words(api):
    wf = await _workflow_id(api, WORKFLOW)
    cases = [
        ({k: v for k, v in _body(wf).items() if k != "exchange"}, 400, MISSING),
        (_body(wf, topic=""), 400, MISSING),
        (_body(GHOST), 404, f"Workflow not found [workflow_id={GHOST}]"),
        (_body("on_alarm"), 400, "Expected a uuid but received on_alarm."),
        (_body(wf, workflow_input={"bogus": 1}), 400, "unexpected=['bogus']"),
        (_body(wf, workflow_input={}), 400, "missing=['region']"),
        (_body(wf, scope="public"), 403, "Operation forbidden (insufficient permissions)"),
        (_body(wf, scope="bogus"), 400,
         "Invalid input for field/attribute scope. Value: 'bogus'. Value should be one of: private, public"),
        (_body(wf, bogus=1), 400, "Unknown attribute for argument event_trigger: bogus"),
        (_body(wf, id=GHOST), 400, f"Invalid input for field/attribute id. Value: '{GHOST}'. Cannot set read only field."),
        (_body(wf, exchange=5), 400, "Invalid input for field/attribute exchange."),
        (_body(wf, event="e" * 81), 400, "Invalid input for field/attribute event."),
        (_body(wf, workflow_params={"env": 3}), 400, "Invalid input for field/attribute workflow_params.env."),
    ]
    for body, status, text in cases:
        got, answer = await api.call("POST", "/event_triggers", body)
        assert got == status and text in answer["faultstring"], (body, got, answer)
    assert (await api.ok("GET", "/event_triggers"))["event_triggers"] == []

    await api.ok("POST", "/event_triggers", _body(wf), status=201)
    got, answer = await api.call("POST", "/event_triggers", _body(wf, name="another"))
    assert got == 409 and answer["faultstring"] == (
        "Duplicate entry for EventTrigger ['exchange', 'topic', 'event', 'workflow_id', 'project_id']: "
        f"openstack, notifications, alarm.fired, {wf}, None")


async def test_update_and_id_refusals(api):
    wf = await _workflow_id(api, WORKFLOW)
    trigger_id = (await api.ok("POST", "/event_triggers", _body(wf), status=201))["id"]
    for body, status, text in [
        ({"event": "z"}, 400, "Can not update fields ['exchange', 'topic', 'event'] of event trigger."),
        ({"created_at": "x"}, 400, "Invalid input for field/attribute created_at. Value: 'x'. Cannot set read only field."),
        ({"workflow_id": GHOST}, 404, f"Workflow not found [workflow_id={GHOST}]"),
        ({"workflow_input": {"bogus": 1}}, 400, "unexpected=['bogus']"),
        ({"scope": "public"}, 403, "Operation forbidden (insufficient permissions)"),
    ]:
        got, answer = await api.call("PUT", f"/event_triggers/{trigger_id}", body)
        assert got == status and text in answer["faultstring"], (body, got, answer)
    got, answer = await api.call("PUT", f"/event_triggers/{GHOST}", {"name": "x"})
    assert (got, answer["faultstring"]) == (404, f"Event trigger not found [id={GHOST}].")
    for method in ("GET", "DELETE"):
        got, answer = await api.call(method, "/event_triggers/t1")
        assert (got, answer["faultstring"]) == (400, "Invalid input for field/attribute id. Value: 't1'. unable to "
                                                     "convert to uuid. Error: Expected a uuid but received t1.")
    assert json.loads((await api.ok("GET", f"/event_triggers/{trigger_id}"))["workflow_input"]) == {"region": "eu"}


async def test_workflow_with_event_triggers_cannot_be_deleted(api):
    wf = await _workflow_id(api, WORKFLOW)
    first = (await api.ok("POST", "/event_triggers", _body(wf), status=201))["id"]
    second = (await api.ok("POST", "/event_triggers", _body(wf, event="alarm.cleared"), status=201))["id"]
    ids = ", ".join(sorted([first, second]))
    for identifier in ("on_alarm", wf):
        got, answer = await api.call("DELETE", f"/workflows/{identifier}")
        assert (got, answer["faultstring"]) == (
            400, f"Can't delete workflow that has event triggers associated. [workflow_identifier={identifier}], "
                 f"[event_trigger_id(s)={ids}]")
    await api.ok("DELETE", f"/event_triggers/{first}", status=204)
    await api.ok("DELETE", f"/event_triggers/{second}", status=204)
    await api.ok("DELETE", "/workflows/on_alarm", status=204)
