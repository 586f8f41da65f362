"""scripts/bench --cluster: the three-node cluster against a single node in the same run, and failover time.

1. A single node and a three-node cluster (all on 127.0.0.1, fresh data
   directories) each run the same scenarios (default seq100 and many1) with
   the project's client; the table gives both medians, their ratio, and log
   entries applied per second of a timed run (each engine step is one entry;
   given for scenarios whose warm-up run has the size of a timed one), and
   engine throughput: log entries applied per second while 200 executions
   of a 10-task chain run at once.
2. Failover: an execution of short sequential tasks runs on the cluster; the
   leader is killed with SIGKILL; the failover time is from the kill to the
   creation time of the first task created after it, read from a surviving
   node's SQLite (timestamps to the microsecond). The killed node is started
   again before the next trial, so leadership moves around. Median and max.
Standard library only (plus runner.py beside it).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import runner  # noqa: E402  (the scenario driver and the single-node target)

ROOT = runner.ROOT
CHAIN_TASKS = 400
CHAIN = "\n".join(
    ["version: '2.0'", "failover_chain:", "  tasks:"]
    + [f"    t{i}:\n      action: std.sleep seconds=<% 0.01 %>\n      safe-rerun: true"
       + (f"\n      on-success: [t{i + 1}]" if i + 1 < CHAIN_TASKS else "") for i in range(CHAIN_TASKS)]
) + "\n"


STEPS_TASKS = 10
STEPS = "\n".join(
    ["version: '2.0'", "steps_chain:", "  tasks:"]
    + [f"    t{i}:\n      action: std.noop" + (f"\n      on-success: [t{i + 1}]" if i + 1 < STEPS_TASKS else "")
       for i in range(STEPS_TASKS)]
) + "\n"


def log(msg: str) -> None:
    print(f"[bench-cluster {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def http(method: str, url: str, body: Any = None, text: str | None = None, timeout: float = 10) -> tuple[int, Any]:
    data, headers = None, {}
    if text is not None:
        data, headers = text.encode(), {"Content-Type": "text/plain"}
    elif body is not None:
        data, headers = json.dumps(body).encode(), {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")
    except (urllib.error.URLError, OSError):
        return 0, None


class Node:
    def __init__(self, index: int, root: Path, api: list[int], raft: list[int], secret: str, outdir: Path) -> None:
        self.index = index
        self.port = api[index]
        self.raft = f"127.0.0.1:{raft[index]}"
        self.data_dir = root / f"node{index + 1}"
        self.log_path = outdir / f"cluster-node{index + 1}.log"
        peers = ",".join(f"127.0.0.1:{raft[j]}=http://127.0.0.1:{api[j]}" for j in range(len(api)) if j != index)
        self.cmd = [str(ROOT / ".venv" / "bin" / "mistral-lite"), "serve", "--port", str(self.port),
                    "--data-dir", str(self.data_dir), "--node-id", f"node{index + 1}", "--raft-address", self.raft,
                    "--peers", peers, "--log-level", "warning"]
        self.env = {**os.environ, "MISTRAL_LITE_CLUSTER_SECRET": secret}
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2"

    def start(self) -> None:
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT, cwd=str(ROOT), env=self.env,
                                         start_new_session=True)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def health(self) -> dict[str, Any] | None:
        status, body = http("GET", f"http://127.0.0.1:{self.port}/health", timeout=1)
        return body if status in (200, 503) and isinstance(body, dict) else None

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


class Cluster:
    """Three nodes as a scenario target (runner.bench_scenarios drives it through the leader's API)."""

    name = "cluster"

    def __init__(self, outdir: Path, keep_data: bool) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mistral-lite-bench-cluster-"))
        self.keep_data = keep_data
        api = [runner.free_port() for _ in range(3)]
        raft = [runner.free_port() for _ in range(3)]
        secret = secrets.token_urlsafe(24)
        self.nodes = [Node(i, self.root, api, raft, secret, outdir) for i in range(3)]
        self.base = self.nodes[0].base
        self.info: dict[str, Any] = {"data_root": str(self.root)}

    def roots(self) -> list[int]:
        return [n.proc.pid for n in self.nodes if n.alive()]

    def exact_peak(self) -> bool:
        return False

    def leader(self, timeout: float = 30.0) -> Node:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            best = None
            for node in self.nodes:
                health = node.health() if node.alive() else None
                if health and health.get("role") == "leader" and (best is None or health.get("term", 0) > best[1]):
                    best = (node, health.get("term", 0))
            if best is not None:
                return best[0]
            time.sleep(0.02)
        raise RuntimeError(f"no leader within {timeout:.0f} s")

    def caught_up(self, node: Node, timeout: float = 30.0) -> None:
        """Wait until a (re)started node has applied what the leader has: the next trial needs all three."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mine, lead = node.health(), self.leader().health()
            if mine and lead and mine.get("applied_index", -1) >= lead.get("applied_index", 0):
                return
            time.sleep(0.05)
        raise RuntimeError(f"node{node.index + 1} did not catch up within {timeout:.0f} s")

    def start(self) -> None:
        t0 = time.monotonic()
        for node in self.nodes:
            if not node.alive():
                node.start()
        leader = self.leader()
        self.base = leader.base
        self.info.setdefault("startup_s", round(time.monotonic() - t0, 3))
        log(f"cluster up, leader node{leader.index + 1} ({self.base})")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        if not self.keep_data:
            import shutil
            shutil.rmtree(self.root, ignore_errors=True)


def applied(target: Any) -> int:
    """Log entries applied so far on the target (one per engine step or request; a Raft command may carry
    several), counted in its database."""
    data_dir = target.data_dir if hasattr(target, "data_dir") else target.nodes[0].data_dir
    conn = sqlite3.connect(f"file:{data_dir / 'mistral-lite.sqlite'}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT COUNT(*) FROM applied_entries").fetchone()[0]
    finally:
        conn.close()


# Scenarios whose untimed warm-up run is the same size as a timed one, so entries per run are known.
SAME_SIZE_WARM_UP = ("seq100", "fan50", "items500")


def entries_per_second(result: dict[str, Any], runs: int) -> dict[str, float]:
    """Log entries (engine steps and requests) applied per second of a timed run."""
    rates = {}
    for name, entry in result["scenarios"].items():
        if name in SAME_SIZE_WARM_UP and entry.get("ok") and entry.get("entries") and entry.get("median_s"):
            rates[name] = round(entry["entries"] / (runs + 1) / entry["median_s"], 1)
    return rates


def bench_target(target: Any, args: argparse.Namespace, passthrough: list[str], outdir: Path) -> dict[str, Any]:
    """The scenarios, one at a time, noting how many log entries each one applied."""
    result: dict[str, Any] = {"scenarios": {}}
    for name in args.scenario_list:
        before = applied(target)
        one = argparse.Namespace(**{**vars(args), "scenario_list": [name]})
        got = runner.bench_scenarios(target, one, passthrough, outdir, sys.executable)
        entry = got["scenarios"][name]
        entry["entries"] = applied(target) - before
        result["scenarios"][name] = entry
    result["entries_per_s"] = entries_per_second(result, args.runs)
    result["steps"] = [steps_per_second(target, args.steps_executions, 8, 300.0) for _ in range(args.runs)]
    return result


def steps_per_second(target: Any, executions: int, threads: int, timeout: float) -> dict[str, Any]:
    """Engine throughput: many executions of a 10-task chain at once; log entries applied per second."""
    from concurrent.futures import ThreadPoolExecutor

    http("POST", target.base + "/workflows", text=STEPS)
    before, t0 = applied(target), time.monotonic()

    def start(_: int) -> str:
        status, body = http("POST", target.base + "/executions", {"workflow_name": "steps_chain"})
        if status != 201:
            raise RuntimeError(f"could not start an execution: {status} {body}")
        return body["id"]

    with ThreadPoolExecutor(threads) as pool:
        ids = list(pool.map(start, range(executions)))
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        _, page = http("GET", target.base + "/executions?fields=state&sort_keys=created_at&sort_dirs=desc&limit=1000")
        states = [e["state"] for e in (page or {}).get("executions", []) if e["id"] in set(ids)]
        if len(states) == len(ids) and all(s in ("SUCCESS", "ERROR", "CANCELLED") for s in states):
            break
        time.sleep(0.05)
    else:
        raise RuntimeError(f"steps: executions not finished within {timeout:.0f} s")
    elapsed = time.monotonic() - t0
    entries = applied(target) - before
    ok = all(s == "SUCCESS" for s in states)
    log(f"{target.name}: {entries} entries in {elapsed:.2f} s = {entries / elapsed:.0f}/s ({'ok' if ok else 'FAILED'})")
    return {"ok": ok, "executions": executions, "entries": entries, "seconds": round(elapsed, 3),
            "entries_per_s": round(entries / elapsed, 1)}


def first_task_after(db: Path, since: datetime) -> datetime | None:
    stamp = since.strftime("%Y-%m-%d %H:%M:%S.%f")
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute("SELECT MIN(created_at) FROM task_executions WHERE created_at > ?", (stamp,)).fetchone()
    finally:
        conn.close()
    if not row or row[0] is None:
        return None
    return datetime.strptime(row[0], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)


def failover_trials(cluster: Cluster, trials: int, timeout: float) -> list[float]:
    leader = cluster.leader()
    status, body = http("POST", leader.base + "/workflows", text=CHAIN)
    if status != 201:
        raise RuntimeError(f"could not upload the failover workflow: {status} {body}")
    times: list[float] = []
    for trial in range(trials):
        leader = cluster.leader()
        status, execution = http("POST", leader.base + "/executions", {"workflow_name": "failover_chain"})
        if status != 201:
            raise RuntimeError(f"could not start the failover execution: {status} {execution}")
        time.sleep(0.3)  # let it run a few tasks first
        killed_at = datetime.now(timezone.utc)
        leader.kill()
        survivor = next(n for n in cluster.nodes if n.alive())
        deadline = time.monotonic() + timeout
        found = None
        while found is None and time.monotonic() < deadline:
            found = first_task_after(survivor.data_dir / "mistral-lite.sqlite", killed_at)
            if found is None:
                time.sleep(0.01)
        if found is None:
            raise RuntimeError(f"trial {trial + 1}: no task started within {timeout:.0f} s of killing the leader")
        seconds = (found - killed_at).total_seconds()
        times.append(seconds)
        log(f"failover trial {trial + 1}/{trials}: {seconds:.3f} s (killed node{leader.index + 1})")
        http("PUT", cluster.leader().base + f"/executions/{execution['id']}", {"state": "CANCELLED"})
        leader.start()
        cluster.caught_up(leader)
    return times


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    ap = argparse.ArgumentParser(prog="scripts/bench --cluster", allow_abbrev=False,
                                 description="A three-node cluster against a single node, and failover time.")
    ap.add_argument("--scenarios", default="seq100,many1")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--trials", type=int, default=20, help="failover trials (default 20)")
    ap.add_argument("--failover-timeout", type=float, default=30.0)
    ap.add_argument("--steps-executions", type=int, default=200,
                    help="executions of a 10-task chain started at once for the steps/s figure (default 200)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--keep-data", action="store_true")
    args, passthrough = ap.parse_known_args(argv)
    args.scenario_list = [s for s in args.scenarios.split(",") if s]
    args.client = str(ROOT / "benchmarks" / "scenarios.py")
    args.idle_seconds = 1.0
    args.scenario_timeout = 1200.0
    args.latency_poll = runner.DEFAULT_LATENCY_POLL
    passthrough = ["--runs", str(args.runs), *passthrough]
    return args, passthrough


def table(single: dict[str, Any], cluster: dict[str, Any], failover: list[float], args: argparse.Namespace) -> str:
    rows = ["| scenario | single node median s | cluster median s | cluster / single | "
            "entries/s single | entries/s cluster |", "|---|---|---|---|---|---|"]
    for name in args.scenario_list:
        s, c = single["scenarios"][name], cluster["scenarios"][name]
        ratio = f"{c['median_s'] / s['median_s']:.2f}" if s.get("ok") and c.get("ok") else "n/a"
        rows.append(f"| {name} | {s.get('median_s', 'FAILED')} | {c.get('median_s', 'FAILED')} | {ratio} | "
                    f"{single['entries_per_s'].get(name, 'n/a')} | {cluster['entries_per_s'].get(name, 'n/a')} |")
    text = "\n".join(rows) + "\n"
    rates = {part: statistics.median(r["entries_per_s"] for r in report_part["steps"])
             for part, report_part in (("single", single), ("cluster", cluster))}
    text += (f"\nengine steps/s ({args.steps_executions} executions of a {STEPS_TASKS}-task chain at once, "
             f"log entries applied per second, median of {args.runs}): single {rates['single']:.0f}, "
             f"cluster {rates['cluster']:.0f} (cluster / single {rates['cluster'] / rates['single']:.2f})\n")
    if failover:
        text += (f"\nfailover (kill -9 leader → next task starts), {len(failover)} trials: "
                 f"median {statistics.median(failover):.3f} s, max {max(failover):.3f} s, "
                 f"min {min(failover):.3f} s\n")
    return text


def main(argv: list[str]) -> int:
    args, passthrough = parse(argv)
    outdir = Path(args.out) if args.out else ROOT / "bench-results" / ("cluster-" + time.strftime("%Y%m%d-%H%M%S"))
    outdir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"revision": runner.git_revision(), "machine": runner.machine(), "runs": args.runs}
    single = runner.MistralLite(outdir, args.keep_data)
    try:
        single.start()
        report["single"] = bench_target(single, args, passthrough, outdir)
    finally:
        single.stop()
    cluster = Cluster(outdir, args.keep_data)
    try:
        cluster.start()
        report["cluster"] = bench_target(cluster, args, passthrough, outdir)
        report["failover_s"] = failover_trials(cluster, args.trials, args.failover_timeout) if args.trials else []
    finally:
        cluster.stop()
    text = table(report["single"], report["cluster"], report["failover_s"], args)
    (outdir / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    (outdir / "bench.md").write_text(f"# Cluster benchmark {outdir.name}\n\n{text}")
    print(text)
    print(f"results: {outdir}")
    ok = all(r.get("ok") for part in ("single", "cluster")
             for r in [*report[part]["scenarios"].values(), *report[part]["steps"]])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
