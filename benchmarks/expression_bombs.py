#!/usr/bin/env python3
"""Expression bombs: how long each one holds the evaluating thread and how much memory it takes.

Each bomb is evaluated with ``mistral_lite.expr.evaluate`` in a child process
of its own, capped by ``RLIMIT_AS`` (``--memory-mb``, 2048) and killed after
``--timeout`` seconds (20), so a bomb can never take the machine down. For
each: the outcome (the error's first words, or "killed after N s", or
MemoryError at the cap), the wall time of the evaluation and the child's peak
RSS. Run it against any checkout through PYTHONPATH:

    PYTHONPATH=/work/main .venv/bin/python benchmarks/expression_bombs.py
    PYTHONPATH=. .venv/bin/python benchmarks/expression_bombs.py --json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [" + ", ".join(["*" + chr(ord('a') + i - 1)] * 9) + "]"
       for i in range(1, 9)]
) + "\n"

DEEP_JSON = "[" * 100_000 + "]" * 100_000

# name -> (expression, data)
BOMBS: dict[str, tuple[str, dict]] = {
    "yaql range(1e9)": ("<% range(1000000000) %>", {}),
    "yaql pow(10, 1e8)": ("<% pow(10, 100000000) %>", {}),
    "yaql 'x' * 1e9": ("<% 'x' * 1000000000 %>", {}),
    "yaql 'x'.repeat(1e9)": ("<% 'x'.repeat(1000000000) %>", {}),
    "yaql shiftBitsLeft(1, 1e10)": ("<% shiftBitsLeft(1, 10000000000) %>", {}),
    "yaql yaml_parse billion laughs": ("<% yaml_parse($.doc) %>", {"doc": BILLION_LAUGHS}),
    "yaql json_parse 100k deep": ("<% json_parse($.doc) %>", {"doc": DEEP_JSON}),
    "jinja 'x' * 1e9": ("{{ 'x' * 1000000000 }}", {}),
    "jinja 10 ** 1e8": ("{{ 10 ** 100000000 }}", {}),
    "jinja [1] * 1e9": ("{{ [1] * 1000000000 }}", {}),
    "jinja nested loops": (
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", {}),
    "jinja yaml_parse billion laughs": ("{{ yaml_parse(_.doc) }}", {"doc": BILLION_LAUGHS}),
}

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
    for name, (expression, data) in BOMBS.items():
        if args.only and args.only not in name:
            continue
        result = {"bomb": name, **run_bomb(expression, data, args.timeout, args.memory_mb)}
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
