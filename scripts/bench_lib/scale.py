"""scripts/bench --scale: does the cost of a step grow with the execution's size?

Runs a mistral-lite node in this process (so a loop-lag probe can share its
event loop) and drives it over HTTP from a client thread:

  chain N     task_1 -> task_2 -> ... -> task_N, std.noop, on-success to the next
  fanout N    one start task whose on-success lists N parallel std.echo tasks
  items N     one task, with-items over N numbers, std.echo

After an untimed warm-up (a 20-task chain), for each: the upload's longest
event-loop stall, the execution's tasks/s (median of 3 runs up to 2,000
tasks; timed from its created_at to its updated_at as the server stored
them, so the client's poll interval does not count), the tasks/s over the first and the
last tenth of the tasks, and the longest stall while it ran. The probe is a
coroutine sleeping 10 ms in a loop that records its largest overshoot.

    scripts/bench --scale                               # chains 100, 2000, 20000; fanout and items 20000
    scripts/bench --scale --chains 100,2000 --fanout 1500 --items 0 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from mistral_lite import logs  # noqa: E402
from mistral_lite.config import Config  # noqa: E402
from mistral_lite.server import RunningServer  # noqa: E402
from mistral_lite.timestamps import STORED_FORMAT as STORED  # noqa: E402

PROBE_INTERVAL = 0.01
POLL = 0.05  # client poll of the execution state


def chain(name: str, n: int) -> str:
    lines = ["---", "version: '2.0'", f"{name}:", "  tasks:"]
    for i in range(1, n + 1):
        nxt = f", on-success: [task_{i + 1}]" if i < n else ""
        lines.append(f"    task_{i}: {{action: std.noop{nxt}}}")
    return "\n".join(lines) + "\n"


def fanout(name: str, n: int) -> str:
    lines = ["---", "version: '2.0'", f"{name}:", "  tasks:", "    start:", "      action: std.noop",
             "      on-success:"]
    lines += [f"        - task_{i}" for i in range(1, n + 1)]
    lines += [f"    task_{i}: {{action: std.echo output={i}}}" for i in range(1, n + 1)]
    return "\n".join(lines) + "\n"


def items(name: str, n: int) -> str:
    return (f"---\nversion: '2.0'\n{name}:\n  tasks:\n    each:\n"
            f"      with-items: x in <% range({n}) %>\n      action: std.echo output=<% $.x %>\n")


class LagProbe:
    """Sleeps PROBE_INTERVAL in a loop on the server's event loop; the largest overshoot is its longest stall."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(PROBE_INTERVAL)
            self.worst = max(self.worst, loop.time() - before - PROBE_INTERVAL)

    def take(self) -> float:
        """The longest stall since the last take, in ms."""
        worst, self.worst = self.worst, 0.0
        return round(worst * 1000, 1)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


class Client:
    """Blocking HTTP calls, made from a thread so the server's loop only serves."""

    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, method: str, path: str, body: bytes | None = None, text: bool = False,
             timeout: float = 600) -> Any:
        headers = {"Content-Type": "text/plain" if text else "application/json"}
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=timeout) as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def upload(self, text: str) -> None:
        self.call("POST", "/workflows", text.encode(), text=True)

    def run(self, workflow: str, timeout: float) -> dict[str, Any]:
        started = self.call("POST", "/executions", json.dumps({"workflow_name": workflow}).encode())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ex = self.call("GET", f"/executions/{started['id']}?fields=id,state")
            if ex["state"] in ("SUCCESS", "ERROR", "CANCELLED"):
                return ex
            time.sleep(POLL)
        raise TimeoutError(f"{workflow} not finished after {timeout} s")



def task_times(conn, catalog, execution_id: str) -> list[float]:
    """Each task's last update (s since the epoch), oldest first, read from the node's database."""
    found = conn.execute("SELECT updated_at FROM task_executions WHERE workflow_execution_id = ?", (execution_id,))
    return sorted(_seconds(stamp) for (stamp,) in found)


def lifetime(conn, catalog, execution_id: str) -> float:
    """Seconds from the execution's creation to its last update (its end), as the node stored them."""
    created, updated = conn.execute("SELECT created_at, updated_at FROM workflow_executions WHERE id = ?",
                                    (execution_id,)).fetchone()
    return _seconds(updated) - _seconds(created)


def _seconds(stamp: str) -> float:
    return datetime.strptime(stamp, STORED).timestamp()


def tenth_rates(times: list[float]) -> tuple[float | None, float | None]:
    """tasks/s over the first and the last tenth of the tasks."""
    k = len(times) // 10
    if k < 2:
        return None, None
    first, last = times[:k], times[-k:]
    rate = lambda span: round((len(span) - 1) / max(span[-1] - span[0], 1e-6), 1)  # noqa: E731
    return rate(first), rate(last)


async def measure(server: RunningServer, probe: LagProbe, kind: str, n: int, timeout: float,
                  runs: int) -> dict[str, Any]:
    """Upload once, then `runs` executions; the median one is reported (with the worst stall of all)."""
    loop = asyncio.get_running_loop()
    client = Client(f"http://127.0.0.1:{server.config.port}/v2")
    name = f"scale_{kind}_{n}"
    text = {"chain": chain, "fanout": fanout, "items": items}[kind](name, n)
    probe.take()
    t0 = time.perf_counter()
    await loop.run_in_executor(None, client.upload, text)
    upload_s = time.perf_counter() - t0
    upload_stall = probe.take()
    timed = []
    for _ in range(runs):
        ex = await loop.run_in_executor(None, client.run, name, timeout)
        timed.append((await server.node.read(lifetime, ex["id"]), ex))
    run_stall = probe.take()
    elapsed, ex = sorted(timed, key=lambda t: t[0])[len(timed) // 2]
    tasks = n + 1 if kind == "fanout" else (n if kind == "chain" else 1)
    units = n  # items for with-items, tasks otherwise
    result = {"case": f"{kind} {n}", "state": ex["state"], "runs": runs, "upload_bytes": len(text),
              "upload_s": round(upload_s, 3),
              "upload_stall_ms": upload_stall, "run_s": round(elapsed, 3),
              "units_per_s": round(units / max(elapsed, 1e-6), 1), "unit": "items" if kind == "items" else "tasks",
              "run_stall_ms": run_stall, "tasks": tasks}
    if kind == "chain":
        result["first_tenth_per_s"], result["last_tenth_per_s"] = tenth_rates(
            await server.node.read(task_times, ex["id"]))
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run_all(cases: list[tuple[str, int]], timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mistral-lite-scale-") as tmp:
        config = Config(port=free_port(), data_dir=tmp, log_level="warning", log_format="console",
                        max_body_size=64 * 1024 * 1024)
        server = RunningServer(config)
        await server.start()
        probe = LagProbe()
        probe.start()
        results = []
        try:
            await measure(server, probe, "chain", 20, timeout, 1)  # warm-up: imports, first parses
            for kind, n in cases:
                runs = 3 if n <= 2000 else 1  # short runs vary most
                result = await measure(server, probe, kind, n, timeout, runs)
                print(f"[scale] {json.dumps(result)}", file=sys.stderr, flush=True)
                results.append(result)
        finally:
            await probe.stop()
            await server.stop()
    chains = {r["case"]: r for r in results if r["case"].startswith("chain")}
    out: dict[str, Any] = {"results": results}
    sizes = sorted(n for kind, n in cases if kind == "chain")
    if len(sizes) >= 2:
        small, big = chains[f"chain {sizes[0]}"], chains[f"chain {sizes[-1]}"]
        out["ratio"] = {"small": sizes[0], "big": sizes[-1],
                        "tasks_per_s_small_over_big": round(small["units_per_s"] / max(big["units_per_s"], 1e-6), 2)}
    return out


def table(out: dict[str, Any]) -> str:
    lines = ["| case | state | tasks/s (items/s) | run s | first / last tenth tasks/s | upload stall ms "
             "| stall while running ms |", "|---|---|---|---|---|---|---|"]
    for r in out["results"]:
        tenths = (f"{r['first_tenth_per_s']} / {r['last_tenth_per_s']}"
                  if r.get("first_tenth_per_s") is not None else "-")
        lines.append(f"| {r['case']} | {r['state']} | {r['units_per_s']:,} {r['unit']}/s | {r['run_s']} | {tenths} "
                     f"| {r['upload_stall_ms']} | {r['run_stall_ms']} |")
    if "ratio" in out:
        ratio = out["ratio"]
        lines.append(f"\nchain {ratio['small']} runs {ratio['tasks_per_s_small_over_big']}x the tasks/s of "
                     f"chain {ratio['big']} (target: at most 2x)")
    return "\n".join(lines)


def sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip() and int(s) > 0]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="scripts/bench --scale", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chains", default="100,2000,20000", help="chain sizes, comma-separated (default 100,2000,20000)")
    ap.add_argument("--fanout", default="20000", help="fan-out widths, comma-separated (default 20000; 0: none)")
    ap.add_argument("--items", default="20000", help="with-items sizes, comma-separated (default 20000; 0: none)")
    ap.add_argument("--timeout", type=float, default=1800, help="bound on one execution in seconds (default 1800)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    a = ap.parse_args(argv)
    logs.configure("warning", "console")
    cases = ([("chain", n) for n in sizes(a.chains)] + [("fanout", n) for n in sizes(a.fanout)]
             + [("items", n) for n in sizes(a.items)])
    out = asyncio.run(run_all(cases, a.timeout))
    print(json.dumps(out, indent=2) if a.json else table(out))
    return 0 if all(r["state"] == "SUCCESS" for r in out["results"]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
