"""POST /v2/events: an event starts the workflow of every matching trigger, exactly once per event id."""

import asyncio
import json

from mistral_lite.services import events as service
from tests.integration.test_event_triggers_api import PLAIN, WORKFLOW, _body, _workflow_id

EVENT = {"exchange": "openstack", "topic": "notifications", "event": "alarm.fired"}


async def test_event_starts_the_workflow_with_the_event(api):
    wf = await _workflow_id(api, WORKFLOW)
    trigger = await api.ok("POST", "/event_triggers", _body(wf, workflow_params={"env": {"k": "v"}}), status=201)
    answer = await api.ok("POST", "/events", {**EVENT, "id": "alarm-1", "payload": {"severity": "critical"}},
                          status=202)
    assert answer["event_id"] == "alarm-1" and answer["failed"] == []
    [started] = answer["executions"]
    assert started["event_trigger_id"] == trigger["id"] and started["workflow_id"] == wf
    ex = await api.wait(started["id"])
    assert ex["state"] == "SUCCESS", ex
    shown = {"id": "alarm-1", **EVENT, "payload": {"severity": "critical"}}
    # the trigger's workflow_input, the event in the declared input `event`, and in params.event_params as Mistral
    assert ex["input"] == {"region": "eu", "event": {**shown, "timestamp": ex["input"]["event"]["timestamp"]}}
    assert ex["params"]["env"] == {"k": "v"} and ex["params"]["event_params"] == ex["input"]["event"]
    assert ex["output"]["params"] == ex["input"]["event"] and ex["output"]["region"] == "eu"
    assert json.loads(ex["description"]) == {
        "description": f"Workflow execution created by event trigger '({trigger['id']})'.",
        "triggered_by": {"type": "event_trigger", "id": trigger["id"], "name": "t1"},
    }


async def test_every_matching_trigger_fires_and_nothing_else(api):
    wf = await _workflow_id(api, WORKFLOW)
    plain = await _workflow_id(api, PLAIN)
    one = await api.ok("POST", "/event_triggers", _body(wf), status=201)
    two = await api.ok("POST", "/event_triggers", _body(plain, workflow_input=None), status=201)
    await api.ok("POST", "/event_triggers", _body(plain, workflow_input=None, topic="other"), status=201)
    answer = await api.ok("POST", "/events", EVENT, status=202)
    assert answer["event_id"]  # generated
    assert sorted(e["event_trigger_id"] for e in answer["executions"]) == sorted([one["id"], two["id"]])
    for started in answer["executions"]:
        assert (await api.wait(started["id"]))["state"] == "SUCCESS"
    nothing = await api.ok("POST", "/events", {**EVENT, "event": "alarm.unknown", "id": "n1"}, status=202)
    assert nothing == {"event_id": "n1", "executions": [], "failed": []}
    listed = (await api.ok("GET", "/executions"))["executions"]
    assert sorted(e["id"] for e in listed) == sorted(e["id"] for e in answer["executions"])


async def test_the_same_event_id_starts_nothing_twice(api):
    wf = await _workflow_id(api, WORKFLOW)
    await api.ok("POST", "/event_triggers", _body(wf), status=201)
    first = await api.ok("POST", "/events", {**EVENT, "id": "dup"}, status=202)
    # a trigger added later does not fire for an event already received
    await api.ok("POST", "/event_triggers", _body(wf, name="later", topic="notifications", event="alarm.fired",
                                                  workflow_input={"region": "x"}, exchange="other"), status=201)
    again = await api.ok("POST", "/events", {**EVENT, "id": "dup", "payload": {"changed": True}}, status=202)
    assert again == first and len(first["executions"]) == 1
    # concurrent posts of one new id: one execution, every answer the same
    answers = await asyncio.gather(*(api.ok("POST", "/events", {**EVENT, "id": "burst"}, status=202)
                                     for _ in range(8)))
    assert all(a == answers[0] for a in answers) and len(answers[0]["executions"]) == 1
    listed = (await api.ok("GET", "/executions"))["executions"]
    assert len(listed) == 2


async def test_a_trigger_whose_workflow_no_longer_fits_is_reported(api):
    wf = await _workflow_id(api, WORKFLOW)
    trigger = await api.ok("POST", "/event_triggers", _body(wf), status=201)
    await api.ok("PUT", "/workflows", text=WORKFLOW.replace("[region, event: null]", "[zone, event: null]"))
    answer = await api.ok("POST", "/events", {**EVENT, "id": "e1"}, status=202)
    assert answer["executions"] == []
    [failed] = answer["failed"]
    assert failed["event_trigger_id"] == trigger["id"] and "Invalid input" in failed["error"]
    assert await api.ok("POST", "/events", {**EVENT, "id": "e1"}, status=202) == answer


async def test_bad_events_name_the_field(api):
    for body, field in [
        ({"topic": "t", "event": "e"}, "exchange"),
        ({**EVENT, "topic": ""}, "topic"),
        ({**EVENT, "event": 3}, "event"),
        ({**EVENT, "payload": [1]}, "payload"),
        ({**EVENT, "id": ""}, "id"),
        ({**EVENT, "bogus": 1}, "bogus"),
    ]:
        got, answer = await api.call("POST", "/events", body)
        assert got == 400 and field in answer["faultstring"], (body, answer)
    got, answer = await api.call("POST", "/events", text="not json")
    assert got == 400


async def test_the_dedupe_is_in_the_stored_rows_not_in_the_lock(server, api):
    """Receipts of one event racing without the API's per-id turns (as two leaders' would): apply refuses
    every second start, and all of them answer the one execution."""
    await api.ok("POST", "/event_triggers", _body(await _workflow_id(api, WORKFLOW)), status=201)
    event = service.Event("raced", EVENT["exchange"], EVENT["topic"], EVENT["event"], {})
    running = server.running
    answers = await asyncio.gather(*(service.receive(running.node, running.engine, event) for _ in range(5)))
    assert all(a == answers[0] for a in answers) and len(answers[0]["executions"]) == 1
    listed = (await api.ok("GET", "/executions"))["executions"]
    assert [e["id"] for e in listed] == [answers[0]["executions"][0]["id"]]
    assert (await api.wait(listed[0]["id"]))["state"] == "SUCCESS"
