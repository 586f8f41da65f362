"""Wide executions and large uploads on a real server: fan-outs run, the runaway limit is the
configured one, and uploading a large workflow leaves the node answering."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp

from mistral_lite.config import Config
from mistral_lite.server import RunningServer
from tests.support.api import Api
from tests.support.servers import live_api
from tests.support.ports import free_port
from tests.support.process import ServerProcess


def fan_out(name: str, n: int) -> str:
    lines = ["---", "version: '2.0'", f"{name}:", "  tasks:", "    start:", "      action: std.noop",
             "      on-success:"]
    lines += [f"        - t{i}" for i in range(n)]
    lines += [f"    t{i}: {{action: std.noop}}" for i in range(n)]
    return "\n".join(lines) + "\n"


def chain(name: str, n: int) -> str:
    lines = ["---", "version: '2.0'", f"{name}:", "  tasks:"]
    lines += [f"    t{i}: {{action: std.noop{f', on-success: [t{i + 1}]' if i < n - 1 else ''}}}" for i in range(n)]
    return "\n".join(lines) + "\n"


RUNAWAY = """---
version: '2.0'
runaway:
  tasks:
    go: {action: std.noop, on-success: [again]}
    again: {workflow: ghost, on-error: [again]}
"""


async def test_a_fan_out_of_1500_parallel_tasks_ends_success_with_every_task_success(api: Api):
    await api.upload(fan_out("wide", 1500))
    ex = await api.start("wide")
    done = await api.wait(ex["id"], timeout=120)
    assert done["state"] == "SUCCESS", done.get("state_info")
    report = await api.ok("GET", f"/executions/{ex['id']}/report?statistics_only=true")
    counts = {k: v for k, v in report["statistics"].items() if k.endswith("_tasks_count") and v}
    assert counts == {"total_tasks_count": 1501, "success_tasks_count": 1501}, counts


async def test_the_runaway_limit_is_the_configured_option(tmp_path: Path):
    async with live_api(tmp_path / "data", max_task_starts_per_step=12) as api:
        await api.upload(RUNAWAY)
        done = await api.run("runaway")
    assert done["state"] == "ERROR"
    assert "Stopped after 12 tasks" in done["state_info"]
    assert "max-task-starts-per-step" in done["state_info"]


async def test_uploading_a_large_workflow_and_starting_it_keep_health_answering(tmp_path: Path):
    server = ServerProcess(tmp_path / "data", extra_args=("--log-level", "warning")).start()
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(http, server.url)
            root = server.url.removesuffix("/v2")
            replies: list[float] = []
            done = asyncio.Event()

            async def poll_health() -> None:
                deadline = time.monotonic() + 120
                while not done.is_set() and time.monotonic() < deadline:
                    started = time.monotonic()
                    async with http.get(root + "/health", timeout=aiohttp.ClientTimeout(total=30)) as r:
                        assert r.status == 200
                    replies.append(time.monotonic() - started)
                    await asyncio.sleep(0.05)

            async def upload_and_start() -> dict:
                try:
                    await api.upload(chain("big", 5000))
                    return await api.start("big")  # its spec, parsed at upload, is not parsed again
                finally:
                    done.set()

            _, started = await asyncio.gather(poll_health(), upload_and_start())
            assert started["state"] == "RUNNING"
            assert len(replies) >= 3  # the upload took long enough for health to be asked meanwhile
            assert max(replies) < 1.0, f"a /health reply took {max(replies):.2f} s during the upload"
    finally:
        server.stop()


async def test_the_scale_benchmark_runs_its_cases_correctly_at_a_small_size():
    """scripts/bench --scale, correctness only: every case ends SUCCESS and the ratio is reported."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "bench_lib" / "scale.py"
    spec = importlib.util.spec_from_file_location("scale_bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = await bench.run_all([("chain", 5), ("chain", 30), ("fanout", 12), ("items", 12)], timeout=60)
    assert [(r["case"], r["state"]) for r in out["results"]] == [
        ("chain 5", "SUCCESS"), ("chain 30", "SUCCESS"), ("fanout 12", "SUCCESS"), ("items 12", "SUCCESS")]
    assert out["ratio"]["small"] == 5 and out["ratio"]["big"] == 30
    assert "first_tenth_per_s" in out["results"][1]


async def test_after_a_restart_a_running_large_execution_has_its_spec_parsed_before_its_next_step(tmp_path: Path):
    from mistral_lite.engine.rows import WF
    from mistral_lite.lang.documents import spec_known

    text = chain("big", 1200).replace("t0: {action: std.noop", "t0: {action: std.async_noop")
    config = Config(port=free_port(), data_dir=str(tmp_path / "data"), log_level="warning")
    first = RunningServer(config)
    await first.start()
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(http, f"http://127.0.0.1:{config.port}/v2")
            await api.upload(text)
            started = await api.start("big")
    finally:
        await first.stop()
    second = RunningServer(config)
    await second.start()
    try:
        wf_ex = second.engine.rows.get(WF, started["id"])
        assert wf_ex is not None and wf_ex["state"] == "RUNNING"
        assert spec_known(wf_ex["workflow_name"], wf_ex["spec"])  # parsed on a thread during the start
    finally:
        await second.stop()
