"""An event received over HTTP starts the workflow of every trigger it matches, exactly once per event id.

Exactly once lives in replicated state, not in one process's memory:

* the first arrival of an event id records it, with the ids of the triggers
  it matched then, in the `events` table (one log entry). A later arrival of
  the same id finds that row and never matches again, so a trigger created
  in between does not fire for an old event;
* each matched trigger's execution has an id derived from the event id and
  the trigger id, and is started in the same engine entry as the
  `event_executions` row that links it to the event. A trigger whose row
  exists has done its part; a second start of it would collide on both ids
  and be refused by apply on every node.

So a repeated post (to any node: writes are forwarded to the leader), a post
racing another, or one retried after a leader change starts nothing twice;
one interrupted after the event was recorded finishes the triggers left.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from mistral_lite import commands as cmd
from mistral_lite import logs
from mistral_lite.engine_runner import EngineRunner
from mistral_lite.errors import Conflict, Unavailable
from mistral_lite.lang.documents import workflow_spec
from mistral_lite.node import Node
from mistral_lite.registry import event_triggers
from mistral_lite.registry.event_triggers import EVENT_INPUT
from mistral_lite.store import queries
from mistral_lite.timestamps import to_api

log = logs.get("mistral_lite.events")

EVENTS, LINKS = "events", "event_executions"
# Fixed forever: execution ids derived from it must come out the same on every node and release.
EXECUTION_IDS = uuid.UUID("5d0c1f3e-7a2b-4c59-9e61-3f8a2d4b6c70")


@dataclass(frozen=True)
class Event:
    id: str
    exchange: str
    topic: str
    event: str
    payload: dict[str, Any] = field(default_factory=dict)


def execution_id(event_id: str, trigger_id: str) -> str:
    """The id of the execution a trigger starts for an event: the same wherever and however often it is computed."""
    return str(uuid.uuid5(EXECUTION_IDS, json.dumps([event_id, trigger_id])))


async def receive(node: Node, runner: EngineRunner, event: Event) -> dict[str, Any]:
    """Record the event (once), start what its triggers have not started yet, and say what each did."""
    record = await node.read(queries.get_row, EVENTS, event.id)
    if record is None:
        record = await _record(node, event)
    done = {row["event_trigger_id"] for row in await node.read(queries.find_rows, LINKS, {"event_id": event.id})}
    for trigger_id in record["trigger_ids"] or []:
        if trigger_id in done:
            continue
        trigger = await node.read(queries.get_row, event_triggers.TABLE, trigger_id)
        if trigger is not None:  # a trigger deleted since the event arrived has nothing left to do
            await _start(node, runner, record, trigger)
    links = await node.read(queries.find_rows, LINKS, {"event_id": event.id})
    return {
        "event_id": event.id,
        "executions": [{"id": r["id"], "event_trigger_id": r["event_trigger_id"], "workflow_id": r["workflow_id"]}
                       for r in links if r.get("error") is None],
        "failed": [{"event_trigger_id": r["event_trigger_id"], "workflow_id": r["workflow_id"], "error": r["error"]}
                   for r in links if r.get("error") is not None],
    }


async def _record(node: Node, event: Event) -> dict[str, Any]:
    triggers = await node.read(event_triggers.matching, event.exchange, event.topic, event.event)
    record = {"id": event.id, "exchange": event.exchange, "topic": event.topic, "event": event.event,
              "payload": event.payload, "trigger_ids": [t["id"] for t in triggers], "created_at": node.now()}
    try:
        await node.submit([cmd.insert(EVENTS, record)])
    except Conflict:  # recorded meanwhile (a retried submission that did land): that record is the event
        return await node.read(queries.get_row, EVENTS, event.id)
    log.info("event received", event_id=event.id, event_name=event.event, triggers=len(triggers))
    return record


def event_params(record: dict[str, Any]) -> dict[str, Any]:
    """The event as the workflow sees it: in params.event_params, where Mistral's event engine puts it."""
    return {"id": record["id"], "exchange": record["exchange"], "topic": record["topic"], "event": record["event"],
            "payload": record.get("payload") or {}, "timestamp": to_api(record["created_at"])}


def description(trigger: dict[str, Any]) -> str:
    return json.dumps({
        "description": f"Workflow execution created by event trigger '({trigger['id']})'.",
        "triggered_by": {"type": "event_trigger", "id": trigger["id"], "name": trigger.get("name") or ""},
    })


async def _start(node: Node, runner: EngineRunner, record: dict[str, Any], trigger: dict[str, Any]) -> None:
    execution = execution_id(record["id"], trigger["id"])
    link = {"id": execution, "event_id": record["id"], "event_trigger_id": trigger["id"],
            "workflow_id": trigger["workflow_id"], "error": None, "created_at": node.now()}
    definition = runner.find_definition(trigger["workflow_id"], trigger.get("workflow_namespace") or "")
    if definition is None:
        await _failed(node, link, f"Workflow not found [workflow_id={trigger['workflow_id']}]")
        return
    shown = event_params(record)
    wf_input = dict(trigger.get("workflow_input") or {})
    declared = {p.name for p in workflow_spec(definition["name"], definition["spec"]).input}
    if EVENT_INPUT in declared and EVENT_INPUT not in wf_input:
        wf_input[EVENT_INPUT] = shown
    params = {**(trigger.get("workflow_params") or {}), "event_params": shown}
    try:
        await runner.start_workflow(execution, definition["id"], wf_input, params, description(trigger),
                                    extra_commands=[cmd.insert(LINKS, link)])
    except Conflict:  # started already, by an entry this node did not know of when it looked
        return
    except Unavailable:
        raise
    except Exception as e:  # noqa: BLE001 - the workflow changed and no longer fits: record why, go on
        await _failed(node, link, str(e))
        return
    log.info("event trigger fired", trigger=trigger["id"], event_id=record["id"], execution_id=execution)


async def _failed(node: Node, link: dict[str, Any], error: str) -> None:
    log.error("event trigger could not start its workflow", trigger=link["event_trigger_id"],
              event_id=link["event_id"], error=error)
    try:
        await node.submit([cmd.insert(LINKS, {**link, "error": error})])
    except Conflict:
        pass
