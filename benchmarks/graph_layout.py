#!/usr/bin/env python3
"""Time of the web UI's layered layout (mistral_lite/graph/layout.py) on Mistral-like graphs.

Each task has one or two predecessors among the eight before it and 2 % of tasks loop back up to
twenty tasks (edges ≈ 1.35 × tasks). Reported: the median of --repeat runs of the layout alone, and of
the whole answer of GET /v2/workflows/{id}/graph from a parsed spec (graph, layout, JSON values).

    .venv/bin/python benchmarks/graph_layout.py [--sizes 1000,5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from mistral_lite.api.graphs import laid_out
from mistral_lite.graph.definition import build
from mistral_lite.graph.layout import layout
from mistral_lite.lang.specs import Clause, Target, TaskSpec, WorkflowSpec


def synthetic_edges(count: int, seed: int = 1) -> list[tuple[int, int]]:
    rnd = random.Random(seed)
    edges = [(max(0, v - rnd.randint(1, 8)), v) for v in range(1, count) for _ in range(rnd.choice((1, 1, 2)))]
    edges += [(a, max(0, a - rnd.randint(1, 20))) for a in (rnd.randrange(count) for _ in range(count // 50))]
    return edges


def synthetic_spec(count: int) -> WorkflowSpec:
    targets: dict[int, list[int]] = {}
    for s, t in synthetic_edges(count):
        if t not in targets.setdefault(s, []):
            targets[s].append(t)
    tasks = {f"t{n}": TaskSpec(f"t{n}", action="std.noop",
                               on_success=Clause(tuple(Target(f"t{t}") for t in targets.get(n, ()))) or None)
             for n in range(count)}
    return WorkflowSpec("synthetic", tasks=tasks)


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| tasks | edges | layout (ms) | graph answer (ms) |\n|---|---|---|---|")
    for count in (int(s) for s in args.sizes.split(",")):
        edges = synthetic_edges(count)
        spec = synthetic_spec(count)
        alone = median_ms(lambda: layout(count, edges), args.repeat)
        answer = median_ms(lambda: laid_out(build(spec)), args.repeat)
        print(f"| {count:,} | {len(edges):,} | {alone:.0f} | {answer:.0f} |")


if __name__ == "__main__":
    main()
