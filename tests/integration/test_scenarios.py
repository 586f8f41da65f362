"""End-to-end scenarios: every tests/scenarios/*.yaml file runs against a live server.

A scenario uploads its ad-hoc actions, environments and workflows, starts one
execution, carries out its `steps` (completing async actions, pausing,
resuming, cancelling, rerunning, each step polling with a deadline for the
condition it needs), waits for the execution to finish and then checks
everything under `expect`. The file format and the vocabulary are described
in tests/scenarios/README.md.

Besides the mistral-lite server (the `server` / `api` fixtures of
tests/conftest.py), each scenario gets a small "remote service" on 127.0.0.1
for std.http / std.mistral_http (its URL replaces the token __REMOTE__), and,
when the scenario mentions __SMTP__, a local SMTP server for std.email.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web

from tests.support.api import FINAL, Api, decoded
from tests.support.ports import free_port

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
SCENARIOS = sorted(SCENARIO_DIR.glob("*.yaml"))

STEP_TIMEOUT = 10.0  # seconds a step may wait for the condition it needs
FINAL_TIMEOUT = 20.0  # seconds the execution may take to finish after the steps
POLL = 0.02

TOP_KEYS = {"description", "actions", "environments", "workflows", "start", "steps", "expect"}
START_KEYS = {"workflow", "input", "params", "description"}
EXPECT_KEYS = {
    "state", "state_info", "state_info_contains", "output", "output_contains", "tasks", "task_counts",
    "action_counts", "task_state_info", "task_state_info_contains", "task_results", "task_results_contain",
    "task_results_unordered", "published", "sub_executions", "remote_calls", "remote_bodies", "remote_headers",
    "emails", "min_seconds",
}
STEP_KINDS = {
    "wait_state", "wait_tasks", "wait_executions", "complete_action_of_task", "expect_actions", "pause", "resume",
    "cancel", "stop", "stop_sub_execution", "rerun_task",
}
STEP_OPTIONS = {
    "complete_action_of_task": {"state", "output", "where"},
    "rerun_task": {"reset", "env"},
}


# --------------------------------------------------------------------------------------------
# The outside world: a small HTTP service the workflows talk to.
# --------------------------------------------------------------------------------------------
class Remote:
    """Records every request; a few endpoints change their answer from call to call."""

    def __init__(self) -> None:
        self.groups = {"web": ["web-1", "web-2", "web-3"], "db": ["db-1"]}
        self.seen: list[dict[str, Any]] = []
        self.calls: Counter[str] = Counter()
        self.jobs = 0
        self.tenants: dict[str, dict[str, Any]] = {}
        self.background: set[asyncio.Task] = set()
        self.http: aiohttp.ClientSession | None = None

    @web.middleware
    async def record(self, request: web.Request, handler):
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        key = f"{request.method} {request.path}"
        self.calls[key] += 1
        self.seen.append({"key": key, "body": body, "headers": dict(request.headers), "query": dict(request.query)})
        return await handler(request)

    def count(self, request: web.Request) -> int:
        return self.calls[f"{request.method} {request.path}"]

    async def health(self, request: web.Request) -> web.Response:
        """503 while warming up (first two calls per service), then green."""
        service = request.match_info["service"]
        if self.count(request) <= 2:
            return web.json_response({"status": "starting", "service": service}, status=503)
        return web.json_response({"status": "green", "service": service})

    async def install(self, request: web.Request) -> web.Response:
        host = request.match_info["host"]
        body = await request.json()
        if host.startswith("broken"):
            return web.json_response({"error": "disk full", "host": host}, status=500)
        return web.json_response({"host": host, "version": body["version"]})

    async def create_job(self, request: web.Request) -> web.Response:
        self.jobs += 1
        return web.json_response({"id": self.jobs}, status=201)

    async def get_job(self, request: web.Request) -> web.Response:
        """running, running, then done with an artifact."""
        job = int(request.match_info["id"])
        if job > self.jobs:
            return web.json_response({"error": "no such job"}, status=404)
        if self.count(request) <= 2:
            return web.json_response({"id": job, "state": "running"})
        return web.json_response({"id": job, "state": "done", "artifact": f"build-{job}.tar.gz"})

    async def inventory(self, request: web.Request) -> web.Response:
        group = request.match_info["group"]
        if group not in self.groups:
            return web.json_response({"error": "no such group"}, status=404)
        return web.json_response({"group": group, "hosts": self.groups[group]})

    async def ping(self, request: web.Request) -> web.Response:
        host = request.match_info["host"]
        return web.json_response({"host": host, "alive": not host.endswith("-3")})

    async def create_tenant(self, request: web.Request) -> web.Response:
        body = await request.json()
        tenant_id = f"t-{len(self.tenants) + 1}"
        self.tenants[tenant_id] = {"id": tenant_id, "name": body["name"], "quota": None}
        return web.json_response({"id": tenant_id, "name": body["name"]}, status=201)

    async def set_quota(self, request: web.Request) -> web.Response:
        tenant = self.tenants.get(request.match_info["id"])
        if tenant is None:
            return web.json_response({"error": "no such tenant"}, status=404)
        tenant["quota"] = await request.json()
        return web.json_response({"id": tenant["id"], "quota": tenant["quota"]})

    async def get_tenant(self, request: web.Request) -> web.Response:
        tenant = self.tenants.get(request.match_info["id"])
        if tenant is None:
            return web.json_response({"error": "no such tenant"}, status=404)
        return web.json_response(tenant)

    async def charge(self, request: web.Request) -> web.Response:
        card = request.match_info["card"]
        if card == "declined":
            return web.json_response({"error": "card declined"}, status=402)
        if card == "flaky" and self.count(request) <= 2:
            return web.json_response({"error": "try again"}, status=503)
        return web.json_response({"charge_id": f"ch-{card}", "amount": (await request.json())["amount"]})

    async def store_artifact(self, request: web.Request) -> web.Response:
        """Only a fresh token may upload."""
        if request.headers.get("Authorization") != "Bearer fresh-token":
            return web.json_response({"error": "token expired"}, status=401)
        body = await request.read()
        return web.json_response({"stored": request.match_info["name"], "size": len(body)}, status=201)

    async def notify(self, request: web.Request) -> web.Response:
        return web.json_response({"delivered": True})

    async def async_job(self, request: web.Request) -> web.Response:
        """Accepts the job, then reports the result to Mistral-Callback-URL, as a real worker would."""
        body = await request.json()
        callback = request.headers.get("Mistral-Callback-URL")
        if not callback:
            return web.json_response({"error": "no Mistral-Callback-URL header"}, status=400)

        async def report() -> None:
            await asyncio.sleep(0.05)
            result = {"state": "SUCCESS", "output": {"job": body["name"], "status": "finished"}}
            async with self.http.put(callback, json=result) as response:
                await response.read()

        task = asyncio.get_running_loop().create_task(report())
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return web.json_response({"accepted": True}, status=202)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.record])
        app.add_routes([
            web.get("/health/{service}", self.health),
            web.post("/install/{host}", self.install),
            web.post("/jobs", self.create_job),
            web.get("/jobs/{id}", self.get_job),
            web.get("/inventory/{group}", self.inventory),
            web.get("/ping/{host}", self.ping),
            web.post("/tenants", self.create_tenant),
            web.put("/tenants/{id}/quota", self.set_quota),
            web.get("/tenants/{id}", self.get_tenant),
            web.post("/charge/{card}", self.charge),
            web.put("/artifacts/{name}", self.store_artifact),
            web.post("/notify", self.notify),
            web.post("/async-jobs", self.async_job),
        ])
        return app


@pytest.fixture
async def remote():
    service = Remote()
    runner = web.AppRunner(service.app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    async with aiohttp.ClientSession() as http:
        service.http = http
        yield f"http://127.0.0.1:{port}", service
        for task in list(service.background):
            task.cancel()
    await runner.cleanup()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 OK"


# --------------------------------------------------------------------------------------------
# Loading a scenario
# --------------------------------------------------------------------------------------------
def substitute(value: Any, tokens: dict[str, str]) -> Any:
    if isinstance(value, str):
        for token, replacement in tokens.items():
            value = value.replace(token, replacement)
        return value
    if isinstance(value, list):
        return [substitute(v, tokens) for v in value]
    if isinstance(value, dict):
        return {substitute(k, tokens): substitute(v, tokens) for k, v in value.items()}
    return value


def check_format(path: Path, scenario: dict[str, Any]) -> None:
    """A typo in a scenario must not silently drop a check."""
    assert isinstance(scenario, dict), f"{path.name}: not a mapping"
    unknown = set(scenario) - TOP_KEYS
    assert not unknown, f"{path.name}: unknown keys {sorted(unknown)}"
    for key in ("description", "workflows", "start", "expect"):
        assert key in scenario, f"{path.name}: '{key}' is required"
    assert not set(scenario["start"]) - START_KEYS, f"{path.name}: unknown start keys"
    assert "workflow" in scenario["start"], f"{path.name}: start.workflow is required"
    unknown = set(scenario["expect"]) - EXPECT_KEYS
    assert not unknown, f"{path.name}: unknown expect keys {sorted(unknown)}"
    assert "state" in scenario["expect"], f"{path.name}: expect.state is required"
    for step in scenario.get("steps") or []:
        kinds = set(step) & STEP_KINDS
        assert len(kinds) == 1, f"{path.name}: a step needs exactly one of {sorted(STEP_KINDS)}: {step}"
        kind = kinds.pop()
        extra = set(step) - {kind} - STEP_OPTIONS.get(kind, set())
        assert not extra, f"{path.name}: unknown options {sorted(extra)} in step {step}"


# --------------------------------------------------------------------------------------------
# Reading the execution tree
# --------------------------------------------------------------------------------------------
class Run:
    """One scenario's execution, read over the API."""

    def __init__(self, api: Api, execution_id: str) -> None:
        self.api = api
        self.id = execution_id

    async def tree(self) -> list[dict[str, Any]]:
        """The root execution and every sub-workflow execution under it."""
        children = await self.api.ok("GET", f"/executions?root_execution_id={self.id}&limit=1000")
        return [await self.api.ok("GET", f"/executions/{self.id}")] + children["executions"]

    async def tasks_named(self, name: str, anywhere: bool = True) -> list[dict[str, Any]]:
        """Executions of a task, oldest first, in the root execution (or anywhere in the tree)."""
        ids = [e["id"] for e in await self.tree()] if anywhere else [self.id]
        found: list[dict[str, Any]] = []
        for execution_id in ids:
            found += [t for t in await self.api.tasks(execution_id) if t["name"] == name]
        return found

    async def actions_of(self, task: dict[str, Any]) -> list[dict[str, Any]]:
        body = await self.api.ok("GET", f"/tasks/{task['id']}/action_executions?limit=1000")
        return [decoded(a) for a in body["action_executions"]]

    async def result_of(self, task: dict[str, Any]) -> Any:
        return decoded(await self.api.ok("GET", f"/tasks/{task['id']}"))["result"]


async def poll(what: str, check, timeout: float = STEP_TIMEOUT):
    """Call check() until it returns something truthy; fail with the last observation at the deadline."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        ok, last = await check()
        if ok:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"step timed out after {timeout}s waiting for {what}; last seen: {last}")
        await asyncio.sleep(POLL)


def subset(expected: Any, actual: Any) -> bool:
    """expected ⊆ actual for mappings (recursively); equality for anything else."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    return expected == actual


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def task_condition(spec: Any) -> dict[str, Any]:
    return {"state": spec} if isinstance(spec, str) else dict(spec)


def task_matches(condition: dict[str, Any], executions: list[dict[str, Any]]) -> bool:
    if condition.get("state") == "ABSENT":
        return not executions
    if not executions:
        return False
    last = executions[-1]
    if "state" in condition and last["state"] != condition["state"]:
        return False
    if "state_info" in condition and last["state_info"] != condition["state_info"]:
        return False
    if "state_info_contains" in condition and condition["state_info_contains"] not in (last["state_info"] or ""):
        return False
    return "count" not in condition or len(executions) == condition["count"]


# --------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------
async def run_step(run: Run, step: dict[str, Any]) -> None:
    api = run.api
    if "wait_state" in step:
        wanted = step["wait_state"]

        async def check():
            ex = await api.ok("GET", f"/executions/{run.id}")
            return ex["state"] == wanted, (ex["state"], ex["state_info"])

        await poll(f"execution state {wanted}", check)

    elif "wait_tasks" in step:
        conditions = {name: task_condition(spec) for name, spec in step["wait_tasks"].items()}

        async def check():
            seen = {}
            for name, condition in conditions.items():
                executions = await run.tasks_named(name)
                seen[name] = [(t["state"], t["state_info"]) for t in executions]
                if not task_matches(condition, executions):
                    return False, seen
            return True, seen

        await poll(f"tasks {conditions}", check)

    elif "wait_executions" in step:
        wanted = step["wait_executions"]

        async def check():
            tree = await run.tree()
            seen = {name: [e["state"] for e in tree if e["workflow_name"] == name] for name in wanted}
            return all(seen[n] and all(s == state for s in seen[n]) for n, state in wanted.items()), seen

        await poll(f"executions {wanted}", check)

    elif "complete_action_of_task" in step:
        name = step["complete_action_of_task"]
        where = step.get("where") or {}

        async def check():
            seen = []
            for task in await run.tasks_named(name):
                for action in await run.actions_of(task):
                    seen.append((action["state"], action["accepted"], action["input"]))
                    if action["state"] == "RUNNING" and subset(where, action["input"]):
                        return True, action
            return False, seen

        action = await poll(f"a RUNNING action of task {name} with input {where}", check)
        body = {"state": step.get("state", "SUCCESS"), "output": step.get("output")}
        await api.ok("PUT", f"/action_executions/{action['id']}", body)

    elif "expect_actions" in step:
        spec = step["expect_actions"]

        async def check():
            executions = await run.tasks_named(spec["task"])
            if not executions:
                return False, "no such task yet"
            actions = await run.actions_of(executions[-1])
            counts = {"total": len(actions), "running": sum(a["state"] == "RUNNING" for a in actions)}
            ok = all(counts[k] == spec[k] for k in ("total", "running") if k in spec)
            return ok, counts

        await poll(f"action executions {spec}", check)

    elif "pause" in step:
        await api.ok("PUT", f"/executions/{run.id}", {"state": "PAUSED"})

    elif "resume" in step:
        body: dict[str, Any] = {"state": "RUNNING"}
        if isinstance(step["resume"], dict) and step["resume"].get("env"):
            body["params"] = {"env": step["resume"]["env"]}
        await api.ok("PUT", f"/executions/{run.id}", body)

    elif "cancel" in step:
        await api.ok("PUT", f"/executions/{run.id}", {"state": "CANCELLED", "state_info": step["cancel"]})

    elif "stop" in step:
        await api.ok("PUT", f"/executions/{run.id}", dict(step["stop"]))

    elif "stop_sub_execution" in step:
        spec = dict(step["stop_sub_execution"])
        name, where = spec.pop("workflow"), spec.pop("where", {})

        async def check():
            found = [e for e in (await run.tree())[1:]
                     if e["workflow_name"] == name and subset(where, json.loads(e["input"]))]
            if len(found) == 1 and found[0]["state"] == "RUNNING":
                return True, found[0]
            return False, [(e["id"], e["state"]) for e in found]

        child = await poll(f"one RUNNING execution of {name} with input {where}", check)
        await api.ok("PUT", f"/executions/{child['id']}", spec)

    elif "rerun_task" in step:
        executions = await run.tasks_named(step["rerun_task"])
        assert executions, f"no task {step['rerun_task']} to rerun"
        body = {"state": "RUNNING", "reset": step.get("reset", True)}
        if step.get("env"):
            body["env"] = step["env"]
        await api.ok("PUT", f"/tasks/{executions[-1]['id']}", body)


# --------------------------------------------------------------------------------------------
# Expectations
# --------------------------------------------------------------------------------------------
async def check_expectations(run: Run, ex: dict[str, Any], expect: dict[str, Any], remote: Remote,
                             inbox: Inbox | None, elapsed: float) -> list[str]:
    problems: list[str] = []

    def same(what: str, expected: Any, got: Any) -> None:
        if expected != got:
            problems.append(f"{what}:\n    expected: {expected!r}\n    got:      {got!r}")

    same("state", expect["state"], ex["state"])
    if "state_info" in expect:
        same("state_info", expect["state_info"], ex["state_info"])
    contains = expect.get("state_info_contains") or []
    for text in [contains] if isinstance(contains, str) else contains:
        if text not in (ex["state_info"] or ""):
            problems.append(f"state_info should contain {text!r}; got {ex['state_info']!r}")
    info = {"__STATE_INFO__": ex["state_info"] or ""}
    if "output" in expect:
        same("output", substitute(expect["output"], info), ex["output"])
    if "output_contains" in expect and not subset(substitute(expect["output_contains"], info), ex["output"]):
        problems.append(f"output should contain {expect['output_contains']!r}; got {ex['output']!r}")

    root_tasks = await run.api.tasks(run.id)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for task in root_tasks:
        by_name.setdefault(task["name"], []).append(task)

    if "tasks" in expect:
        wanted = expect["tasks"]
        if isinstance(wanted, dict):
            same("tasks (last state of each)", wanted, {n: ts[-1]["state"] for n, ts in by_name.items()})
        else:
            same("tasks (in creation order)", [list(p) for p in wanted], [[t["name"], t["state"]] for t in root_tasks])
    for name, count in (expect.get("task_counts") or {}).items():
        same(f"number of executions of task {name}", count, len(by_name.get(name, [])))
    for name, count in (expect.get("action_counts") or {}).items():
        total = 0
        for task in by_name.get(name, []):
            total += len(await run.actions_of(task))
        same(f"number of action executions of task {name}", count, total)
    for name, info in (expect.get("task_state_info") or {}).items():
        same(f"state_info of task {name}", info, by_name[name][-1]["state_info"] if name in by_name else "<no task>")
    for name, text in (expect.get("task_state_info_contains") or {}).items():
        got = by_name[name][-1]["state_info"] if name in by_name else None
        if text not in (got or ""):
            problems.append(f"state_info of task {name} should contain {text!r}; got {got!r}")
    for name, result in (expect.get("task_results") or {}).items():
        got = await run.result_of(by_name[name][-1]) if name in by_name else "<no task>"
        same(f"result of task {name}", result, got)
    for name, result in (expect.get("task_results_contain") or {}).items():
        got = await run.result_of(by_name[name][-1]) if name in by_name else "<no task>"
        if not subset(result, got):
            problems.append(f"result of task {name} should contain {result!r}; got {got!r}")
    for name, results in (expect.get("task_results_unordered") or {}).items():
        got = [await run.result_of(t) for t in by_name.get(name, [])]
        same(f"results of every execution of task {name} (any order)", sorted(results, key=canonical),
             sorted(got, key=canonical))
    for name, published in (expect.get("published") or {}).items():
        same(f"published of task {name}", published, by_name[name][-1]["published"] if name in by_name else None)

    if "sub_executions" in expect:
        tree = await run.tree()
        got: dict[str, dict[str, int]] = {}
        for child in tree[1:]:
            got.setdefault(child["workflow_name"], {}).setdefault(child["state"], 0)
            got[child["workflow_name"]][child["state"]] += 1
        same("sub-workflow executions (workflow → state → count)", expect["sub_executions"], got)

    for key, count in (expect.get("remote_calls") or {}).items():
        same(f"requests to the remote service {key}", count, remote.calls[key])
    for key, bodies in (expect.get("remote_bodies") or {}).items():
        same(f"bodies sent to {key}", bodies, [r["body"] for r in remote.seen if r["key"] == key])
    for key, headers in (expect.get("remote_headers") or {}).items():
        requests = [r for r in remote.seen if r["key"] == key]
        if not requests:
            problems.append(f"no request to {key}")
        for request in requests:
            if not subset(headers, request["headers"]):
                problems.append(f"headers of {key} should contain {headers!r}; got {request['headers']!r}")

    if "emails" in expect:
        got = []
        for envelope in inbox.messages if inbox else []:
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            got.append({"to": list(envelope.rcpt_tos), "subject": parsed["Subject"],
                        "body": parsed.get_content().strip()})
        if len(got) != len(expect["emails"]):
            problems.append(f"expected {len(expect['emails'])} e-mails; got {got!r}")
        for wanted, message in zip(expect["emails"], got):
            for field in ("to", "subject", "body"):
                if field in wanted and wanted[field] != message[field]:
                    problems.append(f"e-mail {field}: expected {wanted[field]!r}; got {message[field]!r}")
            if "body_contains" in wanted and wanted["body_contains"] not in message["body"]:
                problems.append(f"e-mail body should contain {wanted['body_contains']!r}; got {message['body']!r}")

    if "min_seconds" in expect and elapsed < expect["min_seconds"]:
        problems.append(f"the execution took {elapsed:.2f}s; the policies ask for at least {expect['min_seconds']}s")
    return problems


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
async def test_scenario(path: Path, api: Api, remote) -> None:
    base, service = remote
    text = path.read_text()
    scenario = yaml.safe_load(text)
    check_format(path, scenario)

    controller = None
    inbox: Inbox | None = None
    tokens = {"__REMOTE__": base}
    if "__SMTP__" in text:
        from aiosmtpd.controller import Controller

        inbox = Inbox()
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        tokens["__SMTP__"] = f"127.0.0.1:{port}"
    try:
        expect = scenario["expect"]  # __REMOTE__ in expectations is replaced too, __STATE_INFO__ later
        scenario = substitute({k: v for k, v in scenario.items() if k != "expect"}, tokens)
        expect = substitute(expect, tokens)

        if scenario.get("actions"):
            await api.ok("POST", "/actions", text=scenario["actions"], status=201)
        for environment in scenario.get("environments") or []:
            await api.ok("POST", "/environments", environment, status=201)
        await api.upload(scenario["workflows"])

        start = scenario["start"]
        extra = {k: start[k] for k in ("params", "description") if k in start}
        began = time.monotonic()
        started = await api.start(start["workflow"], start.get("input") or {}, **extra)
        run = Run(api, started["id"])

        for number, step in enumerate(scenario.get("steps") or [], 1):
            try:
                await run_step(run, step)
            except AssertionError as e:
                ex = await api.ok("GET", f"/executions/{run.id}")
                states = [(t["name"], t["state"], t["state_info"]) for t in await api.tasks(run.id)]
                raise AssertionError(f"step {number} {step} failed: {e}\n  execution: {ex['state']} "
                                     f"{ex['state_info']!r}\n  tasks: {states}") from None

        ex = await api.wait(run.id, FINAL, timeout=FINAL_TIMEOUT)
        elapsed = time.monotonic() - began
        problems = await check_expectations(run, ex, expect, service, inbox, elapsed)
    finally:
        if controller is not None:
            controller.stop()
    if problems:
        tasks = [(t["name"], t["state"], t["state_info"]) for t in await api.tasks(run.id)]
        raise AssertionError(
            f"{path.name}: {len(problems)} expectation(s) not met\n  " + "\n  ".join(problems)
            + f"\n  --- execution: {ex['state']} {ex['state_info']!r}\n  output: {ex['output']!r}\n  tasks: {tasks}"
        )
