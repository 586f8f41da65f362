"""POST /v2/events: the HTTP event ingress (a mistral-lite extension; Mistral listens on a message bus instead).

An alarm, a webhook or a script posts {exchange, topic, event, payload, id?};
every event trigger on (exchange, topic, event) starts its workflow, once per
event id (see services/events.py).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mistral_lite.api import fields
from mistral_lite.api.context import node_of, one_at_a_time, runner_of
from mistral_lite.api.event_triggers import KEY
from mistral_lite.api.params import check_known
from mistral_lite.services import events as service

BODY: fields.Schema = {
    "id": fields.Field("text", max_length=fields.NAME_LENGTH, plain=True),
    "exchange": KEY, "topic": KEY, "event": KEY, "payload": fields.JSON,
}
REQUIRED = ("exchange", "topic", "event")
# Event ids being handled on this node now (writes all reach the leader, so this covers the cluster).
RECEIVING = web.AppKey("receiving_events", dict)


def _event(body: dict[str, Any], new_id: str) -> service.Event:
    for key in REQUIRED:
        if not body.get(key):
            raise fields.invalid(key, "A value is required.", show=False)
    payload = body.get("payload")
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise fields.invalid("payload", "Wrong type. Expected an object.", payload)
    if "id" in body and not body["id"]:
        raise fields.invalid("id", "An event id can not be empty; leave it out to have one generated.", show=False)
    return service.Event(body.get("id") or new_id, body["exchange"], body["topic"], body["event"], payload)


async def post_event(request: web.Request) -> web.Response:
    check_known(request, ())
    node = node_of(request)
    event = _event(await fields.read_body(request, BODY), node.new_id())
    async with one_at_a_time(request.app[RECEIVING], event.id):
        answer = await service.receive(node, runner_of(request), event)
    return web.json_response(answer, status=202)


def routes() -> list[web.RouteDef]:
    return [web.post("/v2/events", post_event)]
