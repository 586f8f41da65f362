"""Memory and response size of the node under oversized data: what the size limits are for.

Starts a fresh server (its own process, data directory and an address-space
bound so a runaway case cannot take the machine) and, one case at a time:

* echo:   a std.echo task whose input (and so result) is N MB of text built by an expression;
* http:   a std.http GET of an M MB body from a local server;
* list:   5 std.echo tasks with 20 MB inputs each (--list-mb), then the size of GET /v2/action_executions?limit=5;
* depth:  a workflow that starts itself as a sub-workflow without end.

For each it prints the final state, its state_info (cut), the growth of the
server's peak RSS (VmHWM) over its peak after start, and the seconds taken.
Each case runs on its own server, so one peak does not hide the next.

    .venv/bin/python benchmarks/limits.py                   # all cases
    .venv/bin/python benchmarks/limits.py --cases echo,list --echo-mb 100
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.process import ServerProcess  # noqa: E402
from tests.support.remote import serving  # noqa: E402

MB = 1_000_000
ADDRESS_SPACE = 6 * 2**30  # the bound: a case needing more dies instead of swapping the machine


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def echo_workflow(name: str, size: int, tasks: int = 1) -> str:
    body = "".join(
        f"    t{i}:\n      action: std.echo\n      input:\n        output: \"{{{{ 'x' * {size} }}}}\"\n"
        for i in range(tasks)
    )
    return f"---\nversion: '2.0'\n{name}:\n  tasks:\n{body}"


def http_workflow(url: str) -> str:
    return (f"---\nversion: '2.0'\nfetch:\n  tasks:\n    get:\n      action: std.http\n"
            f"      input:\n        url: {url}\n        timeout: 120\n")


RECURSE = (
    "---\nversion: '2.0'\nrecurse:\n  tasks:\n    again:\n      workflow: recurse\n"
)


async def run_case(name: str, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="ml-limits-") as tmp:
        server = ServerProcess(Path(tmp) / "data", extra_args=tuple(args.server_args))
        _start_bounded(server)
        try:
            pid = server.proc.pid
            base = peak_rss_mb(pid)
            started = time.perf_counter()
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as http:
                result = await CASES[name](http, server.url, args)
            result["seconds"] = round(time.perf_counter() - started, 1)
            result["peak_rss_growth_mb"] = round(peak_rss_mb(pid) - base, 0) if server.proc.poll() is None else "died"
            result["server_alive"] = server.proc.poll() is None
        finally:
            if server.proc.poll() is None:
                server.stop()
    return {"case": name, **result}


def _start_bounded(server: ServerProcess) -> None:
    """ServerProcess.start, under an address-space limit."""
    server.data_dir.mkdir(parents=True, exist_ok=True)
    log = open(server.log_path, "ab")
    argv = [sys.executable, "-m", "mistral_lite", "serve", "--port", str(server.port),
            "--data-dir", str(server.data_dir), "--log-format", "json", "--log-level", "warning",
            *server.extra_args]
    server.proc = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ),
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE)),
    )
    log.close()
    server.wait_healthy(30)


async def _call(http: aiohttp.ClientSession, method: str, url: str, **kw) -> tuple[int, bytes]:
    async with http.request(method, url, **kw) as r:
        return r.status, await r.read()


async def _run(http: aiohttp.ClientSession, base: str, text: str, wf: str, timeout: float = 300) -> dict:
    status, raw = await _call(http, "POST", f"{base}/workflows", data=text.encode(),
                              headers={"Content-Type": "text/plain"})
    assert status == 201, (status, raw[:500])
    try:
        status, raw = await _call(http, "POST", f"{base}/executions", json={"workflow_name": wf},
                                  timeout=aiohttp.ClientTimeout(total=timeout))
    except asyncio.TimeoutError:
        return {"state": f"POST /executions unanswered after {timeout} s"}
    assert status == 201, (status, raw[:500])
    ex_id = json.loads(raw)["id"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, raw = await _call(http, "GET", f"{base}/executions/{ex_id}?fields=state,state_info")
        except aiohttp.ClientError as e:
            return {"state": f"request failed: {e}"}
        ex = json.loads(raw)
        if ex.get("state") in ("SUCCESS", "ERROR", "CANCELLED"):
            return {"state": ex["state"], "state_info": (ex.get("state_info") or "")[:300]}
        await asyncio.sleep(0.2)
    return {"state": "still running"}


async def case_echo(http, base, args) -> dict:
    return await _run(http, base, echo_workflow("big_echo", args.echo_mb * MB), "big_echo")


async def case_http(http, base, args) -> dict:
    body = b"y" * (args.http_mb * MB)

    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await response.prepare(request)  # chunked: no Content-Length to go by
        for start in range(0, len(body), MB):
            await response.write(body[start:start + MB])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/big", big)
    async with serving(app) as remote:
        return await _run(http, base, http_workflow(f"{remote}/big"), "fetch")


async def case_list(http, base, args) -> dict:
    outcome = await _run(http, base, echo_workflow("five", args.list_mb * MB, tasks=5), "five")
    started = time.perf_counter()
    status, raw = await _call(http, "GET", f"{base}/action_executions?limit=5")
    return {**outcome, "list_status": status, "list_bytes": len(raw),
            "list_seconds": round(time.perf_counter() - started, 2)}


async def case_depth(http, base, args) -> dict:
    outcome = await _run(http, base, RECURSE, "recurse", timeout=60)
    status, raw = await _call(http, "GET", f"{base}/executions?fields=id&limit=100000")
    outcome["executions"] = len(json.loads(raw).get("executions", [])) if status == 200 else status
    return outcome


CASES = {"echo": case_echo, "http": case_http, "list": case_list, "depth": case_depth}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--echo-mb", type=int, default=100)
    parser.add_argument("--http-mb", type=int, default=200)
    parser.add_argument("--list-mb", type=int, default=20, help="input size of each of the 5 listed tasks")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("server_args", nargs="*", help="extra flags for `mistral-lite serve` (after --)")
    args = parser.parse_args()
    for name in args.cases.split(","):
        result = asyncio.run(run_case(name, args))
        print(json.dumps(result) if args.json else "  ".join(f"{k}={v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
