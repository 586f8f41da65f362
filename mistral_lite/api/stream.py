"""GET /v2/executions/{id}/stream: an execution's live state as server-sent events (a mistral-lite
extension for the web UI; docs/ui.md, "Server side").

The first event is a `snapshot` (the execution and all its task executions); then `changes` events
carry only the rows changed since, batched every COALESCE seconds. Each event's id is the log index
its rows were read at, so a client reconnecting with Last-Event-ID gets one `changes` event with what
changed meanwhile (or a fresh snapshot if that is longer ago than the feed remembers). Any node
serves it: rows are read from this node's SQLite as its log applies entries.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

from aiohttp import web

from mistral_lite import logs
from mistral_lite.api.context import NODE, node_of
from mistral_lite.api.params import check_known
from mistral_lite.change_feed import ChangeFeed, Watch
from mistral_lite.errors import NotFound
from mistral_lite.store.catalog import Catalog

log = logs.get(__name__)

FEED = web.AppKey("change_feed", ChangeFeed)
COALESCE = 0.2  # seconds: many changes, one event
PING = 15.0  # seconds: a comment line keeps proxies from closing an idle stream
WRITE_TIMEOUT = 10.0  # seconds a client may take to accept one event before it is dropped
EXECUTION_COLUMNS = ("id", "workflow_name", "workflow_namespace", "state", "state_info", "task_execution_id",
                     "root_execution_id", "created_at", "updated_at")
TASK_COLUMNS = ("id", "name", "type", "state", "state_info", "runtime_context", "created_at", "updated_at",
                "started_at", "finished_at")
JSON_COLUMNS = ("runtime_context",)
SELECT_BATCH = 500  # ids per IN (...) query


def read_state(conn: sqlite3.Connection, catalog: Catalog, execution_id: str,
               only: set[str] | None) -> dict[str, Any] | None:
    """In one read transaction: the applied index, the execution, its task ids, and its task rows
    (all of them, or those of `only`)."""
    index = conn.execute("SELECT last_applied FROM log_state").fetchone()[0]
    found = conn.execute(f"SELECT {', '.join(EXECUTION_COLUMNS)} FROM workflow_executions WHERE id = ?",
                         (execution_id,)).fetchone()
    if found is None:
        return None
    ids = [r[0] for r in conn.execute("SELECT id FROM task_executions WHERE workflow_execution_id = ? ORDER BY rowid",
                                      (execution_id,))]
    wanted = ids if only is None else [i for i in ids if i in only]
    tasks = []
    select = f"SELECT {', '.join(TASK_COLUMNS)} FROM task_executions WHERE id IN "
    for start in range(0, len(wanted), SELECT_BATCH):
        chunk = wanted[start:start + SELECT_BATCH]
        rows = conn.execute(select + f"({', '.join('?' * len(chunk))}) ORDER BY rowid", chunk)
        tasks.extend(_row(TASK_COLUMNS, r) for r in rows)
    return {"index": index, "execution": _row(EXECUTION_COLUMNS, found), "task_ids": ids, "tasks": tasks}


def _row(columns: tuple[str, ...], values: tuple) -> dict[str, Any]:
    row = dict(zip(columns, values))
    for column in JSON_COLUMNS:
        if isinstance(row.get(column), str):
            row[column] = json.loads(row[column])
    return row


def event(name: str, index: int, data: dict[str, Any]) -> bytes:
    return f"event: {name}\nid: {index}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _last_event_id(request: web.Request) -> int | None:
    text = request.headers.get("Last-Event-ID", "")
    return int(text) if text.isdigit() else None  # anything else: start over with a snapshot


async def execution_stream(request: web.Request) -> web.StreamResponse:
    check_known(request, ())
    execution_id = request.match_info["id"]
    feed, node = request.app[FEED], node_of(request)
    last = _last_event_id(request)
    watch = feed.watch(execution_id)  # before reading: nothing applied after the read is missed
    try:
        resumed = last is not None and feed.covers(last)
        execution_changed, tasks = feed.changed_since(last, execution_id) if resumed else (True, None)
        state = await node.reader.run(read_state, execution_id, tasks)
        if state is None:
            raise NotFound(f"WorkflowExecution not found [id={execution_id}]")
        feed.own(watch, state["task_ids"])
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                               "X-Accel-Buffering": "no"})
        await response.prepare(request)
        try:
            await _send(response, "changes" if resumed else "snapshot", state, with_execution=execution_changed)
            await _follow(response, watch, node, execution_id)
        except (asyncio.TimeoutError, ConnectionError) as e:
            log.info("live stream dropped", execution_id=execution_id, reason=type(e).__name__)
        return response
    finally:
        feed.unwatch(watch)


async def _follow(response: web.StreamResponse, watch: Watch, node: Any, execution_id: str) -> None:
    while not watch.closed:
        try:
            await asyncio.wait_for(watch.wake.wait(), PING)
        except asyncio.TimeoutError:
            await _write(response, b": ping\n\n")
            continue
        await asyncio.sleep(COALESCE)
        if watch.closed:
            break
        _, execution_changed, tasks = watch.take()
        state = await node.reader.run(read_state, execution_id, tasks)
        if state is None or watch.deleted:
            await _write(response, event("deleted", watch.index, {"index": watch.index, "id": execution_id}))
            break
        await _send(response, "changes", state, with_execution=execution_changed)


async def _send(response: web.StreamResponse, name: str, state: dict[str, Any], with_execution: bool) -> None:
    data: dict[str, Any] = {"index": state["index"], "tasks": state["tasks"]}
    if with_execution:
        data["execution"] = state["execution"]
    await _write(response, event(name, state["index"], data))


async def _write(response: web.StreamResponse, data: bytes) -> None:
    """A client that does not take an event within WRITE_TIMEOUT is dropped, not buffered for."""
    await asyncio.wait_for(response.write(data), WRITE_TIMEOUT)


async def close_streams(app: web.Application) -> None:
    """On shutdown: end every stream at once, or aiohttp would wait for them before stopping."""
    app[FEED].stop()


def install(app: web.Application) -> None:
    app[FEED] = ChangeFeed(app[NODE].log)
    app.on_shutdown.append(close_streams)


def routes() -> list[web.RouteDef]:
    return [web.get("/v2/executions/{id}/stream", execution_stream)]
