#!/usr/bin/env python3
"""Expression bombs: how long each one holds the evaluating thread and how much memory it takes.

Each bomb is evaluated with ``mistral_lite.expr.evaluate`` in a child process
of its own, capped by ``RLIMIT_AS`` (``--memory-mb``, 2048) and killed after
``--timeout`` seconds (20), so a bomb can never take the machine down. For
each: the outcome (the error's first words, or "killed after N s", or
MemoryError at the cap), the wall time of the evaluation and the child's peak
RSS. Run it against any checkout through PYTHONPATH:

    PYTHONPATH=/path/to/checkout .venv/bin/python benchmarks/expression_bombs.py [--only yaml] [--json]

(PYTHONPATH must be absolute: the children run in the temporary directory.
The bombs themselves are tests/support/bombs.py, shared with the tests.)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.bombs import BOMBS  # noqa: E402 -- after the path is set

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--only", help="substring of the bomb names to run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
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
