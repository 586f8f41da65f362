"""A table of client mistakes, one per class, for every write endpoint, and a runner for it.

Shared by tests/integration/test_edge_validation.py and scripts/edge_probe (which runs it
against any server, e.g. an older checkout, to count the 500s it gives).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

DEEP = 5000
SETUP_WORKFLOWS = """---
version: '2.0'
edge_wait:
  input: [name]
  tasks:
    wait: {action: std.async_noop}
edge_fail:
  tasks:
    boom: {action: std.fail}
"""
UUID = "0b7e7d2c-8f33-4c5e-9b8e-1c1d1e1f2a3b"


def nested(levels: int, leaf: str = "1") -> str:
    return "[" * levels + leaf + "]" * levels


def yaml_doc(name: str = "edge_new", body: str = "  tasks:\n    a: {action: std.noop}\n") -> str:
    return f"version: '2.0'\n{name}:\n{body}"


def yaml_block_nested(levels: int) -> str:
    lines = ["  input:", "    - d:"]
    lines += ["      " + "  " * i + "k:" for i in range(levels)]
    lines.append("      " + "  " * levels + "v")
    return yaml_doc(body="\n".join(lines) + "\n  tasks:\n    a: {action: std.noop}\n")


def start(**fields: Any) -> dict[str, Any]:
    return {"workflow_name": "edge_wait", "input": {"name": "x"}, **fields}


@dataclass(frozen=True)
class Case:
    label: str
    method: str
    path: str  # {execution}, {task}, {failed_task} and {action} are filled in by prepare()
    body: Any = None  # sent as JSON
    raw: str | bytes | None = None  # sent as it is
    yaml: bool = False  # raw is a definition (text/plain)
    field: str | None = None  # the faultstring must name it
    statuses: tuple[int, ...] = (400,)


@dataclass(frozen=True)
class Outcome:
    case: Case
    status: int
    faultstring: str | None

    @property
    def ok(self) -> bool:
        if self.status not in self.case.statuses:
            return False
        return self.case.field is None or (self.faultstring is not None and self.case.field in self.faultstring)


def _put_execution(**body: Any) -> tuple[str, str, dict[str, Any]]:
    return "PUT", "/executions/{execution}", body


CASES: list[Case] = [
    # POST /v2/executions
    Case("workflow_name as a list", "POST", "/executions", start(workflow_name=["edge_wait"]), field="workflow_name"),
    Case("workflow_name as an object", "POST", "/executions", start(workflow_name={"a": 1}), field="workflow_name"),
    Case("workflow_id as a number", "POST", "/executions", {"workflow_id": 5}, field="workflow_id"),
    Case("workflow_namespace as a number", "POST", "/executions", start(workflow_namespace=5),
         field="workflow_namespace"),
    Case("description as a list", "POST", "/executions", start(description=[1]), field="description"),
    Case("description as an object", "POST", "/executions", start(description={"a": 1}), field="description"),
    Case("description too long", "POST", "/executions", start(description="d" * 300), field="description"),
    Case("id as a number", "POST", "/executions", start(id=1), field="id"),
    Case("id not a uuid", "POST", "/executions", start(id="not-a-uuid"), field="id"),
    Case("source_execution_id as a list", "POST", "/executions", {"source_execution_id": [UUID]},
         field="source_execution_id"),
    Case("input as a list", "POST", "/executions", start(input=[1]), field="input"),
    Case("input as a JSON string of a list", "POST", "/executions", start(input="[1]"), field="input"),
    Case("NaN in input", "POST", "/executions", raw='{"workflow_name": "edge_wait", "input": {"name": NaN}}',
         field="NaN"),
    Case("Infinity in input", "POST", "/executions",
         raw='{"workflow_name": "edge_wait", "input": {"name": -Infinity}}', field="Infinity"),
    Case("number overflowing to infinity", "POST", "/executions",
         raw='{"workflow_name": "edge_wait", "input": {"name": 1e400}}', field="input.name"),
    Case("NaN inside a JSON string field", "POST", "/executions", start(input='{"name": NaN}'), field="input"),
    Case("lone surrogate in workflow_name", "POST", "/executions", raw='{"workflow_name": "edge\\ud800"}',
         field="workflow_name"),
    Case("lone surrogate in description", "POST", "/executions",
         raw='{"workflow_name": "edge_wait", "input": {"name": "x"}, "description": "\\udc00"}', field="description"),
    Case("lone surrogate in an input key", "POST", "/executions",
         raw='{"workflow_name": "edge_wait", "input": {"na\\ud800me": "x"}}', field="input"),
    Case("NUL byte in workflow_name", "POST", "/executions", {"workflow_name": "edge\u0000wait"},
         field="workflow_name"),
    Case("control character in workflow_namespace", "POST", "/executions", start(workflow_namespace="a\u0007b"),
         field="workflow_namespace"),
    Case("params.env as a number", "POST", "/executions", start(params={"env": 5}), field="params.env"),
    Case("params.task_name as a list", "POST", "/executions", start(params={"task_name": [1]}),
         field="params.task_name"),
    Case("params.evaluate_env as a string", "POST", "/executions", start(params={"evaluate_env": "no"}),
         field="params.evaluate_env"),
    Case("5,000-level nested JSON body", "POST", "/executions", raw=nested(DEEP), field="nested"),
    Case("5,000-level nested JSON in input", "POST", "/executions",
         raw='{"workflow_name": "edge_wait", "input": {"name": ' + nested(DEEP) + "}}", field="nested"),
    Case("5,000-level nested JSON inside a string field", "POST", "/executions",
         start(input='{"name": ' + nested(DEEP) + "}"), field="input"),
    Case("150-level nested input", "POST", "/executions",
         raw='{"workflow_name": "edge_wait", "input": {"name": ' + nested(150) + "}}", field="max_nesting_depth"),
    Case("integer of 5,000 digits", "POST", "/executions",
         raw='{"workflow_name": "edge_wait", "input": {"name": ' + "9" * 5000 + "}}", field="JSON"),
    Case("body not an object", "POST", "/executions", [1], field="object"),
    Case("body not JSON", "POST", "/executions", raw="{workflow_name: x", field="JSON"),
    Case("body not UTF-8", "POST", "/executions", raw=b'{"workflow_name": "\xff\xfe"}', field="JSON"),
    Case("unknown attribute", "POST", "/executions", start(colour=1), field="colour"),
    # PUT /v2/executions/{id}
    Case("state as a list", "PUT", "/executions/{execution}", {"state": ["PAUSED"]}, field="state"),
    Case("state_info as a number", "PUT", "/executions/{execution}", {"state": "ERROR", "state_info": 5},
         field="state_info"),
    Case("state_info as an object", "PUT", "/executions/{execution}", {"state": "ERROR", "state_info": {"a": 1}},
         field="state_info"),
    Case("update description as an object", "PUT", "/executions/{execution}", {"description": {"a": 1}},
         field="description"),
    Case("update params.env as a string", "PUT", "/executions/{execution}", {"params": {"env": "prod"}},
         field="params.env"),
    Case("update id as a number", "PUT", "/executions/{execution}", {"id": 1, "description": "x"}, field="id"),
    Case("update with NaN", "PUT", "/executions/{execution}", raw='{"description": "x", "params": {"env": {"a": NaN}}}',
         field="NaN"),
    Case("update with a 5,000-level body", "PUT", "/executions/{execution}", raw=nested(DEEP), field="nested"),
    # PUT /v2/tasks/{id}
    Case("reset as a string", "PUT", "/tasks/{failed_task}", {"state": "RUNNING", "reset": "false"}, field="reset"),
    Case("task env as a list", "PUT", "/tasks/{failed_task}", {"state": "RUNNING", "reset": True, "env": [1]},
         field="env"),
    Case("task state as a list", "PUT", "/tasks/{failed_task}", {"state": ["RUNNING"], "reset": True},
         field="state"),
    Case("task name as an object", "PUT", "/tasks/{failed_task}", {"state": "RUNNING", "reset": True,
                                                                    "name": {"a": 1}}, field="name"),
    Case("task id as a number", "PUT", "/tasks/{failed_task}", {"state": "RUNNING", "reset": True, "id": 7},
         field="id"),
    # POST /v2/action_executions
    Case("action name as a list", "POST", "/action_executions", {"name": ["std.noop"]}, field="name"),
    Case("action name as an object", "POST", "/action_executions", {"name": {"a": 1}}, field="name"),
    Case("action params.timeout as a string", "POST", "/action_executions",
         {"name": "std.noop", "params": {"timeout": "soon"}}, field="params.timeout"),
    Case("action params.timeout of 400 digits", "POST", "/action_executions",
         raw='{"name": "std.noop", "params": {"timeout": 1' + "0" * 400 + "}}", field="params.timeout"),
    Case("action params.timeout negative", "POST", "/action_executions",
         {"name": "std.noop", "params": {"timeout": -1}}, field="params.timeout"),
    Case("action params.save_result as a string", "POST", "/action_executions",
         {"name": "std.noop", "params": {"save_result": "no"}}, field="params.save_result"),
    Case("action description as a list", "POST", "/action_executions",
         {"name": "std.noop", "description": [1], "params": {"save_result": True}}, field="description"),
    Case("action input as a list", "POST", "/action_executions", {"name": "std.noop", "input": [1]}, field="input"),
    Case("action input with a lone surrogate", "POST", "/action_executions",
         raw='{"name": "std.echo", "input": {"output": "\\ud800"}}', field="input.output"),
    # PUT /v2/action_executions/{id}
    Case("action state as a list", "PUT", "/action_executions/{action}", {"state": ["SUCCESS"]}, field="state"),
    Case("action output with NaN", "PUT", "/action_executions/{action}", raw='{"state": "SUCCESS", "output": NaN}',
         field="NaN"),
    Case("action output with a lone surrogate", "PUT", "/action_executions/{action}",
         raw='{"state": "SUCCESS", "output": {"k": "\\ud800"}}', field="output.k"),
    Case("action output 5,000 levels deep", "PUT", "/action_executions/{action}",
         raw='{"state": "SUCCESS", "output": ' + nested(DEEP) + "}", field="nested"),
    Case("action state_info as an object", "PUT", "/action_executions/{action}",
         {"state": "ERROR", "state_info": {"a": 1}}, field="state_info"),
    # /v2/environments
    Case("environment name as a list", "POST", "/environments", {"name": ["e"]}, field="name"),
    Case("environment name with a NUL byte", "POST", "/environments", {"name": "e\u0000v"}, field="name"),
    Case("environment variables as a list", "POST", "/environments", {"name": "e", "variables": [1]},
         field="variables"),
    Case("environment description as an object", "POST", "/environments",
         {"name": "e1", "variables": {}, "description": {"a": 1}}, field="description"),
    Case("environment scope as a list", "POST", "/environments", {"name": "e2", "scope": ["public"]}, field="scope"),
    Case("environment update name as a number", "PUT", "/environments", {"name": 5, "variables": {}}, field="name"),
    Case("environment update description as a list", "PUT", "/environments", {"name": "edge_env",
                                                                              "description": [1]},
         field="description"),
    # POST /v2/cron_triggers
    Case("cron name as a list", "POST", "/cron_triggers", {"name": ["t"], "pattern": "* * * * *",
                                                           "workflow_name": "edge_fail"}, field="name"),
    Case("cron pattern as a number", "POST", "/cron_triggers", {"name": "t1", "pattern": 5,
                                                                "workflow_name": "edge_fail"}, field="pattern"),
    Case("cron workflow_name as a list", "POST", "/cron_triggers", {"name": "t2", "pattern": "* * * * *",
                                                                    "workflow_name": ["edge_fail"]},
         field="workflow_name"),
    Case("cron remaining_executions as a string", "POST", "/cron_triggers",
         {"name": "t3", "pattern": "* * * * *", "workflow_name": "edge_fail", "remaining_executions": "2"},
         field="remaining_executions"),
    Case("cron remaining_executions of 30 digits", "POST", "/cron_triggers",
         {"name": "t7", "pattern": "* * * * *", "workflow_name": "edge_fail", "remaining_executions": 10**30},
         field="remaining_executions"),
    Case("cron workflow_input as a list", "POST", "/cron_triggers",
         {"name": "t4", "pattern": "* * * * *", "workflow_name": "edge_fail", "workflow_input": [1]},
         field="workflow_input"),
    Case("cron workflow_params.env as a number", "POST", "/cron_triggers",
         {"name": "t5", "pattern": "* * * * *", "workflow_name": "edge_fail", "workflow_params": {"env": 5}},
         field="workflow_params.env"),
    Case("cron first_execution_time as a number", "POST", "/cron_triggers",
         {"name": "t6", "first_execution_time": 5, "workflow_name": "edge_fail"}, field="first_execution_time"),
    # POST /v2/event_triggers and POST /v2/events
    Case("event trigger name as a list", "POST", "/event_triggers",
         {"name": ["t"], "workflow_id": UUID, "exchange": "x", "topic": "t", "event": "e"}, field="name"),
    Case("event trigger exchange as a number", "POST", "/event_triggers",
         {"workflow_id": UUID, "exchange": 5, "topic": "t", "event": "e"}, field="exchange"),
    Case("event trigger workflow_input as a list", "POST", "/event_triggers",
         {"workflow_id": UUID, "exchange": "x", "topic": "t", "event": "e", "workflow_input": [1]},
         field="workflow_input"),
    Case("event trigger workflow_params.env as a number", "POST", "/event_triggers",
         {"workflow_id": UUID, "exchange": "x", "topic": "t", "event": "e", "workflow_params": {"env": 5}},
         field="workflow_params.env"),
    Case("event without an exchange", "POST", "/events", {"topic": "t", "event": "e"}, field="exchange"),
    Case("event payload as a list", "POST", "/events", {"exchange": "x", "topic": "t", "event": "e",
                                                        "payload": [1]}, field="payload"),
    Case("event id as a number", "POST", "/events", {"exchange": "x", "topic": "t", "event": "e", "id": 7},
         field="id"),
    # YAML definitions
    Case("NUL byte in a workflow document", "POST", "/workflows", raw=yaml_doc("edge\x00nul"), yaml=True,
         field="line 2"),
    Case("control character in a workflow document", "POST", "/workflows", raw=yaml_doc("edge\x01ctl"), yaml=True,
         field="line 2"),
    Case("1,000-level nested flow YAML", "POST", "/workflows",
         raw=yaml_doc(body="  input: [{d: " + nested(1000) + "}]\n  tasks:\n    a: {action: std.noop}\n"),
         yaml=True, field="max_nesting_depth"),
    Case("1,000-level nested block YAML", "POST", "/workflows", raw=yaml_block_nested(1000), yaml=True,
         field="max_nesting_depth"),
    Case("lone surrogate in a workflow name", "POST", "/workflows", raw=yaml_doc('"edge\\ud800"'), yaml=True,
         field="surrogate"),
    Case("lone surrogate in a description", "POST", "/workflows",
         raw=yaml_doc(body='  description: "\\udc00"\n  tasks:\n    a: {action: std.noop}\n'), yaml=True,
         field="line 3"),
    Case("NUL escape in a workflow name", "POST", "/workflows", raw=yaml_doc('"edge\\0nul"'), yaml=True,
         field="control"),
    Case("impossible date", "POST", "/workflows",
         raw=yaml_doc("edge_date", "  input: [{d: 2001-13-45}]\n  tasks:\n    a: {action: std.noop}\n"),
         yaml=True, statuses=(201,)),
    Case("integer of 5,000 digits in YAML", "POST", "/workflows",
         raw=yaml_doc(body="  input: [{d: " + "9" * 5000 + "}]\n  tasks:\n    a: {action: std.noop}\n"),
         yaml=True, field="line 3"),
    Case("binary value in YAML", "POST", "/workflows",
         raw=yaml_doc(body="  input: [{d: !!binary aGVsbG8=}]\n  tasks:\n    a: {action: std.noop}\n"),
         yaml=True, field="line 3"),
    Case("NaN in YAML", "POST", "/workflows",
         raw=yaml_doc(body="  input: [{d: .nan}]\n  tasks:\n    a: {action: std.noop}\n"), yaml=True,
         field="line 3"),
    Case("wait-before of 21 digits", "POST", "/workflows",
         raw=yaml_doc("edge_wait_long", "  tasks:\n    a:\n      action: std.noop\n      wait-before: 1" + "0" * 20 + "\n"),
         yaml=True, field="line 6"),
    Case("retry delay of 21 digits", "POST", "/workflows",
         raw=yaml_doc("edge_retry_long", "  tasks:\n    a:\n      action: std.fail\n      retry: {count: 2, delay: 1"
                      + "0" * 20 + "}\n"), yaml=True, field="retry delay"),
    Case("namespace with a NUL byte", "POST", "/workflows?namespace=a%00b", raw=yaml_doc(), yaml=True,
         field="namespace"),
    Case("definition not UTF-8", "POST", "/workflows", raw=b"version: '2.0'\nwf\xff: {}\n", yaml=True,
         field="UTF-8"),
    Case("NUL byte in a workbook", "POST", "/workbooks", raw="version: '2.0'\nname: b\x00k\n", yaml=True,
         field="line 2"),
    Case("1,000-level nested workbook", "POST", "/workbooks",
         raw="version: '2.0'\nname: bk\ndescription: " + nested(1000) + "\n", yaml=True, field="max_nesting_depth"),
    Case("NUL byte in an action document", "POST", "/actions", raw="version: '2.0'\nact\x00: {base: std.noop}\n",
         yaml=True, field="line 2"),
    Case("1,000-level nested action document", "PUT", "/actions",
         raw="version: '2.0'\nact:\n  base: std.echo\n  base-input: {output: " + nested(1000) + "}\n", yaml=True,
         field="max_nesting_depth"),
    Case("NUL byte to workflow validate", "POST", "/workflows/validate", raw=yaml_doc("edge\x00nul"), yaml=True,
         statuses=(200,), field="line 2"),
    Case("1,000-level nested YAML to workbook validate", "POST", "/workbooks/validate",
         raw="version: '2.0'\nname: bk\ndescription: " + nested(1000) + "\n", yaml=True, statuses=(200,),
         field="max_nesting_depth"),
    Case("lone surrogate to action validate", "POST", "/actions/validate",
         raw='version: \'2.0\'\n"act\\ud800": {base: std.noop}\n', yaml=True, statuses=(200,), field="surrogate"),
    # Paths
    Case("NUL byte in an execution id path", "DELETE", "/executions/a%00b", statuses=(404,)),
    Case("percent-encoded surrogate in a path", "PUT", "/executions/%ED%A0%80", {"description": "x"},
         statuses=(400, 404)),
]


async def prepare(http: aiohttp.ClientSession, url: str, timeout: float = 20.0) -> dict[str, str]:
    """Objects the PUT cases act on: a running execution, its async action, a failed task."""
    async def call(method: str, path: str, **kwargs: Any) -> Any:
        async with http.request(method, url + path, **kwargs) as r:
            assert r.status < 300, (method, path, r.status, await r.text())
            return await r.json()

    await call("POST", "/workflows", data=SETUP_WORKFLOWS.encode(), headers={"Content-Type": "text/plain"})
    await call("POST", "/environments", json={"name": "edge_env", "variables": {"a": 1}})
    running = await call("POST", "/executions", json=start())
    failed = await call("POST", "/executions", json={"workflow_name": "edge_fail"})
    deadline = time.monotonic() + timeout
    while True:
        actions = (await call("GET", f"/executions/{running['id']}/tasks"))["tasks"]
        failed_tasks = (await call("GET", f"/executions/{failed['id']}/tasks"))["tasks"]
        if actions and failed_tasks and failed_tasks[0]["state"] == "ERROR":
            found = (await call("GET", f"/tasks/{actions[0]['id']}/action_executions"))["action_executions"]
            if found:
                return {"execution": running["id"], "task": actions[0]["id"], "failed_task": failed_tasks[0]["id"],
                        "action": found[0]["id"]}
        if time.monotonic() > deadline:
            raise AssertionError("the setup executions did not reach their states")
        await asyncio.sleep(0.02)


async def send(http: aiohttp.ClientSession, url: str, case: Case, ids: dict[str, str],
               timeout: float = 30.0) -> Outcome:
    kwargs: dict[str, Any] = {"timeout": aiohttp.ClientTimeout(total=timeout)}
    if case.raw is not None:
        data = case.raw.encode("utf-8", "surrogatepass") if isinstance(case.raw, str) else case.raw
        kwargs.update(data=data, headers={"Content-Type": "text/plain" if case.yaml else "application/json"})
    elif case.body is not None:
        kwargs["json"] = case.body
    async with http.request(case.method, url + case.path.format(**ids), **kwargs) as r:
        raw = await r.read()
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = None
    fault = None
    if isinstance(data, dict):
        fault = data.get("faultstring") if "faultstring" in data else data.get("error")
    return Outcome(case, r.status, fault)


async def run_table(http: aiohttp.ClientSession, url: str, cases: list[Case] = CASES) -> list[Outcome]:
    ids = await prepare(http, url)
    return [await send(http, url, case, ids) for case in cases]
