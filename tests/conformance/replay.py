"""Replays the recorded conformance corpus against a Mistral v2 REST API and compares outcomes.

A case is `cases/{valid,invalid,accepted}/NAME.yaml`, recorded on real Mistral 23.0.0 into
`NAME.expected.json` beside it (see docs/conformance.md). The file starts with `# key: value` header
lines (value parsed as JSON when it is JSON, else kept as text), then the document. A line
`#@ workflow|workbook|actions [namespace=NS]` starts a further document uploaded on its own.

The outcome of a case is reduced to what a migrating user can observe and that does not depend on
ids or clocks, in exactly the form the recordings hold:

- valid/: the execution's state, a short form of its state_info, its output, and per task its
  name, state, short state_info, published, result and number of runs (action executions, or
  sub-workflow executions for a workflow task), tasks sorted by name; plus the result of each step;
- invalid/ and accepted/: `valid` from POST .../validate and the upload's HTTP status.

Keys starting with `_` (timings, messages kept for information) are never compared.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml

GROUPS = ("valid", "invalid", "accepted")
HEADER_KEYS = frozenset(
    ("case", "start", "input", "env", "params", "task_name", "namespace", "steps", "kind", "ignore", "timeout", "note"))
HEADER_LINE = re.compile(r"^#\s*([a-z_]+):\s?(.*?)\s*$")
SECTION_LINE = re.compile(r"^#@\s*(workflow|workbook|actions)\b(.*)$")
ENDPOINTS = {"workflow": "/workflows", "workbook": "/workbooks", "actions": "/actions"}
TERMINAL = ("SUCCESS", "ERROR", "CANCELLED")
UNFINISHED_TASK = ("IDLE", "WAITING", "RUNNING", "DELAYED")
NOT_YET_RUNNING = ("IDLE", "WAITING", "DELAYED")
CASE_TIMEOUT = 30.0  # seconds for one case unless its header says otherwise
HTTP_TIMEOUT = 30.0
SETTLE = 3.0  # how long tasks may still finish after the execution ended
MAX_SLEEP_STEP = 3.0


# ---------------------------------------------------------------- cases

@dataclass
class Document:
    kind: str
    namespace: str
    text: str


@dataclass
class Case:
    id: str  # "valid/feat_000_publish_chain"
    group: str
    path: Path
    meta: dict[str, Any] = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def expected_path(self) -> Path:
        return self.path.with_name(self.stem + ".expected.json")

    @property
    def timeout(self) -> float:
        return float(self.meta.get("timeout") or CASE_TIMEOUT)

    def expected(self) -> dict[str, Any]:
        return json.loads(self.expected_path.read_text(encoding="utf-8"))


def _header_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load_case(path: Path, group: str) -> Case:
    case = Case(id=f"{group}/{path.stem}", group=group, path=path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    body_start = 0
    for body_start, line in enumerate(lines):
        if not line.startswith("#") or SECTION_LINE.match(line):
            break
        match = HEADER_LINE.match(line)
        if match and match.group(1) in HEADER_KEYS:
            case.meta[match.group(1)] = _header_value(match.group(2))
    else:
        body_start = len(lines)
    kind = case.meta.get("kind", "workflow")
    namespace = case.meta.get("namespace") or ""
    chunk: list[str] = []
    for line in lines[body_start:]:
        section = SECTION_LINE.match(line)
        if not section:
            chunk.append(line)
            continue
        if "".join(chunk).strip():
            case.documents.append(Document(kind, namespace, "".join(chunk)))
        kind = section.group(1)
        ns = re.search(r"namespace=(\S+)", section.group(2))
        namespace = ns.group(1) if ns else ""
        chunk = []
    if "".join(chunk).strip() or not case.documents:
        case.documents.append(Document(kind, namespace, "".join(chunk)))
    return case


def discover(root: Path) -> list[Case]:
    """Every case under root/{valid,invalid,accepted}, in a stable order."""
    return [load_case(path, group) for group in GROUPS for path in sorted((root / group).glob("*.yaml"))]


# ---------------------------------------------------------------- normalisation

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
# a string holding one of these is an error message, reduced like state_info
MESSAGE_SIGNS = ("task_ex_id=", "action_ex_id=", "Traceback (most recent call last)",
                 "Failure caused by error in tasks", "action_cls=")
NESTED_CAUSE = re.compile(r"^([^\[]*?)\s*\[error=([^\[\],:]+)")
MESSAGE_LIMIT = 120


def _without_parameter_dumps(text: str) -> str:
    """Drop each outermost [...] group that contains '=' (ids and parameters), with the spaces before it."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "[":
            end = _closing_bracket(text, i)
            if end is not None and "=" in text[i:end + 1]:
                while out and out[-1] == " ":
                    out.pop()
                i = end + 1
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _closing_bracket(text: str, start: int) -> int | None:
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "[":
            depth += 1
        elif text[j] == "]":
            depth -= 1
            if depth == 0:
                return j
    return None


def short_message(message: Any) -> str | None:
    """A state_info-like message -> its first line without ids, times, tracebacks or parameter dumps.

    "Failed to run task [error=Invalid input [...], wf=..]:" becomes "Failed to run task: Invalid input".
    """
    if message is None:
        return None
    text = message if isinstance(message, str) else json.dumps(message, sort_keys=True)
    text = text.split("Traceback (most recent call last)")[0]
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = TIMESTAMP.sub("<timestamp>", UUID.sub("<uuid>", first))
    cause = NESTED_CAUSE.match(first)
    first = " ".join(_without_parameter_dumps(first).split())
    if cause:
        first = f"{cause.group(1).strip().rstrip(':')}: {cause.group(2).strip()}"
    return first if len(first) <= MESSAGE_LIMIT else first[:MESSAGE_LIMIT] + "..."


def normal_text(text: str) -> str:
    if any(sign in text for sign in MESSAGE_SIGNS):
        return short_message(text)  # type: ignore[return-value]
    return TIMESTAMP.sub("<timestamp>", UUID.sub("<uuid>", text))


def normal(value: Any) -> Any:
    """ids and timestamps replaced, error messages shortened, keys too, everywhere in a JSON value."""
    if isinstance(value, str):
        return normal_text(value)
    if isinstance(value, list):
        return [normal(item) for item in value]
    if isinstance(value, dict):
        return {(normal_text(k) if isinstance(k, str) else k): normal(v) for k, v in value.items()}
    return value


def decoded(value: Any) -> Any:
    """Mistral sends JSON documents inside strings; a string that is not JSON stays a string."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def drop_ignored(outcome: dict[str, Any], paths: list[str] | None) -> dict[str, Any]:
    """Remove "state_info", "output.KEY", "tasks.NAME" or "tasks.NAME.FIELD" from an outcome."""
    for path in paths or ():
        parts = path.split(".")
        if parts[0] == "tasks" and len(parts) >= 2 and isinstance(outcome.get("tasks"), list):
            if len(parts) == 2:
                outcome["tasks"] = [t for t in outcome["tasks"] if t.get("name") != parts[1]]
            else:
                for task in outcome["tasks"]:
                    if task.get("name") == parts[1]:
                        task.pop(parts[2], None)
            continue
        holder: Any = outcome
        for part in parts[:-1]:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if isinstance(holder, dict):
            holder.pop(parts[-1], None)
    return outcome


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


# ---------------------------------------------------------------- comparison

def public(value: Any) -> Any:
    """The comparable part: keys starting with '_' removed at every level."""
    if isinstance(value, dict):
        return {k: public(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [public(v) for v in value]
    return value


def differences(expected: Any, got: Any, where: str = "", limit: int = 5) -> list[str]:
    """Human-readable places where got is not expected (types matter: 1 is not 1.0 nor True)."""
    found: list[str] = []
    _walk(public(expected), public(got), where, found, limit)
    return found


def _brief(value: Any, size: int = 80) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= size else text[:size - 3] + "..."


def _walk(expected: Any, got: Any, where: str, found: list[str], limit: int) -> None:
    if len(found) >= limit:
        return
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in sorted(set(expected) | set(got), key=str):
            place = f"{where}.{key}" if where else str(key)
            if key not in got:
                found.append(f"{place}: missing, expected {_brief(expected[key])}")
            elif key not in expected:
                found.append(f"{place}: unexpected {_brief(got[key])}")
            else:
                _walk(expected[key], got[key], place, found, limit)
        return
    if isinstance(expected, list) and isinstance(got, list):
        if where.endswith("tasks"):
            names = ([t.get("name") for t in expected if isinstance(t, dict)],
                     [t.get("name") for t in got if isinstance(t, dict)])
            if names[0] != names[1]:
                found.append(f"{where} names: expected {names[0]} got {names[1]}")
                return
        if len(expected) != len(got):
            found.append(f"{where}: expected {len(expected)} items, got {len(got)}: {_brief(got)}")
            return
        for index, (a, b) in enumerate(zip(expected, got)):
            label = a.get("name", index) if isinstance(a, dict) else index
            _walk(a, b, f"{where}[{label}]", found, limit)
        return
    if type(expected) is not type(got) or expected != got:
        found.append(f"{where or '(root)'}: expected {_brief(expected)} got {_brief(got)}")


# ---------------------------------------------------------------- HTTP

class CaseTimeout(Exception):
    """The case's own deadline passed."""


class Client:
    """JSON and text calls on one base URL; every call bounded by the case's deadline."""

    def __init__(self, http: aiohttp.ClientSession, base: str, deadline: float) -> None:
        self.http, self.base, self.deadline = http, base.rstrip("/"), deadline

    def left(self) -> float:
        return self.deadline - time.monotonic()

    async def call(self, method: str, path: str, body: Any = None, *, text: str | None = None,
                   query: dict[str, str] | None = None) -> tuple[int, Any]:
        # a few seconds of grace past the deadline for the final reads
        budget = min(HTTP_TIMEOUT, self.left() + 5.0)
        if budget <= 0:
            raise CaseTimeout(f"{method} {path}: case deadline passed")
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        kwargs: dict[str, Any] = {"timeout": aiohttp.ClientTimeout(total=budget)}
        if text is not None:
            kwargs.update(data=text.encode("utf-8"), headers={"Content-Type": "text/plain"})
        elif body is not None:
            kwargs["json"] = body
        async with self.http.request(method, url, **kwargs) as response:
            raw = await response.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = {"_raw": raw.decode("utf-8", "replace")}
        return response.status, parsed

    async def ok(self, method: str, path: str, query: dict[str, str] | None = None) -> Any:
        status, body = await self.call(method, path, query=query)
        if status not in (200, 201, 204):
            raise AssertionError(f"{method} {path} -> {status} {_brief(body, 300)}")
        return body


def _quoted(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def _first_line(body: Any) -> str:
    message = body.get("faultstring", body) if isinstance(body, dict) else body
    text = str(message).split("\n")[0]
    return text if len(text) <= 200 else text[:197] + "..."


async def _upload(client: Client, doc: Document) -> tuple[int, Any]:
    """POST the document; an existing one is replaced (PUT), which counts as created."""
    query = {"namespace": doc.namespace} if doc.namespace else None
    status, body = await client.call("POST", ENDPOINTS[doc.kind], text=doc.text, query=query)
    if status == 409:
        status, body = await client.call("PUT", ENDPOINTS[doc.kind], text=doc.text, query=query)
        status = 201 if status == 200 else status
    return status, body


# ---------------------------------------------------------------- running a case

async def outcome_of(http: aiohttp.ClientSession, base: str, case: Case) -> dict[str, Any]:
    """Run one case against the API at base and return its normalised outcome."""
    client = Client(http, base, time.monotonic() + case.timeout)
    if case.group == "valid":
        return await _valid_outcome(client, case)
    return await _document_outcome(client, case)


async def _document_outcome(client: Client, case: Case) -> dict[str, Any]:
    doc = case.documents[0]
    query = {"namespace": doc.namespace} if doc.namespace else None
    v_status, verdict = await client.call("POST", ENDPOINTS[doc.kind] + "/validate", text=doc.text, query=query)
    c_status, created = await _upload(client, doc)
    valid = verdict.get("valid") if v_status == 200 and isinstance(verdict, dict) else None
    outcome: dict[str, Any] = {"valid": valid if v_status == 200 else f"status {v_status}",
                               "create_status": c_status}
    message = verdict.get("error") if isinstance(verdict, dict) and verdict.get("error") else (
        created.get("faultstring") if isinstance(created, dict) else None)
    if message:
        outcome["_message"] = _first_line(str(message))
    return outcome


async def _valid_outcome(client: Client, case: Case) -> dict[str, Any]:
    for doc in case.documents:
        status, body = await _upload(client, doc)
        if status != 201:
            return {"upload_status": status, "_message": _first_line(body)}
    meta = case.meta
    params = dict(meta.get("params") or {})
    for key in ("env", "task_name"):
        if key in meta:
            params[key] = meta[key]
    request = {"workflow_name": meta["start"], "input": json.dumps(meta.get("input") or {}),
               "params": json.dumps(params)}
    if meta.get("namespace"):
        request["workflow_namespace"] = meta["namespace"]
    status, started = await client.call("POST", "/executions", request)
    if status != 201:
        return {"start_status": status, "_message": _first_line(started)}
    execution = Execution(client, started["id"])
    steps = [await execution.step(step) for step in meta.get("steps") or []]
    state = await execution.wait_for(lambda s: s not in ("RUNNING", "IDLE"))
    outcome = await execution.outcome()
    if steps:
        outcome["steps"] = steps
    if state is None:
        outcome["_timeout"] = True
    return drop_ignored(outcome, meta.get("ignore"))


class Execution:
    def __init__(self, client: Client, execution_id: str) -> None:
        self.client, self.id = client, execution_id

    async def state(self) -> str:
        return (await self.client.ok("GET", f"/executions/{self.id}"))["state"]

    async def tasks(self) -> list[dict[str, Any]]:
        return (await self.client.ok("GET", f"/executions/{self.id}/tasks"))["tasks"]

    async def wait_for(self, wanted: Callable[[str], bool]) -> str | None:
        """Poll until wanted(state); None when the case's deadline passes first."""
        started = time.monotonic()
        while True:
            state = await self.state()
            if wanted(state):
                return state
            if self.client.left() <= 0:
                return None
            waited = time.monotonic() - started
            await asyncio.sleep(0.05 if waited < 1 else 0.1 if waited < 3 else 0.25)

    async def step(self, step: dict[str, Any]) -> Any:
        if "wait" in step:
            state = await self.wait_for(lambda s: s == step["wait"] or s in TERMINAL)
            return state if state is not None else await self.state()
        if "wait_task" in step:
            return await self._wait_task(step["wait_task"])
        if "put" in step:
            status, _ = await self.client.call("PUT", f"/executions/{self.id}", step["put"])
            return status
        if "sleep" in step:
            await asyncio.sleep(max(0.0, min(float(step["sleep"]), MAX_SLEEP_STEP, self.client.left())))
            return "slept"
        if "complete" in step:
            return await self._complete(step["complete"])
        raise ValueError(f"unknown step {step!r}")

    async def _wait_task(self, name: str) -> str:
        """Until a task `name` runs or has finished -> its state ("absent" if it never appeared)."""
        while True:
            states = [t["state"] for t in await self.tasks() if t["name"] == name]
            going = [s for s in states if s not in NOT_YET_RUNNING]
            if going:
                return going[0]
            if self.client.left() <= 0:
                return states[0] if states else "absent"
            await asyncio.sleep(0.1)

    async def _complete(self, spec: dict[str, Any]) -> Any:
        """PUT the running action execution of a task (an async action) with the given state/output."""
        while True:
            running = None
            for task in await self.tasks():
                if task["name"] != spec["task"]:
                    continue
                actions = await self.client.ok("GET", f"/tasks/{task['id']}/action_executions")
                for action in actions.get("action_executions", []):
                    if action.get("state") == "RUNNING":
                        running = action["id"]
            if running:
                break
            if self.client.left() <= 0:
                return "no running action"
            await asyncio.sleep(0.1)
        body = {"state": spec.get("state", "SUCCESS")}
        if "output" in spec:
            body["output"] = spec["output"]
        status, _ = await self.client.call("PUT", f"/action_executions/{running}", body)
        return status

    async def outcome(self) -> dict[str, Any]:
        execution = await self.client.ok("GET", f"/executions/{self.id}")
        tasks = await self.tasks()
        if execution["state"] in TERMINAL:
            settle_until = min(self.client.deadline, time.monotonic() + SETTLE)
            while any(t["state"] in UNFINISHED_TASK for t in tasks) and time.monotonic() < settle_until:
                await asyncio.sleep(0.2)
                tasks = await self.tasks()
            execution = await self.client.ok("GET", f"/executions/{self.id}")
        rows = [await self._task_outcome(t["id"]) for t in tasks]
        rows.sort(key=lambda t: (t["name"] or "", t["state"] or "", _sort_key(t["published"]), _sort_key(t["result"])))
        return {"state": execution.get("state"), "state_info": short_message(execution.get("state_info")),
                "output": normal(decoded(execution.get("output"))), "tasks": rows}

    async def _task_outcome(self, task_id: str) -> dict[str, Any]:
        task = await self.client.ok("GET", f"/tasks/{task_id}")
        return {"name": task.get("name"), "state": task.get("state"),
                "state_info": short_message(task.get("state_info")),
                "published": normal(decoded(task.get("published"))),
                "result": normal(decoded(task.get("result"))), "runs": await self._runs(task)}

    async def _runs(self, task: dict[str, Any]) -> int | None:
        if task.get("type") == "WORKFLOW":
            status, body = await self.client.call("GET", "/executions", query={"task_execution_id": task["id"]})
            key = "executions"
        else:
            status, body = await self.client.call("GET", f"/tasks/{_quoted(task['id'])}/action_executions")
            key = "action_executions"
        return len((body or {}).get(key, [])) if status == 200 else None


async def outcomes(base: str, cases: list[Case], parallel: int = 12) -> dict[str, dict[str, Any] | str]:
    """Every case's outcome, `parallel` at a time; a case that breaks gives its error text instead."""
    gate = asyncio.Semaphore(parallel)

    async def one(http: aiohttp.ClientSession, case: Case) -> tuple[str, dict[str, Any] | str]:
        async with gate:
            try:
                return case.id, await asyncio.wait_for(outcome_of(http, base, case), case.timeout + 15.0)
            except (Exception, asyncio.TimeoutError) as error:  # noqa: BLE001 - reported as the case's failure
                return case.id, f"{type(error).__name__}: {error}"

    connector = aiohttp.TCPConnector(limit=parallel * 2)
    async with aiohttp.ClientSession(connector=connector) as http:
        return dict(await asyncio.gather(*(one(http, case) for case in cases)))


# ---------------------------------------------------------------- differences.yaml

@dataclass(frozen=True)
class Allowed:
    stem: str
    kind: str  # approved | pending
    reason: str


def load_allowed(path: Path) -> dict[str, Allowed]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    allowed = {}
    for stem, entry in (data or {}).items():
        entry = entry or {}
        allowed[stem] = Allowed(stem, str(entry.get("kind", "")), str(entry.get("reason") or "").strip())
    return allowed
