#!/usr/bin/env python3
"""Micro-benchmark of the pure engine: no server, no SQLite, no HTTP, no executor.

Drives `mistral_lite.engine.engine.Engine` through the unit tests' harness
(tests/unit/engine/harness.py: events in, rows and effects out, std actions
answered from a table), so it follows the engine's API as the harness does.

Cases (the same workflows as the anchor's bench.py):
  seq100    100 std.noop tasks chained with on-success
  items500  one task, with-items over 500 numbers, std.echo, results published
            and returned as output (skipped, with the reason, if the engine
            cannot run with-items yet)
  seq2000, seq20000  (only when asked with --cases) the same chain, longer:
            their tasks/s against seq100's shows whether a step's cost grows
            with the execution

Each case: --warmup untimed executions, then --repeat timed ones (a fresh
Harness each, so the rows start empty; parsing the document is not timed).
Reported: median wall time of one execution, engine steps per second (one
step = one event handled: StartWorkflow, ActionFinished, ...), tasks or items
per second, and microseconds per step.

    .venv/bin/python benchmarks/engine_micro.py [--repeat 5] [--warmup 1] [--json] [--profile CASE]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mistral_lite import logs
from mistral_lite.engine import states
from tests.unit.engine.harness import Harness


def wf_seq(name: str, n: int) -> str:
    lines = ["---", "version: '2.0'", name + ":", "  type: direct", "  tasks:"]
    for i in range(1, n + 1):
        lines += [f"    t{i}:", "      action: std.noop"]
        if i < n:
            lines += ["      on-success:", f"        - t{i + 1}"]
    return "\n".join(lines) + "\n"


def wf_items(name: str) -> str:
    return f"""---
version: '2.0'
{name}:
  type: direct
  input:
    - xs
  output:
    results: <% $.results %>
  tasks:
    echo_all:
      with-items: x in <% $.xs %>
      action: std.echo output=<% $.x %>
      publish:
        results: <% task().result %>
"""


class Case:
    def __init__(self, name: str, document: str, workflow: str, wf_input: dict | None, units: int, unit: str,
                 check: Callable[[Harness, str], str | None]) -> None:
        self.name, self.document, self.workflow, self.input = name, document, workflow, wf_input
        self.units, self.unit, self.check = units, unit, check


def _state_problem(h: Harness, ex_id: str) -> str | None:
    ex = h.execution(ex_id)
    if ex["state"] != states.SUCCESS:
        return f"execution ended {ex['state']}: {str(ex.get('state_info'))[:300]}"
    return None


def check_seq(n: int) -> Callable[[Harness, str], str | None]:
    def check(h: Harness, ex_id: str) -> str | None:
        problem = _state_problem(h, ex_id)
        if problem:
            return problem
        tasks = h.task_states(ex_id)
        if len(tasks) != n or any(s != states.SUCCESS for _, s in tasks):
            return f"{len(tasks)} tasks (expected {n} SUCCESS): {tasks[:3]}..."
        return None
    return check


def check_items(xs: list[int]) -> Callable[[Harness, str], str | None]:
    def check(h: Harness, ex_id: str) -> str | None:
        problem = _state_problem(h, ex_id)
        if problem:
            return problem
        out = h.execution(ex_id).get("output")
        if isinstance(out, str):
            out = json.loads(out)
        got = out.get("results") if isinstance(out, dict) else None
        if got != xs:
            return f"output wrong: {str(out)[:200]}"
        return None
    return check


def cases() -> list[Case]:
    xs = list(range(500))
    return [
        Case("seq100", wf_seq("micro_seq100", 100), "micro_seq100", None, 100, "tasks", check_seq(100)),
        Case("items500", wf_items("micro_items500"), "micro_items500", {"xs": xs}, 500, "items", check_items(xs)),
    ] + [  # not run by default: does a step cost more in a long execution? (compare tasks/s with seq100)
        Case(f"seq{n}", wf_seq(f"micro_seq{n}", n), f"micro_seq{n}", None, n, "tasks", check_seq(n))
        for n in (2000, 20000)
    ]


def run_once(case: Case) -> tuple[float, int, str | None]:
    """One execution on a fresh harness -> (seconds, engine steps, problem or None)."""
    h = Harness(case.document)
    steps = 0
    step = h.engine.step

    def counting_step(*a, **kw):
        nonlocal steps
        steps += 1
        return step(*a, **kw)

    h.engine.step = counting_step
    t0 = time.perf_counter()
    ex_id = h.start(case.workflow, case.input, run=False)
    h.run(limit=10**7)
    elapsed = time.perf_counter() - t0
    return elapsed, steps, case.check(h, ex_id)


def probe(case: Case) -> str | None:
    """Why the engine cannot run this case today (None: it can)."""
    try:
        _, _, problem = run_once(case)
    except Exception as e:  # noqa: BLE001 -- an engine that rejects the case outright
        return f"{type(e).__name__}: {e}"
    return problem


def measure(case: Case, repeat: int, warmup: int) -> dict[str, Any]:
    problem = probe(case)
    if problem is not None:
        return {"case": case.name, "skipped": True, "reason": problem}
    for _ in range(max(0, warmup - 1)):  # the probe was the first warm-up
        run_once(case)
    times, steps = [], 0
    for _ in range(repeat):
        t, steps, problem = run_once(case)
        if problem:
            return {"case": case.name, "skipped": True, "reason": f"wrong result while timing: {problem}"}
        times.append(t)
    med = statistics.median(times)
    return {
        "case": case.name, "skipped": False, "repeat": repeat, "times_s": [round(t, 5) for t in times],
        "median_s": round(med, 5), "min_s": round(min(times), 5), "steps": steps,
        "steps_per_s": round(steps / med, 1), "units": case.units, "unit": case.unit,
        "units_per_s": round(case.units / med, 1), "us_per_step": round(1e6 * med / steps, 1),
    }


def profile(case: Case, top: int) -> str:
    problem = probe(case)
    if problem is not None:
        return f"{case.name}: skipped, {problem}\n"
    prof = cProfile.Profile()
    prof.enable()
    run_once(case)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("tottime")
    stats.print_stats(top)
    return buf.getvalue()


def table(results: list[dict[str, Any]]) -> str:
    rows = ["| case | median s per execution | engine steps | steps/s | units/s | µs/step |",
            "|---|---|---|---|---|---|"]
    notes = []
    for r in results:
        if r["skipped"]:
            rows.append(f"| {r['case']} | skipped | - | - | - | - |")
            notes.append(f"{r['case']} skipped (the engine cannot run this workflow yet): {r['reason']}")
        else:
            rows.append(f"| {r['case']} | {r['median_s']:.4f} | {r['steps']} | {r['steps_per_s']:,.0f} | "
                        f"{r['units_per_s']:,.0f} {r['unit']}/s | {r['us_per_step']:.1f} |")
    return "\n".join(rows) + "\n" + "".join(f"\n{n}" for n in notes) + ("\n" if notes else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Steps per second of the pure engine (no I/O).")
    ap.add_argument("--repeat", type=int, default=5, help="timed executions per case (median reported; default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed executions first (default 1)")
    ap.add_argument("--cases", default="seq100,items500",
                    help="comma-separated: seq100,items500 (default), seq2000, seq20000")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--profile", metavar="CASE", help="run CASE once under cProfile and print the top entries")
    ap.add_argument("--top", type=int, default=25, help="entries shown by --profile (default 25)")
    a = ap.parse_args(argv)
    logs.configure("warning", "console")
    chosen = [c for c in cases() if c.name in a.cases.split(",")]
    if a.profile:
        found = [c for c in cases() if c.name == a.profile]
        if not found:
            ap.error(f"unknown case {a.profile}")
        print(profile(found[0], a.top))
        return 0
    results = [measure(c, a.repeat, a.warmup) for c in chosen]
    if a.json:
        print(json.dumps({"python": platform.python_version(), "nproc": len(os.sched_getaffinity(0)),
                          "results": results}, indent=2))
    else:
        print(table(results), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
