"""GET /v2/openapi.json: the OpenAPI 3 document of the whole API, built from what the routes declare.

The resource modules already declare, next to their routes, what the document
needs: each resource's FIELDS, each collection's filter columns (COLLECTION) and
each write body's fields with their kinds (fields.Schema). This module adds one
line per operation (OPERATIONS: method, path, summary, success status, what it
reads and returns) and turns the lot into OpenAPI: a field's kind becomes its
JSON Schema type, a collection its paging and filter parameters. The document
shows an operation only while the application routes it, so it never promises a
route the server lacks; tests/api/test_openapi_document.py checks that every route
is described and every description is routed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from aiohttp import web

from mistral_lite.api import (
    action_executions,
    actions,
    admin_only,
    cron_triggers,
    environments,
    event_triggers,
    events,
    executions,
    fields,
    tasks,
    workbooks,
    workflows,
)
from mistral_lite.api.listing import PAGING_PARAMS, Collection

VERSION = "2.0"
NULLABLE_TEXT = {"type": "string", "nullable": True}
TIMESTAMP = {"type": "string", "nullable": True, "pattern": r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"}
# A property's type by its name, the same in every resource; text fields may be null.
PROPERTY_TYPES: dict[str, dict[str, Any]] = {
    "tags": {"type": "array", "items": {"type": "string"}, "nullable": True},
    "interface": {},  # a JSON string in GET answers, an object in POST/PUT answers (as in Mistral)
    "is_system": {"type": "boolean"},
    "accepted": {"type": "boolean"},
    "processed": {"type": "boolean"},
    "remaining_executions": {"type": "integer", "nullable": True},
    "created_at": TIMESTAMP, "updated_at": TIMESTAMP, "started_at": TIMESTAMP, "finished_at": TIMESTAMP,
}
# Each resource: its collection (fields and list key, declared beside its routes) and the fields
# not every answer carries.
RESOURCES: dict[str, tuple[Collection, tuple[str, ...]]] = {
    "Workflow": (workflows.COLLECTION, ()),
    "Workbook": (workbooks.COLLECTION, ()),
    "Action": (actions.COLLECTION, ()),
    "Execution": (executions.COLLECTION, ("output", "published_global")),
    "Task": (tasks.COLLECTION, ("result", "published_global", "runtime_context", "published")),
    # Mistral's create answers of action executions and environments carry no updated_at.
    "ActionExecution": (action_executions.COLLECTION, ("output", "updated_at")),
    "Environment": (environments.COLLECTION, ("updated_at",)),
    "CronTrigger": (cron_triggers.COLLECTION, ()),
    "EventTrigger": (event_triggers.COLLECTION, ()),
}
KIND_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "uuid": {"type": "string", "format": "uuid"},
    "object": {"oneOf": [{"type": "object"}, {"type": "string"}]},
    "json": {},
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "number": {"type": "number"},
}
QUERY_TYPES: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1},
    "max_depth": {"type": "integer"},
    "marker": {"type": "string"},
    **{name: {"type": "boolean"} for name in ("include_output", "errors_only", "statistics_only", "force",
                                              "all_projects", "skip_validation")},
}


@dataclass(frozen=True)
class Op:
    """One operation: what the document says about a route."""

    method: str
    path: str
    summary: str
    returns: Any = None  # a component name, a schema, or None (no body)
    status: int = 200
    query: tuple[str, ...] = ()
    listing: Collection | None = None  # adds paging, sorting, `fields` and one filter per column
    body: Mapping[str, fields.Field] | str | None = None  # a fields.Schema, "yaml" or "text"
    extension: bool = False  # mistral-lite's own, not Mistral's
    content: str = "application/json"  # the success answer's media type


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def listed(key: str, row: str) -> dict[str, Any]:
    return {"type": "object", "required": [key], "additionalProperties": False,
            "properties": {key: {"type": "array", "items": ref(row)}, "next": {"type": "string"}}}


def wrapped(key: str, item: str) -> dict[str, Any]:
    return {"type": "object", "required": [key], "additionalProperties": False,
            "properties": {key: {"type": "array", "items": ref(item)}}}


VALIDATION = {"type": "object", "required": ["valid"], "properties": {
    "valid": {"type": "boolean"}, "error": {"type": "string"}, "warnings": {"type": "array"}}}
NAMESPACE = ("namespace",)
WRITE = ("namespace", "scope", "skip_validation")
ONE = ("namespace", "fields")
SUB_EXECUTIONS = ("errors_only", "max_depth", "include_output")


def _definitions(base: str, kind: str, row: str, collection: Collection, ident: str,
                 create: str | dict, update_one: bool) -> list[Op]:
    """The five operations every definition family (workflows, workbooks, actions) shares."""
    ops = [
        Op("GET", base, f"List {kind}s", f"{row}Rows", listing=collection, query=NAMESPACE),
        Op("POST", base, f"Create {kind}s from a YAML document", create, 201, WRITE, body="yaml"),
        Op("PUT", base, f"Update {kind}s from a YAML document", create, 200, WRITE, body="yaml"),
        Op("POST", f"{base}/validate", f"Validate a {kind} document", VALIDATION, body="yaml", query=WRITE),
        Op("GET", f"{base}/{{{ident}}}", f"Get a {kind} by name or id", f"{row}Row", query=ONE),
        Op("DELETE", f"{base}/{{{ident}}}", f"Delete a {kind}", None, 204, NAMESPACE),
    ]
    if update_one:
        ops.append(Op("PUT", f"{base}/{{{ident}}}", f"Update one {kind} by id", row, 200, WRITE, body="yaml"))
    return ops


def _refused(base: str, kind: str, create_query: tuple[str, ...], body: Any) -> list[Op]:
    """A family Mistral keeps for administrators: every call answers 403 (see admin_only.py)."""
    why = " (refused: Mistral's admin_only policy, no administrator without authentication)"
    return [
        Op("GET", base, f"List {kind}s{why}", None, 403, admin_only.LIST_PARAMS),
        Op("POST", base, f"Create a {kind}{why}", None, 403, create_query, body=body),
        Op("PUT", base, f"Update a {kind}{why}", None, 403, create_query if body == "text" else (), body=body),
        Op("GET", f"{base}/{{identifier}}", f"Get a {kind}{why}", None, 403, admin_only.ONE_PARAMS),
        Op("DELETE", f"{base}/{{identifier}}", f"Delete a {kind}{why}", None, 403, admin_only.DELETE_PARAMS),
    ]


SHARING = " (refused: resource sharing needs authentication)"
EVENT_ACCEPTED = {"type": "object", "required": ["event_id", "executions", "failed"], "properties": {
    "event_id": {"type": "string"},
    "executions": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "string"}, "event_trigger_id": {"type": "string"}, "workflow_id": {"type": "string"}}}},
    "failed": {"type": "array", "items": {"type": "object", "properties": {
        "event_trigger_id": {"type": "string"}, "workflow_id": {"type": "string"}, "error": {"type": "string"}}}}}}

NUMBER = {"type": "number"}
GRAPH = {"type": "object", "required": ["workflow", "type", "nodes", "edges", "width", "height"], "properties": {
    "workflow": {"type": "string"}, "type": {"type": "string", "enum": ["direct", "reverse"]},
    "width": NUMBER, "height": NUMBER, "node_width": NUMBER, "node_height": NUMBER,
    "nodes": {"type": "array", "items": {"type": "object", "required": ["id", "kind", "name", "x", "y", "rank"],
                                         "properties": {
        "id": {"type": "string"}, "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["action", "workflow", "with-items", "join", "command"]},
        "call": NULLABLE_TEXT, "join": {"nullable": True}, "with_items": {"type": "boolean"},
        "start": {"type": "boolean"}, "line": {"type": "integer", "nullable": True},
        "x": NUMBER, "y": NUMBER, "rank": {"type": "integer"}}}},
    "edges": {"type": "array", "items": {"type": "object", "required": ["source", "target", "clause", "points"],
                                         "properties": {
        "source": {"type": "string"}, "target": {"type": "string"}, "condition": NULLABLE_TEXT,
        "clause": {"type": "string", "enum": ["on-success", "on-error", "on-complete", "on-skip", "requires"]},
        "reversed": {"type": "boolean"},
        "points": {"type": "array", "items": {"type": "array", "items": NUMBER}}}}}}}

STAMP = {"type": "string", "nullable": True}
SEGMENT = {"type": "object", "required": ["kind", "start", "end"], "properties": {
    "kind": {"type": "string", "enum": ["action", "workflow", "wait", "timer"]}, "start": STAMP, "end": STAMP,
    "id": {"type": "string"}, "name": NULLABLE_TEXT, "state": {"type": "string"}, "state_info": NULLABLE_TEXT,
    "attempt": {"type": "integer"}, "item": {"type": "integer", "nullable": True},
    "reason": {"type": "string", "enum": ["before", "retry", "after"]}, "timer": {"type": "string"}}}
TIMELINE = {"type": "object", "required": ["execution", "tasks"], "properties": {
    "execution": {"type": "object", "properties": {"id": {"type": "string"}, "state": {"type": "string"},
                                                   "created_at": STAMP, "updated_at": STAMP}},
    "tasks": {"type": "array", "items": {"type": "object", "required": ["id", "name", "state", "segments"],
                                         "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "type": {"type": "string"},
        "state": {"type": "string"}, "state_info": NULLABLE_TEXT, "created_at": STAMP, "started_at": STAMP,
        "finished_at": STAMP, "retries": {"type": "integer"}, "timed_out": {"type": "boolean"},
        "attempts": {"type": "integer"}, "segments": {"type": "array", "items": SEGMENT}}}}}}

OPERATIONS: list[Op] = [
    Op("GET", "/", "API versions", "Versions"),
    Op("GET", "/v2", "Redirect to /v2/", None, 302),
    Op("GET", "/v2/", "The v2 root", {"type": "object", "required": ["uri"], "properties": {"uri": {"type": "string"}}}),
    Op("GET", "/health", "This node's health and log status", "Health", extension=True),
    Op("GET", "/v2/openapi.json", "This document", {"type": "object"}, extension=True),
    Op("GET", "/v2/services", "The cluster members this node knows", "Services", extension=True),
    *_definitions("/v2/workflows", "workflow", "Workflow", workflows.COLLECTION, "identifier",
                  wrapped("workflows", "Workflow"), update_one=True),
    *_definitions("/v2/workbooks", "workbook", "Workbook", workbooks.COLLECTION, "name", "Workbook", update_one=False),
    *_definitions("/v2/actions", "action", "Action", actions.COLLECTION, "name",
                  wrapped("actions", "Action"), update_one=False),
    Op("PUT", "/v2/actions/{identifier}", "Update one action by id", wrapped("actions", "Action"), 200, WRITE,
       body="yaml"),
    Op("GET", "/v2/actions/{name}/", "Get an action (the client's form)", "ActionRow", query=ONE),
    Op("GET", "/v2/actions/{name}/{namespace}", "Get an action of a namespace", "ActionRow", query=ONE),
    Op("DELETE", "/v2/actions/{name}/", "Delete an action (the client's form)", None, 204, NAMESPACE),
    Op("DELETE", "/v2/actions/{name}/{namespace}", "Delete an action of a namespace", None, 204, NAMESPACE),
    Op("GET", "/v2/executions", "List workflow executions", "ExecutionRows", query=("include_output", "nulls"),
       listing=executions.COLLECTION),
    Op("POST", "/v2/executions", "Start a workflow execution", "Execution", 201, body=executions.CREATE_BODY),
    Op("GET", "/v2/executions/{id}", "Get a workflow execution", "ExecutionRow", query=("fields",)),
    Op("PUT", "/v2/executions/{id}", "Pause, resume, stop or describe an execution", "Execution",
       body=executions.UPDATE_BODY),
    Op("DELETE", "/v2/executions/{id}", "Delete an execution and everything below it", None, 204, ("force",)),
    Op("GET", "/v2/executions/{id}/report", "An execution's tree with statistics", "Report",
       query=("errors_only", "max_depth", "statistics_only")),
    Op("GET", "/v2/executions/{id}/executions", "The execution and the sub-workflow executions below it",
       wrapped("executions", "Execution"), query=SUB_EXECUTIONS),
    Op("GET", "/v2/executions/{id}/tasks", "List the tasks of an execution", "TaskRows", listing=tasks.COLLECTION),
    Op("GET", "/v2/tasks", "List task executions", "TaskRows", listing=tasks.COLLECTION),
    Op("GET", "/v2/tasks/{id}", "Get a task execution with its result", "TaskRow", query=("fields",)),
    Op("PUT", "/v2/tasks/{id}", "Rerun a failed task", "Task", body=tasks.UPDATE_BODY),
    Op("GET", "/v2/tasks/{id}/executions", "The sub-workflow executions a task started, and below",
       wrapped("executions", "Execution"), query=SUB_EXECUTIONS),
    Op("GET", "/v2/tasks/{id}/workflow_executions", "List the sub-workflow executions of a task",
       "ExecutionRows", listing=executions.COLLECTION),
    Op("GET", "/v2/tasks/{id}/action_executions", "List the action executions of a task", "ActionExecutionRows",
       query=("include_output",), listing=action_executions.COLLECTION),
    Op("GET", "/v2/action_executions", "List action executions", "ActionExecutionRows", query=("include_output",),
       listing=action_executions.COLLECTION),
    Op("POST", "/v2/action_executions", "Run an action by itself", "ActionExecution", 201,
       body=action_executions.RUN_BODY),
    Op("GET", "/v2/action_executions/{id}", "Get an action execution", "ActionExecutionRow", query=("fields",)),
    Op("PUT", "/v2/action_executions/{id}", "Complete an asynchronous action", "ActionExecution",
       body=action_executions.UPDATE_BODY),
    Op("DELETE", "/v2/action_executions/{id}", "Delete an action execution (refused, as Mistral's default)", None,
       403),
    Op("GET", "/v2/environments", "List environments", "EnvironmentRows", listing=environments.COLLECTION),
    Op("POST", "/v2/environments", "Create an environment", "Environment", 201, body=environments.BODY),
    Op("PUT", "/v2/environments", "Update an environment (by name)", "Environment", body=environments.BODY),
    Op("GET", "/v2/environments/{name}", "Get an environment", "EnvironmentRow", query=("fields",)),
    Op("DELETE", "/v2/environments/{name}", "Delete an environment", None, 204),
    Op("GET", "/v2/cron_triggers", "List cron triggers", "CronTriggerRows", listing=cron_triggers.COLLECTION),
    Op("POST", "/v2/cron_triggers", "Create a cron trigger", "CronTrigger", 201, body=cron_triggers.BODY),
    Op("GET", "/v2/cron_triggers/{identifier}", "Get a cron trigger by name or id", "CronTriggerRow",
       query=("fields",)),
    Op("DELETE", "/v2/cron_triggers/{identifier}", "Delete a cron trigger", None, 204),
    Op("GET", "/v2/event_triggers", "List event triggers", "EventTriggerRows", listing=event_triggers.COLLECTION),
    Op("POST", "/v2/event_triggers", "Create an event trigger", "EventTrigger", 201, body=event_triggers.BODY),
    Op("GET", "/v2/event_triggers/{id}", "Get an event trigger", "EventTriggerRow", query=("fields",)),
    Op("PUT", "/v2/event_triggers/{id}", "Update an event trigger", "EventTrigger", body=event_triggers.BODY),
    Op("DELETE", "/v2/event_triggers/{id}", "Delete an event trigger", None, 204),
    Op("POST", "/v2/events", "Fire an event: start every matching trigger's workflow, once per event id",
       EVENT_ACCEPTED, 202, body=events.BODY, extension=True),
    # The web UI's server side (docs/ui.md, "Server side").
    Op("GET", "/v2/workflows/{identifier}/graph", "A workflow definition's graph, laid out", GRAPH, query=NAMESPACE,
       extension=True),
    Op("GET", "/v2/executions/{id}/graph", "The graph of the definition an execution runs, laid out", GRAPH,
       extension=True),
    Op("GET", "/v2/executions/{id}/stream", "Server-sent events: a snapshot of the execution and its tasks, then "
       "their changes (event id = log index; Last-Event-ID resumes)", {"type": "string"}, extension=True,
       content="text/event-stream"),
    Op("GET", "/v2/executions/{id}/timeline", "One row per task execution, one segment per attempt or wait", TIMELINE,
       extension=True),
    *(Op(method, path, f"{method} workflow members{SHARING}", None, 400)
      for path in ("/v2/workflows/{identifier}/members", "/v2/workflows/{identifier}/members/{member_id}")
      for method in ("GET", "POST", "PUT", "DELETE")),
    *_refused("/v2/code_sources", "code source", ("name", *admin_only.WRITE_PARAMS), "text"),
    *_refused("/v2/dynamic_actions", "dynamic action", (), admin_only.DYNAMIC_ACTION),
]


def _property(name: str) -> dict[str, Any]:
    return PROPERTY_TYPES.get(name, NULLABLE_TEXT)


def _resource_schemas(name: str, collection: Collection, optional: tuple[str, ...]) -> dict[str, Any]:
    names = collection.fields
    props = {n: _property(n) for n in names}
    # A row of a list, or one read with `fields`, holds only the fields asked for (id always).
    row_props = {n: {**p, "nullable": True} if p else p for n, p in props.items()}
    return {
        name: {"type": "object", "additionalProperties": False, "properties": props,
               "required": [n for n in names if n not in optional]},
        f"{name}Row": {"type": "object", "additionalProperties": False, "properties": row_props, "required": ["id"]},
        f"{name}Rows": listed(collection.key, f"{name}Row"),
    }


def _report_entry(children: str) -> dict[str, Any]:
    return {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                             "state": {"type": "string"}, "state_info": NULLABLE_TEXT,
                                             children: {"type": "array"}}}


COMMON_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["faultstring"], "properties": {
        "faultcode": {"type": "string"}, "faultstring": {"type": "string"}, "debuginfo": NULLABLE_TEXT}},
    "Versions": {"type": "object", "required": ["versions"], "properties": {"versions": {"type": "array", "items": {
        "type": "object", "required": ["id", "status"], "properties": {"id": {"type": "string"},
                                                                       "status": {"type": "string"}}}}}},
    "Health": {"type": "object", "required": ["node_id", "role", "database"], "properties": {
        "node_id": {"type": "string"}, "role": {"type": "string"}, "database": {"type": "string"},
        "applied_index": {"type": "integer"},
        "storage": {"type": "object", "properties": {
            "data_bytes": {"type": "integer"}, "wal_bytes": {"type": "integer"},
            "page_size": {"type": "integer", "nullable": True}, "free_pages": {"type": "integer", "nullable": True}}}}},
    "Services": {"type": "object", "required": ["services"], "properties": {"services": {"type": "array", "items": {
        "type": "object", "required": ["name", "type"], "properties": {
            "name": {"type": "string"}, "type": {"type": "string"}}}}}},
    "Report": {"type": "object", "required": ["statistics"], "properties": {
        "statistics": {"type": "object", "additionalProperties": {"type": "integer"}},
        "root_workflow_execution": _report_entry("task_executions")}},
}


def components() -> dict[str, Any]:
    schemas = dict(COMMON_SCHEMAS)
    for name, (collection, optional) in RESOURCES.items():
        schemas.update(_resource_schemas(name, collection, optional))
    return {"schemas": schemas}


# Paths whose `{id}` must be a UUID (anything else is a 400, as in Mistral); elsewhere an unknown id is a 404.
UUID_IDS = ("/v2/executions/{id}/executions", "/v2/tasks/{id}/executions", "/v2/tasks/{id}/workflow_executions")


def _parameter(name: str, where: str = "query", schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path",
            "schema": schema or QUERY_TYPES.get(name, {"type": "string"})}


def parameters(op: Op) -> list[dict[str, Any]]:
    names = [p[1:-1] for p in op.path.split("/") if p.startswith("{")]
    params = [_parameter(n, "path", KIND_TYPES["uuid"] if op.path in UUID_IDS and n == "id" else None)
              for n in names]
    query = list(op.query)
    if op.listing is not None:
        query += [*PAGING_PARAMS, *op.listing.columns]
    for name in dict.fromkeys(query):
        params.append(_parameter(name))
    return params


def body_schema(schema: Mapping[str, fields.Field]) -> dict[str, Any]:
    props = {}
    for name, f in schema.items():
        prop = dict(KIND_TYPES[f.kind])
        if f.kind == "text" and f.max_length:
            prop["maxLength"] = f.max_length
        if f.minimum is not None:
            prop["minimum"] = f.minimum
        if f.maximum is not None:
            prop["maximum"] = f.maximum
        props[name] = {**prop, "nullable": True}
    return {"type": "object", "additionalProperties": False, "properties": props}


def request_body(op: Op) -> dict[str, Any] | None:
    if op.body is None:
        return None
    if op.body in ("yaml", "text"):
        kind = "a YAML document" if op.body == "yaml" else "Python source text"
        return {"required": True, "description": kind,
                "content": {"text/plain": {"schema": {"type": "string", "minLength": 1}}}}
    return {"required": op.method == "POST", "content": {"application/json": {"schema": body_schema(op.body)}}}


def _returned(returns: Any) -> dict[str, Any]:
    return ref(returns) if isinstance(returns, str) else returns


def responses(op: Op) -> dict[str, Any]:
    error = {"description": "Mistral's error body", "content": {"application/json": {"schema": ref("Error")}}}
    ok: dict[str, Any] = {"description": op.summary}
    if op.status >= 400:
        return {str(op.status): error, "default": error}
    if op.returns is not None:
        ok["content"] = {op.content: {"schema": _returned(op.returns)}}
    return {str(op.status): ok, "default": error}


def operation(op: Op) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "summary": op.summary,
        "operationId": f"{op.method.lower()} {op.path}",
        "parameters": parameters(op),
        "responses": responses(op),
    }
    if op.extension:
        spec["x-mistral-lite-extension"] = True
    body = request_body(op)
    if body is not None:
        spec["requestBody"] = body
    return spec


def routed(app: web.Application) -> set[tuple[str, str]]:
    """(method, path) of every route the application serves (HEAD comes with GET)."""
    return {(r.method, r.resource.canonical) for r in app.router.routes()
            if r.method != "HEAD" and r.resource is not None}


def document(app: web.Application, origin: str) -> dict[str, Any]:
    served = routed(app)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        if (op.method, op.path) in served:
            paths.setdefault(op.path, {})[op.method.lower()] = operation(op)
    return {
        "openapi": "3.0.3",
        "info": {"title": "mistral-lite", "version": VERSION,
                 "description": "Mistral's REST API v2 as mistral-lite serves it (no authentication). Operations "
                                "marked x-mistral-lite-extension are mistral-lite's own."},
        "servers": [{"url": origin}],
        "paths": paths,
        "components": components(),
    }


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(document(request.app, str(request.url.origin())))


def routes() -> list[web.RouteDef]:
    return [web.get("/v2/openapi.json", openapi_json)]
