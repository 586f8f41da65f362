"""The project's five benchmark scenarios, spoken over Mistral's v2 REST API.

One definition serves two callers: `scripts/bench` runs them timed and at full
size against mistral-lite (and real Mistral with --compare-mistral), and
tests/integration/test_bench_scenarios.py runs each once, small, to check it is
correct. Standard library only and blocking, so it runs against any
Mistral-compatible server. The shapes and the command line follow the anchor
benchmark's (../shared/mistral-anchor/bench.py) so the figures compare with it:

  seq100    a direct workflow of N std.noop tasks chained with on-success
  fan50     a start task, N parallel std.noop tasks, a task with join: all
  items500  one with-items task echoing N numbers, published as the output
  many1     N one-task executions POSTed from several threads, until all SUCCESS
  latency   a one-task std.echo workflow, POST until SUCCESS, N times

Each run is timed from just before POST /v2/executions until polling sees
SUCCESS; an execution ending ERROR or CANCELLED fails the scenario.

    python benchmarks/scenarios.py http://127.0.0.1:8989/v2 --only seq100,latency --runs 3
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FINAL = ("SUCCESS", "ERROR", "CANCELLED")


class ScenarioFailed(RuntimeError):
    """A wrong answer: an execution that did not succeed, a wrong output or task count."""


class Client:
    """Blocking JSON client; one keep-alive connection per thread."""

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        parts = urllib.parse.urlsplit(base_url.rstrip("/"))
        self.host, self.port, self.prefix = parts.hostname, parts.port, parts.path
        self.https = parts.scheme == "https"
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self, fresh: bool) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            conn = self._local.conn = kind(self.host, self.port, timeout=self.timeout)
        return conn

    def request(self, method: str, path: str, body: Any = None, text: str | None = None) -> tuple[int, Any]:
        headers, data = {}, None
        if text is not None:
            headers, data = {"Content-Type": "text/plain"}, text.encode()
        elif body is not None:
            headers, data = {"Content-Type": "application/json"}, json.dumps(body).encode()
        for retry in (False, True):  # a keep-alive connection the server closed is retried once
            conn = self._connection(fresh=retry)
            try:
                conn.request(method, self.prefix + path, body=data, headers=headers)
                response = conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, OSError):
                if retry:
                    raise
        return response.status, json.loads(raw) if raw else None

    def ok(self, method: str, path: str, body: Any = None, text: str | None = None) -> Any:
        status, data = self.request(method, path, body, text)
        if status not in (200, 201, 204):
            raise ScenarioFailed(f"{method} {path} -> {status} {json.dumps(data)[:300]}")
        return data


# --- workflows --------------------------------------------------------------------------------

def _document(name: str, body: str) -> str:
    return f"---\nversion: '2.0'\n{name}:\n{body}"


def chain(name: str, length: int) -> str:
    tasks = "".join(
        f"    step{i}:\n      action: std.noop\n" + (f"      on-success: [step{i + 1}]\n" if i < length else "")
        for i in range(1, length + 1)
    )
    return _document(name, "  type: direct\n  tasks:\n" + tasks)


def fan_out_in(name: str, width: int) -> str:
    branches = ", ".join(f"branch{i}" for i in range(1, width + 1))
    tasks = f"    split:\n      action: std.noop\n      on-success: [{branches}]\n"
    tasks += "".join(f"    branch{i}:\n      action: std.noop\n      on-success: [merge]\n" for i in range(1, width + 1))
    tasks += "    merge:\n      join: all\n      action: std.noop\n"
    return _document(name, "  type: direct\n  tasks:\n" + tasks)


def echo_items(name: str) -> str:
    return _document(name, (
        "  input: [xs]\n"
        "  output: {results: <% $.results %>}\n"
        "  tasks:\n"
        "    echo_each:\n"
        "      with-items: x in <% $.xs %>\n"
        "      action: std.echo output=<% $.x %>\n"
        "      publish: {results: <% task().result %>}\n"
    ))


def single_noop(name: str) -> str:
    return _document(name, "  tasks:\n    only:\n      action: std.noop\n")


def single_echo(name: str) -> str:
    return _document(name, (
        "  output: {said: <% $.said %>}\n"
        "  tasks:\n"
        "    only:\n"
        "      action: std.echo output=\"hello\"\n"
        "      publish: {said: <% task().result %>}\n"
    ))


# --- driving executions -----------------------------------------------------------------------

def upload(client: Client, text: str) -> None:
    """Create the workflow, or replace it when it exists (a rerun against the same server)."""
    status, data = client.request("POST", "/workflows", text=text)
    if status == 409:
        status, data = client.request("PUT", "/workflows", text=text)
    if status not in (200, 201):
        raise ScenarioFailed(f"uploading a workflow -> {status} {json.dumps(data)[:300]}")


def start(client: Client, workflow: str, wf_input: dict | None = None) -> str:
    body: dict[str, Any] = {"workflow_name": workflow}
    if wf_input is not None:
        body["input"] = wf_input
    return client.ok("POST", "/executions", body)["id"]


def _failed(client: Client, execution_id: str, state: str) -> ScenarioFailed:
    info = client.ok("GET", f"/executions/{execution_id}").get("state_info")
    return ScenarioFailed(f"execution {execution_id} ended {state}: {info}")


def wait_success(client: Client, execution_id: str, poll: float, timeout: float) -> dict[str, Any]:
    deadline = time.perf_counter() + timeout
    while True:
        execution = client.ok("GET", f"/executions/{execution_id}")
        if execution["state"] == "SUCCESS":
            return execution
        if execution["state"] in FINAL:
            raise _failed(client, execution_id, execution["state"])
        if time.perf_counter() > deadline:
            raise ScenarioFailed(f"execution {execution_id} still {execution['state']} after {timeout}s")
        time.sleep(poll)


def timed_run(client: Client, workflow: str, wf_input: dict | None, poll: float, timeout: float) -> tuple[float, dict]:
    began = time.perf_counter()
    execution = wait_success(client, start(client, workflow, wf_input), poll, timeout)
    return time.perf_counter() - began, execution


def output_of(execution: dict[str, Any]) -> Any:
    out = execution.get("output")
    return json.loads(out) if isinstance(out, str) else out


def expect_tasks(client: Client, execution_id: str, count: int) -> None:
    tasks = client.ok("GET", f"/executions/{execution_id}/tasks")["tasks"]
    unfinished = [t["name"] for t in tasks if t["state"] != "SUCCESS"]
    if len(tasks) != count or unfinished:
        raise ScenarioFailed(f"execution {execution_id}: {len(tasks)} tasks, {count} expected; "
                             f"not SUCCESS: {unfinished[:5]}")


def start_many(client: Client, workflow: str, count: int, threads: int, poll: float, timeout: float) -> float:
    """POST `count` executions from `threads` threads; seconds until every one is SUCCESS.
    Polls one list call per round (ids the list misses are asked for one by one)."""
    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        waiting = set(pool.map(lambda _: start(client, workflow), range(count)))
    listing = f"/executions?workflow_name={urllib.parse.quote(workflow)}&fields=id,state&limit={max(1000, 2 * count)}"
    deadline = time.perf_counter() + timeout
    while waiting:
        states = {e["id"]: e["state"] for e in client.ok("GET", listing)["executions"] if e["id"] in waiting}
        for execution_id in waiting - states.keys():
            states[execution_id] = client.ok("GET", f"/executions/{execution_id}")["state"]
        for execution_id, state in states.items():
            if state in FINAL and state != "SUCCESS":
                raise _failed(client, execution_id, state)
        waiting -= {i for i, state in states.items() if state == "SUCCESS"}
        if waiting and time.perf_counter() > deadline:
            raise ScenarioFailed(f"{len(waiting)} of {count} executions not finished after {timeout}s")
        if waiting:
            time.sleep(poll)
    return time.perf_counter() - began


# --- the scenarios ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Sizes:
    chain: int = 100
    fan: int = 50
    items: int = 500
    many: int = 200
    post_threads: int = 16
    latency_runs: int = 20


@dataclass(frozen=True)
class Scenario:
    """`prepare` uploads what a run needs and returns `run`, which returns the run's timings
    (one per execution) after checking its results."""

    name: str
    unit: str
    units: Callable[[Sizes], int]
    prepare: Callable[[Client, Sizes, float, float], Callable[[bool], list[float]]]


def _seq(client: Client, sizes: Sizes, poll: float, timeout: float) -> Callable[[bool], list[float]]:
    upload(client, chain("bench_seq100", sizes.chain))

    def run(warm_up: bool) -> list[float]:
        seconds, execution = timed_run(client, "bench_seq100", None, poll, timeout)
        expect_tasks(client, execution["id"], sizes.chain)
        return [seconds]
    return run


def _fan(client: Client, sizes: Sizes, poll: float, timeout: float) -> Callable[[bool], list[float]]:
    upload(client, fan_out_in("bench_fan50", sizes.fan))

    def run(warm_up: bool) -> list[float]:
        seconds, execution = timed_run(client, "bench_fan50", None, poll, timeout)
        expect_tasks(client, execution["id"], sizes.fan + 2)
        return [seconds]
    return run


def _items(client: Client, sizes: Sizes, poll: float, timeout: float) -> Callable[[bool], list[float]]:
    upload(client, echo_items("bench_items500"))
    xs = list(range(sizes.items))

    def run(warm_up: bool) -> list[float]:
        seconds, execution = timed_run(client, "bench_items500", {"xs": xs}, poll, timeout)
        results = (output_of(execution) or {}).get("results")
        if results != xs:
            raise ScenarioFailed(f"items500: output results {str(results)[:200]}, expected the input list")
        return [seconds]
    return run


def _many(client: Client, sizes: Sizes, poll: float, timeout: float) -> Callable[[bool], list[float]]:
    runs = iter(range(1, 1_000_000))

    def run(warm_up: bool) -> list[float]:
        # A workflow of its own per run keeps each run's list poll to its own executions.
        workflow = f"bench_many1_{time.time_ns()}_{next(runs)}"
        upload(client, single_noop(workflow))
        count = min(20, sizes.many) if warm_up else sizes.many
        return [start_many(client, workflow, count, sizes.post_threads, poll, timeout)]
    return run


def _latency(client: Client, sizes: Sizes, poll: float, timeout: float) -> Callable[[bool], list[float]]:
    upload(client, single_echo("bench_latency"))

    def run(warm_up: bool) -> list[float]:
        timings = []
        for _ in range(1 if warm_up else sizes.latency_runs):
            seconds, execution = timed_run(client, "bench_latency", None, poll, timeout)
            if output_of(execution) != {"said": "hello"}:
                raise ScenarioFailed(f"latency: output {execution.get('output')!r}, expected {{'said': 'hello'}}")
            timings.append(seconds)
        return timings
    return run


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("seq100", "tasks", lambda z: z.chain, _seq),
    Scenario("fan50", "tasks", lambda z: z.fan + 2, _fan),
    Scenario("items500", "items", lambda z: z.items, _items),
    Scenario("many1", "executions", lambda z: z.many, _many),
    Scenario("latency", "executions", lambda z: 1, _latency),
)}


# --- command line (the flags scripts/bench passes) --------------------------------------------

def _cpu_seconds(pids: list[int]) -> Callable[[], float]:
    """CPU of the server's process trees, from /proc (scripts/bench_lib/procfs)."""
    if not pids:
        return lambda: 0.0
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts" / "bench_lib"))
    import procfs

    return lambda: procfs.tree_cpu_seconds(pids)


def measure(scenario: Scenario, client: Client, sizes: Sizes, runs: int, poll: float, timeout: float,
            pids: list[int]) -> dict[str, Any]:
    """One untimed warm-up, then `runs` timed runs (latency: one run of many executions)."""
    run = scenario.prepare(client, sizes, poll, timeout)
    run(True)
    cpu = _cpu_seconds(pids)
    cpu_before, began = cpu(), time.perf_counter()
    times = [t for _ in range(1 if scenario.name == "latency" else runs) for t in run(False)]
    wall = time.perf_counter() - began
    median = statistics.median(times)
    units = scenario.units(sizes)
    result: dict[str, Any] = {"times_s": [round(t, 4) for t in times], "median_s": round(median, 4),
                              "units_per_run": units, "unit": scenario.unit, "rate_per_s": round(units / median, 2)}
    if scenario.name == "latency":
        ordered = sorted(times)
        result.update(min_s=round(ordered[0], 4), p90_s=round(ordered[int(0.9 * (len(ordered) - 1))], 4),
                      max_s=round(ordered[-1], 4))
    if pids:
        result.update(server_cpu_s=round(cpu() - cpu_before, 2), wall_s=round(wall, 2))
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", nargs="?", default="http://127.0.0.1:8989/v2")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-runs", type=int, default=Sizes.latency_runs)
    parser.add_argument("--many", type=int, default=Sizes.many)
    parser.add_argument("--post-threads", type=int, default=Sizes.post_threads)
    parser.add_argument("--poll", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=600.0, help="per execution, seconds")
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--pid", type=int, action="append", default=[], help="server process to charge CPU to")
    parser.add_argument("--json-out")
    args = parser.parse_args(argv)
    unknown = [n for n in args.only.split(",") if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {unknown}; choose from {','.join(SCENARIOS)}")
    sizes = Sizes(many=args.many, post_threads=args.post_threads, latency_runs=args.latency_runs)
    client = Client(args.base)
    report: dict[str, Any] = {"base_url": args.base, "runs": args.runs, "poll_s": args.poll, "scenarios": {}}
    for name in args.only.split(","):
        result = measure(SCENARIOS[name], client, sizes, args.runs, args.poll, args.timeout, args.pid)
        report["scenarios"][name] = result
        print(f"[{name}] median {result['median_s']:.3f} s, {result['rate_per_s']} {result['unit']}/s", file=sys.stderr)
    text = json.dumps(report, indent=2)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
