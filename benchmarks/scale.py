"""Scale check: does a database full of finished executions slow a node down?

Starts a fresh server (its own process and data directory), measures how
long it takes to start a 1-task execution and to list the newest 100
executions (what `mistral execution-list` asks), then fills the database
with N completed 10-task executions and measures both again. Also reports
the data directory's size per completed 10-task execution.

    .venv/bin/python benchmarks/scale.py            # N = 10000
    .venv/bin/python benchmarks/scale.py --executions 1000 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.process import ServerProcess  # noqa: E402

TEN = "---\nversion: '2.0'\nten:\n  tasks:\n" + "".join(
    f"    t{i}: {{action: std.noop{', on-success: [t%d]' % (i + 1) if i < 9 else ''}}}\n" for i in range(10)
)
ONE = "---\nversion: '2.0'\none:\n  tasks:\n    t: {action: std.noop}\n"
LIST = "/executions?limit=100&sort_keys=created_at&sort_dirs=desc&fields=id,workflow_name,state,created_at"


async def timed(http: aiohttp.ClientSession, method: str, url: str, **kwargs) -> tuple[float, dict]:
    started = time.perf_counter()
    async with http.request(method, url, **kwargs) as r:
        body = await r.json()
        assert r.status in (200, 201), body
    return time.perf_counter() - started, body


async def probe(http: aiohttp.ClientSession, base: str, samples: int) -> dict[str, float]:
    """Median ms to start a 1-task execution, and to list the newest 100."""
    starts, lists = [], []
    for _ in range(samples):
        took, _ = await timed(http, "POST", base + "/executions", json={"workflow_name": "one"})
        starts.append(took)
        took, body = await timed(http, "GET", base + LIST)
        assert len(body["executions"]) == min(100, len(body["executions"]))
        lists.append(took)
    return {"start_ms": round(statistics.median(starts) * 1000, 2),
            "list100_ms": round(statistics.median(lists) * 1000, 2)}


async def fill(http: aiohttp.ClientSession, base: str, count: int, parallel: int = 16) -> float:
    """Start `count` 10-task executions (at most `parallel` at once) and wait for all to finish."""
    started = time.perf_counter()
    pending = iter(range(count))

    async def worker() -> None:
        for _ in pending:
            _, ex = await timed(http, "POST", base + "/executions", json={"workflow_name": "ten"})
            for _ in range(2000):
                _, ex = await timed(http, "GET", f"{base}/executions/{ex['id']}?fields=state")
                if ex["state"] == "SUCCESS":
                    break
                await asyncio.sleep(0.005)
            else:
                raise RuntimeError("execution did not finish")

    await asyncio.gather(*(worker() for _ in range(parallel)))
    return time.perf_counter() - started


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


async def main(count: int, samples: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="mistral-lite-scale-") as tmp:
        data = Path(tmp) / "data"
        server = ServerProcess(data, extra_args=("--log-level", "warning")).start()
        try:
            async with aiohttp.ClientSession() as http:
                for text in (TEN, ONE):
                    await timed(http, "POST", server.url + "/workflows", data=text.encode(),
                                headers={"Content-Type": "text/plain"})
                # The baseline already holds 100 executions, so both lists return 100 rows.
                await fill(http, server.url, 100)
                before = await probe(http, server.url, samples)
                size_before = dir_size(data)
                fill_seconds = await fill(http, server.url, count - 100)
                size_after = dir_size(data)
                after = await probe(http, server.url, samples)
        finally:
            server.stop()
    return {
        "executions": count,
        "fill_seconds": round(fill_seconds, 1),
        "before": before,
        "after": after,
        "bytes_per_10_task_execution": round((size_after - size_before) / (count - 100)),
        "data_dir_mib": round(size_after / 2**20, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--executions", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=21)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(main(args.executions, args.samples))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['executions']} completed 10-task executions written in {result['fill_seconds']} s")
        print("| | start a 1-task execution (median ms) | list newest 100 (median ms) |")
        print("|---|---|---|")
        print(f"| after 100 | {result['before']['start_ms']} | {result['before']['list100_ms']} |")
        print(f"| after {result['executions']} | {result['after']['start_ms']} | {result['after']['list100_ms']} |")
        print(f"data directory: {result['data_dir_mib']} MiB, "
              f"{result['bytes_per_10_task_execution']} bytes per completed 10-task execution")
