#!/usr/bin/env python3
"""Expression bombs: how long each one holds the evaluating thread and how much memory it takes.

Each bomb is evaluated with ``mistral_lite.expr.evaluate`` in a child process
of its own, capped by ``RLIMIT_AS`` (``--memory-mb``, 2048) and killed after
``--timeout`` seconds (20), so a bomb can never take the machine down. For
each: the outcome (the error's first words, or "killed after N s", or
MemoryError at the cap), the wall time of the evaluation and the child's peak
RSS. Run it against any checkout through PYTHONPATH:

    PYTHONPATH=/path/to/checkout .venv/bin/python benchmarks/expression_bombs.py [--only yaml] [--json]

With --health each bomb runs instead as a workflow on a `mistral-lite serve`
process while a thread polls /health every 5 ms: the execution's final
state, its duration and the slowest /health answer meanwhile.

(PYTHONPATH must be absolute: the children run in the temporary directory.
The bombs themselves are tests/support/bombs.py, shared with the tests.)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.bombs import BOMBS  # noqa: E402 -- after the path is set
from tests.support.process import ServerProcess  # noqa: E402

_CHILD = r"""
import json, resource, sys, time
limit = int(sys.argv[1]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from mistral_lite.expr import evaluate
expression, data = json.loads(sys.stdin.read())
t0 = time.perf_counter()
try:
    value = evaluate(expression, data)
    outcome = f"returned {type(value).__name__} of {len(value) if hasattr(value, '__len__') else 1}"
except MemoryError:
    outcome = "MemoryError at the RLIMIT_AS cap"
except Exception as e:
    outcome = f"{type(e).__name__}: {str(e)[:150]}"
elapsed = time.perf_counter() - t0
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"outcome": outcome, "seconds": round(elapsed, 4), "peak_rss_mb": round(peak_mb, 1)}))
"""


def run_bomb(expression: str, data: dict, timeout: float, memory_mb: int) -> dict:
    t0 = time.perf_counter()
    try:
        # cwd: `python -c` puts the working directory first on sys.path; only PYTHONPATH may choose the checkout.
        done = subprocess.run([sys.executable, "-c", _CHILD, str(memory_mb)], input=json.dumps([expression, data]),
                              capture_output=True, text=True, timeout=timeout, cwd=tempfile.gettempdir())
    except subprocess.TimeoutExpired:
        return {"outcome": f"killed after {timeout:g} s (still running)", "seconds": None, "peak_rss_mb": None}
    if done.returncode != 0 or not done.stdout.strip():
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"outcome": f"child died (rc {done.returncode}): {tail[:150]}",
                "seconds": round(time.perf_counter() - t0, 3), "peak_rss_mb": None}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _http(method: str, url: str, body: object = None, text: str | None = None, timeout: float = 30) -> object:
    data, headers = None, {}
    if text is not None:
        data, headers = text.encode(), {"Content-Type": "text/plain"}
    elif body is not None:
        data, headers = json.dumps(body).encode(), {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def health_during_bombs(timeout: float, memory_mb: int, only: str | None) -> list[dict]:
    """One bomb at a time as a workflow on a server process; /health polled from a thread meanwhile."""
    from tests.integration.test_expression_bombs import bomb_workflows

    results = []
    with tempfile.TemporaryDirectory(prefix="bombs-") as tmp:
        server = ServerProcess(Path(tmp) / "data", memory_cap_mb=memory_mb).start()
        try:
            _http("POST", server.url + "/workflows", text=bomb_workflows())
            for number, bomb in enumerate(BOMBS):
                if only and only not in bomb.name:
                    continue
                latencies: list[float] = []
                done = threading.Event()

                def poll() -> None:
                    while not done.is_set():
                        start = time.perf_counter()
                        try:
                            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/health", timeout=timeout).read()
                        except OSError:
                            latencies.append(float("inf"))
                            return
                        latencies.append(time.perf_counter() - start)
                        time.sleep(0.005)

                poller = threading.Thread(target=poll)
                poller.start()
                start = time.perf_counter()
                execution = _http("POST", server.url + "/executions", {"workflow_name": f"bomb{number}",
                                                                       "input": bomb.data}, timeout=timeout)
                state = execution["state"]
                while state not in ("SUCCESS", "ERROR") and time.perf_counter() - start < timeout:
                    time.sleep(0.01)
                    state = _http("GET", server.url + f"/executions/{execution['id']}")["state"]
                elapsed = time.perf_counter() - start
                done.set()
                poller.join()
                results.append({"bomb": bomb.name, "state": state, "seconds": round(elapsed, 3),
                                "health_polls": len(latencies),
                                "slowest_health_ms": round(max(latencies, default=0) * 1000, 1)})
        finally:
            server.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--only", help="substring of the bomb names to run")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--health", action="store_true",
                        help="run each bomb as a workflow on a server process and report the slowest /health answer")
    args = parser.parse_args(argv)
    if args.health:
        for row in health_during_bombs(args.timeout, max(args.memory_mb, 4096), args.only):
            print(f"| {row['bomb']} | {row['state']} | {row['seconds']:.3f} | {row['health_polls']} | "
                  f"{row['slowest_health_ms']:.0f} |", flush=True)
        return 0
    results = []
    for bomb in BOMBS:
        name = bomb.name
        if args.only and args.only not in name:
            continue
        result = {"bomb": name, **run_bomb(bomb.expression, bomb.data, args.timeout, args.memory_mb)}
        results.append(result)
        if not args.json:
            seconds = "-" if result["seconds"] is None else f"{result['seconds']:.3f}"
            rss = "-" if result["peak_rss_mb"] is None else f"{result['peak_rss_mb']:.0f}"
            print(f"| {name} | {seconds} | {rss} | {result['outcome']} |", flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
