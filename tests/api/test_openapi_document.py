"""GET /v2/openapi.json describes every route the application serves, and what those routes answer.

Real calls against a live server (a workflow's whole life, definitions, triggers,
refusals) are each checked against the schema the document gives for that
operation and status, with openapi-schema-validator.
"""

from __future__ import annotations

import json
from typing import Any

import openapi_schema_validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource

from mistral_lite.api import openapi
from mistral_lite.ui import routes as ui_routes
from mistral_lite.api.app import make_app
from tests.support.workflows import simple



def documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in doc["paths"].items() for method in item}


async def test_the_document_is_valid_openapi_and_names_every_route(server, api):
    doc = await api.ok("GET", "/openapi.json")
    validate_spec(doc)
    # The same route table the server runs, without the web UI's static files (not part of the REST API).
    served = {r for r in openapi.routed(make_app(server.node, None)) if not r[1].startswith(ui_routes.PREFIX)}
    assert documented(doc) == served
    described = {(op.method, op.path) for op in openapi.OPERATIONS}
    assert served - described == set(), "routes without a description"
    assert described - served == set(), "descriptions without a route"
    assert doc["servers"] == [{"url": server.root}]


class Checker:
    """Validates an answer against the document's schema for its operation and status."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.registry = Registry().with_resource("urn:doc", Resource.opaque(doc))
        self.checked: set[tuple[str, str, int]] = set()

    def schema(self, method: str, path: str, status: int) -> dict[str, Any] | None:
        responses = self.doc["paths"][path][method.lower()]["responses"]
        answer = responses.get(str(status), responses.get("default"))
        assert answer is not None, (method, path, status)
        content = answer.get("content")
        return None if content is None else content["application/json"]["schema"]

    def check(self, method: str, path: str, status: int, body: Any) -> None:
        schema = self.schema(method, path, status)
        if schema is None:
            assert body is None, (method, path, status, body)
        else:
            resolved = json.loads(json.dumps(schema).replace('"#/components', '"urn:doc#/components'))
            openapi_schema_validator.validate(body, resolved, cls=openapi_schema_validator.OAS30Validator,
                                              registry=self.registry)
        self.checked.add((method, path, status))


async def test_real_answers_match_the_documented_schemas(api):
    doc = await api.ok("GET", "/openapi.json")
    checker = Checker(doc)

    async def call(method: str, template: str, path: str | None = None, body: Any = None, text: str | None = None,
                   query: str = "") -> tuple[int, Any]:
        status, answer = await api.call(method, (path or template).removeprefix("/v2") + query, body, text)
        checker.check(method, template, status, answer)
        return status, answer

    async def root(path: str) -> None:
        async with api.http.get(api.url.removesuffix("/v2") + path, allow_redirects=False) as r:
            body = await r.json() if r.status == 200 else None
            checker.check("GET", path, r.status, body)

    for path in ("/", "/v2/", "/health", "/v2", "/v2/openapi.json"):
        await root(path)
    await call("GET", "/v2/services")
    await call("POST", "/v2/workflows", text=simple("hello"))
    await call("POST", "/v2/workflows", text="not: [yaml")
    await call("PUT", "/v2/workflows", text=simple("hello"))
    await call("POST", "/v2/workflows/validate", text=simple("hello"))
    await call("POST", "/v2/workflows/validate", text="---\nversion: '2.0'\nbad: {tasks: 1}\n")
    _, listed = await call("GET", "/v2/workflows", query="?limit=1&fields=name")
    wf_id = listed["workflows"][0]["id"]
    await call("GET", "/v2/workflows/{identifier}", f"/v2/workflows/{wf_id}")
    await call("PUT", "/v2/workflows/{identifier}", f"/v2/workflows/{wf_id}", text=simple("hello"))
    await call("GET", "/v2/workflows/{identifier}", "/v2/workflows/nope")
    _, ex = await call("POST", "/v2/executions", body={"workflow_name": "hello", "input": {"name": "Ann"}})
    await api.wait(ex["id"])
    await call("GET", "/v2/executions", query="?include_output=true")
    await call("GET", "/v2/executions/{id}", f"/v2/executions/{ex['id']}")
    await call("GET", "/v2/executions/{id}/report", f"/v2/executions/{ex['id']}/report")
    await call("GET", "/v2/executions/{id}/graph", f"/v2/executions/{ex['id']}/graph")
    await call("GET", "/v2/executions/{id}/timeline", f"/v2/executions/{ex['id']}/timeline")
    await call("GET", "/v2/workflows/{identifier}/graph", "/v2/workflows/hello/graph")
    await call("GET", "/v2/executions/{id}/stream", "/v2/executions/nope/stream")  # the stream: tests/integration
    await call("GET", "/v2/executions/{id}/executions", f"/v2/executions/{ex['id']}/executions", query="?include_output=1")
    _, task_list = await call("GET", "/v2/executions/{id}/tasks", f"/v2/executions/{ex['id']}/tasks")
    task_id = task_list["tasks"][0]["id"]
    await call("GET", "/v2/tasks", query="?sort_keys=name&sort_dirs=desc")
    await call("GET", "/v2/tasks/{id}", f"/v2/tasks/{task_id}")
    await call("PUT", "/v2/tasks/{id}", f"/v2/tasks/{task_id}", body={"state": "RUNNING", "reset": True})
    await call("GET", "/v2/tasks/{id}/executions", f"/v2/tasks/{task_id}/executions")
    await call("GET", "/v2/tasks/{id}/workflow_executions", f"/v2/tasks/{task_id}/workflow_executions")
    _, actions_of_task = await call("GET", "/v2/tasks/{id}/action_executions", f"/v2/tasks/{task_id}/action_executions")
    action_id = actions_of_task["action_executions"][0]["id"]
    await call("GET", "/v2/action_executions", query="?include_output=true")
    await call("GET", "/v2/action_executions/{id}", f"/v2/action_executions/{action_id}")
    await call("PUT", "/v2/action_executions/{id}", f"/v2/action_executions/{action_id}", body={"state": "SUCCESS"})
    await call("DELETE", "/v2/action_executions/{id}", f"/v2/action_executions/{action_id}")
    await call("POST", "/v2/action_executions", body={"name": "std.echo", "input": {"output": 1}})
    await call("POST", "/v2/action_executions", body={"name": "std.echo", "input": {"output": 1},
                                                      "params": {"save_result": True}})
    await call("PUT", "/v2/executions/{id}", f"/v2/executions/{ex['id']}", body={"description": "d"})
    await call("DELETE", "/v2/executions/{id}", f"/v2/executions/{ex['id']}", query="?force=true")
    await call("POST", "/v2/workbooks", text="---\nversion: '2.0'\nname: wb\nworkflows:\n  w:\n    tasks:\n"
                                             "      t: {action: std.noop}\nactions:\n  a:\n    base: std.noop\n")
    await call("PUT", "/v2/workbooks", text="---\nversion: '2.0'\nname: wb\nworkflows:\n  w:\n    tasks:\n"
                                            "      t: {action: std.noop}\n")
    await call("POST", "/v2/workbooks/validate", text="x")
    await call("GET", "/v2/workbooks")
    await call("GET", "/v2/workbooks/{name}", "/v2/workbooks/wb")
    await call("DELETE", "/v2/workbooks/{name}", "/v2/workbooks/wb")
    await call("POST", "/v2/actions", text="---\nversion: '2.0'\nmine:\n  base: std.echo\n  base-input:\n"
                                           "    output: x\n")
    await call("PUT", "/v2/actions", text="---\nversion: '2.0'\nmine:\n  base: std.echo\n  base-input:\n"
                                          "    output: y\n")
    await call("POST", "/v2/actions/validate", text="---\nversion: '2.0'\nmine:\n  base: std.echo\n")
    _, acts = await call("GET", "/v2/actions", query="?name=mine")
    await call("PUT", "/v2/actions/{identifier}", f"/v2/actions/{acts['actions'][0]['id']}",
               text="---\nversion: '2.0'\nmine:\n  base: std.echo\n  base-input:\n    output: z\n")
    await call("GET", "/v2/actions/{name}", "/v2/actions/std.echo")
    await call("GET", "/v2/actions/{name}/", "/v2/actions/mine/")
    await call("GET", "/v2/actions/{name}/{namespace}", "/v2/actions/mine/other")
    await call("DELETE", "/v2/actions/{name}/", "/v2/actions/std.echo/")
    await call("DELETE", "/v2/actions/{name}/{namespace}", "/v2/actions/mine/other")
    await call("DELETE", "/v2/actions/{name}", "/v2/actions/mine")
    await call("POST", "/v2/environments", body={"name": "env", "variables": {"a": 1}, "description": "e"})
    await call("PUT", "/v2/environments", body={"name": "env", "variables": {"a": 2}})
    await call("GET", "/v2/environments")
    await call("GET", "/v2/environments/{name}", "/v2/environments/env")
    await call("DELETE", "/v2/environments/{name}", "/v2/environments/env")
    await call("POST", "/v2/cron_triggers", body={"name": "c", "workflow_name": "hello", "pattern": "0 2 * * *",
                                                  "workflow_input": {"name": "x"}})
    await call("GET", "/v2/cron_triggers")
    await call("GET", "/v2/cron_triggers/{identifier}", "/v2/cron_triggers/c")
    await call("DELETE", "/v2/cron_triggers/{identifier}", "/v2/cron_triggers/c")
    _, trigger = await call("POST", "/v2/event_triggers", body={
        "name": "alarm", "workflow_id": wf_id, "exchange": "monitoring", "topic": "alarms", "event": "disk.full",
        "workflow_input": {"name": "x"}})
    await call("POST", "/v2/event_triggers", body={"workflow_id": wf_id})
    await call("GET", "/v2/event_triggers", query="?event=disk.full")
    await call("GET", "/v2/event_triggers/{id}", f"/v2/event_triggers/{trigger['id']}")
    await call("PUT", "/v2/event_triggers/{id}", f"/v2/event_triggers/{trigger['id']}", body={"name": "renamed"})
    await call("POST", "/v2/events", body={"id": "e-1", "exchange": "monitoring", "topic": "alarms",
                                           "event": "disk.full", "payload": {"host": "db1"}})
    await call("POST", "/v2/events", body={"exchange": "monitoring"})
    await call("DELETE", "/v2/event_triggers/{id}", f"/v2/event_triggers/{trigger['id']}")
    await call("DELETE", "/v2/workflows/{identifier}", "/v2/workflows/hello")
    uuid = "00000000-0000-0000-0000-000000000001"
    for method in ("GET", "POST", "PUT", "DELETE"):
        await call(method, "/v2/workflows/{identifier}/members", f"/v2/workflows/{uuid}/members")
        await call(method, "/v2/workflows/{identifier}/members/{member_id}", f"/v2/workflows/{uuid}/members/p")
    for family in ("code_sources", "dynamic_actions"):
        await call("GET", f"/v2/{family}")
        await call("GET", f"/v2/{family}/{{identifier}}", f"/v2/{family}/x")
        await call("DELETE", f"/v2/{family}/{{identifier}}", f"/v2/{family}/x")
    await call("POST", "/v2/code_sources", query="?name=x", text="x = 1")
    await call("PUT", "/v2/code_sources", query="?identifier=x", text="x = 1")
    await call("POST", "/v2/dynamic_actions", body={"name": "d", "class_name": "C", "code_source_id": "x"})
    await call("PUT", "/v2/dynamic_actions", body={"name": "d"})

    routed_here = {(m, p) for m, p in documented(doc)}
    assert routed_here - {(m, p) for m, p, _ in checker.checked} == set(), "operations no real call checked"
