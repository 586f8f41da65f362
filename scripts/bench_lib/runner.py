"""scripts/bench: run the project's benchmark scenarios (benchmarks/scenarios.py) against a
fresh mistral-lite (and, optionally, real Mistral).

Standard library only. Each scenario is one client process (`--only NAME`), so
a scenario that fails (the client stops at the first wrong execution) does not
hide the others; the server keeps running across scenarios, as in the anchor's
own run. The client is benchmarks/scenarios.py unless --client names another
with the same command line (e.g. the anchor's bench.py, for a cross-check). The
anchor directory (../shared/mistral-anchor) is needed only by --compare-mistral,
for its setup.sh / start.sh / stop.sh. Results go to bench-results/<timestamp>/
(bench.json, bench.md, the server's log and each client's stdout/stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import procfs

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ("seq100", "fan50", "items500", "many1", "latency")
RESERVED = ("--pid", "--json-out", "--md-out", "--only")  # set by this script, per scenario
DEFAULT_RUNS = 3
DEFAULT_POLL = 0.05  # bench.py's default
DEFAULT_LATENCY_POLL = 0.002


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Terminated(Exception):
    pass


def _on_sigterm(signum, frame):
    raise Terminated(f"signal {signum}")


# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------
def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    ap = argparse.ArgumentParser(
        prog="scripts/bench", allow_abbrev=False,
        description="Benchmark a fresh mistral-lite server with the project's scenarios (benchmarks/scenarios.py) "
        "(and real Mistral 23.0.0 beside it with --compare-mistral). Any option not listed "
        "here goes to the scenario client unchanged, e.g. --runs 3, --poll 0.01, --many 200, "
        "--latency-runs 20, --post-threads 16, --timeout 300.",
        epilog="Results: bench-results/<timestamp>/bench.md and bench.json.",
    )
    ap.add_argument("--compare-mistral", action="store_true",
                    help="also set up, start, bench and stop real Mistral with the anchor's scripts "
                    "(setup.sh, start.sh, stop.sh) and print one table with both and the ratios")
    ap.add_argument("--scenarios", "--only", dest="scenarios", default=",".join(SCENARIOS),
                    help=f"comma-separated subset of {','.join(SCENARIOS)} (default: all)")
    ap.add_argument("--latency-poll", type=float, default=None,
                    help=f"poll interval of the latency scenario only (default {DEFAULT_LATENCY_POLL} s; "
                    f"the others use --poll, bench.py's default {DEFAULT_POLL} s)")
    ap.add_argument("--idle-seconds", type=float, default=5.0,
                    help="measure the server's idle CPU over this many seconds before the run (default 5)")
    ap.add_argument("--scenario-timeout", type=float, default=1200.0,
                    help="kill a scenario's bench.py after this many seconds (default 1200)")
    ap.add_argument("--setup-timeout", type=float, default=2400.0,
                    help="bound on the anchor's setup.sh (apt + pip; default 2400 s)")
    ap.add_argument("--anchor-dir", default=os.environ.get("MISTRAL_ANCHOR", str(ROOT.parent / "shared" / "mistral-anchor")),
                    help="directory of the anchor's scripts that set up and start real Mistral, used by --compare-mistral "
                    "(default ../shared/mistral-anchor; env MISTRAL_ANCHOR)")
    ap.add_argument("--client", default=str(ROOT / "benchmarks" / "scenarios.py"),
                    help="the scenario client run per scenario (default benchmarks/scenarios.py; the anchor's "
                    "bench.py takes the same flags)")
    ap.add_argument("--out", help="result directory (default bench-results/<timestamp>)")
    ap.add_argument("--keep-data", action="store_true", help="keep mistral-lite's temporary data directory")
    args, rest = ap.parse_known_args(argv)
    for r in rest:
        if r.split("=")[0] in RESERVED:
            ap.error(f"{r} is set by scripts/bench itself (use --scenarios to choose scenarios)")
    chosen = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown or not chosen:
        ap.error(f"unknown scenario(s) {unknown}; choose from {','.join(SCENARIOS)}")
    args.scenario_list = [s for s in SCENARIOS if s in chosen]
    # What bench.py will use, for the report (it parses the same flags itself).
    peek = argparse.ArgumentParser(add_help=False)
    peek.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    peek.add_argument("--poll", type=float, default=DEFAULT_POLL)
    peek.add_argument("--latency-runs", type=int, default=20)
    peek.add_argument("--many", type=int, default=200)
    known, _ = peek.parse_known_args(rest)
    args.runs, args.poll, args.latency_runs, args.many = known.runs, known.poll, known.latency_runs, known.many
    if args.latency_poll is None:
        args.latency_poll = DEFAULT_LATENCY_POLL
    return args, rest


# --------------------------------------------------------------------------
# Machine
# --------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    cpu_model = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {"nproc": len(os.sched_getaffinity(0)), "cpu_model": cpu_model, "mem_gib": mem_gib,
            "kernel": platform.release(), "python": platform.python_version(), "hostname": socket.gethostname()}


def git_revision() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             check=False, capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               check=False, capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + ("+dirty" if dirty else "") if rev else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: Path, n: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def last_error(stderr_path: Path) -> str:
    """The line that says why bench.py stopped (the exception of its traceback)."""
    lines = [line for line in tail(stderr_path, 60).splitlines() if line.strip()]
    for line in reversed(lines):
        if not line.startswith((" ", "[")) and ("Error" in line or "Exception" in line):
            return line.strip()[:400]
    return (lines[-1].strip()[:400] if lines else "no output")


# --------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------
class MistralLite:
    name = "mistral-lite"

    def __init__(self, outdir: Path, keep_data: bool) -> None:
        self.outdir = outdir
        self.keep_data = keep_data
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/v2"
        self.data_dir = Path(tempfile.mkdtemp(prefix="mistral-lite-bench-"))
        self.proc: subprocess.Popen | None = None
        self.info: dict[str, Any] = {"port": self.port, "data_dir": str(self.data_dir)}

    def roots(self) -> list[int]:
        return [self.proc.pid] if self.proc else []

    def exact_peak(self) -> bool:
        return True  # one process: its VmHWM is the exact peak

    def start(self, timeout: float = 60) -> None:
        exe = ROOT / ".venv" / "bin" / "mistral-lite"
        cmd = [str(exe), "serve", "--port", str(self.port), "--data-dir", str(self.data_dir), "--log-level", "warning"]
        self.info["command"] = " ".join(cmd)
        t0 = time.monotonic()
        with open(self.outdir / "mistral-lite-server.log", "wb") as logf:
            self.proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, cwd=str(ROOT),
                                         start_new_session=True)
        url = f"http://127.0.0.1:{self.port}/health"
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mistral-lite exited with {self.proc.returncode} before answering:\n"
                                   + tail(self.outdir / "mistral-lite-server.log"))
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"mistral-lite did not answer GET /health within {timeout:.0f} s")
            time.sleep(0.05)
        self.info["startup_s"] = round(time.monotonic() - t0, 3)
        self.info["pid"] = self.proc.pid
        log(f"mistral-lite up at {self.base} (pid {self.proc.pid}, {self.info['startup_s']} s)")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            hwm = procfs.status_kib(self.proc.pid, "VmHWM")
            self.info["rss_at_stop_mib"] = round((procfs.status_kib(self.proc.pid, "VmRSS") or 0) / 1024, 1)
            self.info["hwm_since_last_reset_mib"] = round((hwm or 0) / 1024, 1)
            t0 = time.monotonic()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
                self.info["sigterm_exit"] = {"code": self.proc.returncode, "seconds": round(time.monotonic() - t0, 2)}
            except subprocess.TimeoutExpired:
                log("mistral-lite ignored SIGTERM for 20 s, sending SIGKILL")
                self.proc.kill()
                self.proc.wait(10)
                self.info["sigterm_exit"] = {"code": None, "killed": True}
        else:
            self.info["exited_early"] = self.proc.returncode
        self.info["data_dir_bytes"] = sum(f.stat().st_size for f in self.data_dir.rglob("*") if f.is_file())
        if not self.keep_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)


class Mistral:
    """Real Mistral 23.0.0 through the anchor's setup.sh / start.sh / stop.sh."""

    name = "mistral"

    def __init__(self, outdir: Path, anchor: Path, setup_timeout: float) -> None:
        self.outdir = outdir
        self.anchor = anchor
        self.setup_timeout = setup_timeout
        self.env = dict(os.environ)
        # Its own ANCHOR_DIR: setup.sh resets the database and stop.sh stops whatever that directory's
        # pid files name, so sharing /tmp/mistral-anchor would break someone's conformance run.
        self.env["ANCHOR_DIR"] = os.environ.get("MISTRAL_BENCH_ANCHOR_DIR", "/tmp/mistral-anchor-bench")
        # Free ports, so a mistral-lite (or anything else) on 8989 / 5672 / 4369 does not get in the way.
        for var in ("MISTRAL_PORT", "RABBIT_PORT", "RABBITMQ_DIST_PORT", "ERL_EPMD_PORT"):
            self.env.setdefault(var, str(free_port()))
        self.run_dir = Path(self.env["ANCHOR_DIR"]) / "run"
        self.base = f"http://127.0.0.1:{self.env['MISTRAL_PORT']}/v2"
        self.info: dict[str, Any] = {k: self.env[k] for k in ("ANCHOR_DIR", "MISTRAL_PORT", "RABBIT_PORT",
                                                                "RABBITMQ_DIST_PORT", "ERL_EPMD_PORT")}
        self.info["servers"] = self.env.get("MISTRAL_SERVERS", "api,engine,executor,notifier,periodic")
        self.started = False

    def _script(self, name: str, timeout: float) -> None:
        logp = self.outdir / f"mistral-{name.replace('.sh', '')}.log"
        t0 = time.monotonic()
        with open(logp, "ab") as logf:
            p = subprocess.Popen(["bash", str(self.anchor / name)], cwd=str(self.anchor), env=self.env,
                                 stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                rc = p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                raise RuntimeError(f"{name} did not finish within {timeout:.0f} s; see {logp}:\n{tail(logp)}")
            except BaseException:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                raise
        self.info[f"{name}_s"] = round(time.monotonic() - t0, 1)
        if rc != 0:
            raise RuntimeError(f"{name} exited with {rc}; see {logp}:\n{tail(logp)}")

    def _pid(self, name: str) -> int | None:
        try:
            return int((self.run_dir / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def roots(self) -> list[int]:
        return [p for p in (self._pid("mistral"), self._pid("rabbitmq")) if p]

    def exact_peak(self) -> bool:
        return False  # many processes: peak of the sampled sum

    def start(self) -> None:
        self._script("stop.sh", 120)  # leftovers of an earlier run in the same ANCHOR_DIR
        log(f"Mistral: setup.sh (apt rabbitmq-server if missing, pip mistral==23.0.0; up to {self.setup_timeout:.0f} s)")
        self._script("setup.sh", self.setup_timeout)
        log("Mistral: start.sh")
        self.started = True
        self._script("start.sh", 240)
        if len(self.roots()) != 2:
            raise RuntimeError(f"start.sh left no pid files in {self.run_dir}")
        log(f"Mistral up at {self.base} (master pid {self._pid('mistral')}, RabbitMQ pid {self._pid('rabbitmq')}); "
            "letting consumers settle 5 s")
        time.sleep(5)
        self.info["processes"] = len(procfs.tree(self.roots()))

    def stop(self) -> None:
        if self.started:
            try:
                self._script("stop.sh", 120)
            except RuntimeError as e:
                log(f"Mistral: stop.sh failed: {e}")


# --------------------------------------------------------------------------
# One target, all scenarios
# --------------------------------------------------------------------------
def bench_scenarios(target, args, passthrough: list[str], outdir: Path, python: str) -> dict[str, Any]:
    bench_py = Path(args.client)
    roots = target.roots()
    result: dict[str, Any] = {"base_url": target.base, "scenarios": {}}
    log(f"{target.name}: idle CPU over {args.idle_seconds:g} s")
    result["idle"] = procfs.idle_cpu(roots, args.idle_seconds)
    result["rss_idle_mib"] = round(procfs.rss_bytes(procfs.tree(roots)) / procfs.MIB, 1)
    log(f"{target.name}: idle {result['idle']['percent_of_core']} % of a core, RSS {result['rss_idle_mib']} MiB")
    peak_run = result["rss_idle_mib"]
    for name in args.scenario_list:
        tag = f"{target.name}-{name}"
        json_out = outdir / f"{tag}.json"
        cmd = [python, str(bench_py), target.base, "--only", name, "--json-out", str(json_out)]
        for p in roots:
            cmd += ["--pid", str(p)]
        cmd += passthrough
        if name == "latency":
            cmd += ["--poll", str(args.latency_poll)]  # the last --poll wins in argparse
        entry: dict[str, Any] = {"command": " ".join(cmd)}
        if not all(procfs.alive(p) for p in roots):
            entry.update(ok=False, error=f"{target.name} is no longer running")
            result["scenarios"][name] = entry
            log(f"{tag}: skipped, the server is gone")
            continue
        log(f"{tag}: running bench.py --only {name}")
        exact = target.exact_peak() and procfs.reset_hwm(roots[0])
        cpu0, t0 = procfs.tree_cpu_seconds(roots), time.monotonic()
        with procfs.RssSampler(roots) as sampler, \
                open(outdir / f"{tag}.stdout", "wb") as so, open(outdir / f"{tag}.stderr", "wb") as se:
            p = subprocess.Popen(cmd, stdout=so, stderr=se, cwd=str(ROOT), start_new_session=True)
            try:
                rc = p.wait(args.scenario_timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                rc = None
            except BaseException:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                raise
        entry["wall_incl_warmup_s"] = round(time.monotonic() - t0, 2)
        entry["server_cpu_incl_warmup_s"] = round(procfs.tree_cpu_seconds(roots) - cpu0, 2)
        entry["rss_peak_sampled_mib"] = round(sampler.peak / procfs.MIB, 1)
        peak = sampler.peak
        if exact:
            hwm = procfs.hwm_bytes(roots[0])
            if hwm:
                entry["rss_hwm_mib"] = round(hwm / procfs.MIB, 1)
                peak = max(peak, hwm)
        entry["rss_peak_mib"] = round(peak / procfs.MIB, 1)
        entry["rss_peak_method"] = "VmHWM (reset before the scenario)" if exact else "sampled sum of VmRSS every 0.2 s"
        peak_run = max(peak_run, entry["rss_peak_mib"])
        data = None
        if rc == 0:
            try:
                data = json.loads(json_out.read_text())["scenarios"][name]
            except (OSError, ValueError, KeyError) as e:
                entry.update(ok=False, error=f"bench.py succeeded but its JSON is unreadable: {e}")
        if data is not None:
            entry.update(ok=True, **data)
            log(f"{tag}: ok, median {data['median_s']:.3f} s")
        elif rc is None:
            entry.update(ok=False, error=f"timed out after {args.scenario_timeout:.0f} s (bench.py killed)")
            log(f"{tag}: TIMEOUT")
        elif "ok" not in entry:
            entry.update(ok=False, exit_code=rc, error=last_error(outdir / f"{tag}.stderr"))
            log(f"{tag}: FAILED: {entry['error']}")
        result["scenarios"][name] = entry
    result["rss_peak_run_mib"] = peak_run
    return result


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------
def _rate(r: dict[str, Any], name: str) -> str:
    if name == "latency":
        return (f"median {r['median_s'] * 1000:.1f} ms (p90 {r['p90_s'] * 1000:.1f}, "
                f"max {r['max_s'] * 1000:.1f}; {len(r['times_s'])} runs)")
    return f"{r['rate_per_s']:.2f} {r['unit']}/s"


def _median(r: dict[str, Any], name: str) -> str:
    if name == "latency":
        return f"{r['median_s'] * 1000:.1f} ms"
    return f"{r['median_s']:.3f}"


def _cpu(r: dict[str, Any]) -> str:
    """bench.py's CPU over the timed runs; for a failed scenario, ours including the warm-up."""
    return f"{r.get('server_cpu_s', r.get('server_cpu_incl_warmup_s', 0.0)):.2f}"


def _rss(r: dict[str, Any], digits: int = 1) -> str:
    return f"{r['rss_peak_mib']:.{digits}f}" if "rss_peak_mib" in r else "-"


def _notes(notes: list[str]) -> str:
    return "\n" + "\n".join(f"[{i}] {n}" for i, n in enumerate(notes, 1)) + "\n" if notes else ""


def lite_table(res: dict[str, Any], args) -> str:
    rows = [f"| scenario | median s ({args.runs} runs) | throughput | correct | server CPU s (timed runs) | peak RSS MiB |",
            "|---|---|---|---|---|---|"]
    notes: list[str] = []
    for name, r in res["scenarios"].items():
        if r.get("ok"):
            rows.append(f"| {name} | {_median(r, name)} | {_rate(r, name)} | ok | {_cpu(r)} | {_rss(r)} |")
        else:
            notes.append(f"{name}: {r.get('error')}")
            rows.append(f"| {name} | - | - | **FAILED** [{len(notes)}] | {_cpu(r)} | {_rss(r)} |")
    return "\n".join(rows) + "\n" + _notes(notes)


def compare_table(lite: dict[str, Any], mistral: dict[str, Any], args) -> str:
    rows = [("| scenario | mistral-lite | Mistral 23.0.0 | ratio (Mistral / lite) | correct (lite / Mistral) "
             "| server CPU s, timed runs (lite / Mistral) | peak RSS MiB (lite / Mistral) |"),
            "|---|---|---|---|---|---|---|"]
    notes: list[str] = []

    def cell(r, name):
        return _median(r, name) if r.get("ok") else "-"

    def ok(r, who, name):
        if r.get("ok"):
            return "ok"
        notes.append(f"{who} {name}: {r.get('error')}")
        return f"FAILED [{len(notes)}]"

    for name in args.scenario_list:
        a = lite["scenarios"].get(name, {"ok": False, "error": "not run"})
        b = mistral["scenarios"].get(name, {"ok": False, "error": "not run"})
        both = a.get("ok") and b.get("ok") and a["median_s"]
        ratio = f"{b['median_s'] / a['median_s']:.1f}×" if both else "-"
        correct = f"{ok(a, 'mistral-lite', name)} / {ok(b, 'Mistral', name)}"
        rows.append(f"| {name} | {cell(a, name)} | {cell(b, name)} | {ratio} | {correct} | "
                    f"{_cpu(a)} / {_cpu(b)} | {_rss(a, 0)} / {_rss(b, 0)} |")
    rows.append(f"| idle CPU (% of a core, {args.idle_seconds:g}s) | {lite['idle']['percent_of_core']:.2f} % | "
                f"{mistral['idle']['percent_of_core']:.2f} % | | | | "
                f"{lite['rss_idle_mib']:.0f} / {mistral['rss_idle_mib']:.0f} (idle) |")
    out = "\n".join(rows) + "\n"
    out += (f"\nmedian wall seconds of {args.runs} runs (latency: median ms of {args.latency_runs} executions); "
            "ratio = Mistral time / mistral-lite time, higher is better for mistral-lite.\n")
    return out + _notes(notes)


def header(report: dict[str, Any], args) -> str:
    m = report["machine"]
    where = f" (PYTHONPATH={report['pythonpath']})" if report.get("pythonpath") else ""
    return (f"mistral-lite {report['revision']}{where} · {time.strftime('%Y-%m-%d %H:%M')} · "
            f"{m['nproc']} CPUs ({m['cpu_model']}), {m['mem_gib']} GiB RAM, Python {m['python']}\n\n"
            f"client flags: {' '.join(report['bench_flags']) or '(defaults)'}; poll {args.poll:g} s "
            f"(latency {args.latency_poll:g} s); scenario subset: {','.join(args.scenario_list)}\n")


# --------------------------------------------------------------------------
def main(argv: list[str]) -> int:
    args, passthrough = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    anchor = Path(args.anchor_dir)
    if not Path(args.client).is_file():
        print(f"scripts/bench: no scenario client at {args.client}", file=sys.stderr)
        return 2
    if args.compare_mistral and not (anchor / "start.sh").is_file():
        print(f"scripts/bench: --compare-mistral needs the anchor's scripts; no start.sh in {anchor} "
              "(set --anchor-dir or MISTRAL_ANCHOR)", file=sys.stderr)
        return 2
    outdir = Path(args.out) if args.out else ROOT / "bench-results" / time.strftime("%Y%m%d-%H%M%S")
    outdir.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "revision": git_revision(), "machine": machine(),
        "bench_py": str(args.client), "bench_flags": passthrough, "runs": args.runs,
        "poll_s": args.poll, "latency_poll_s": args.latency_poll, "scenarios": args.scenario_list,
    }
    if os.environ.get("PYTHONPATH"):  # e.g. benchmarking another checkout with this venv
        report["pythonpath"] = os.environ["PYTHONPATH"]
    log(f"results in {outdir}")
    status = 0

    def write(md_parts: list[str]) -> None:
        report["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        (outdir / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
        (outdir / "bench.md").write_text("\n".join(md_parts))

    lite = MistralLite(outdir, args.keep_data)
    md = [f"# Benchmark {outdir.name}\n", header(report, args)]
    try:
        try:
            lite.start()
            report["mistral_lite"] = bench_scenarios(lite, args, passthrough, outdir, python)
        finally:
            lite.stop()
            report.setdefault("mistral_lite", {})["server"] = lite.info
    except RuntimeError as e:
        log(f"mistral-lite: {e}")
        report["mistral_lite"]["error"] = str(e)
        write(md + [f"mistral-lite could not be benchmarked: {e}\n"])
        print(f"mistral-lite could not be benchmarked: {e}")
        return 1
    res = report["mistral_lite"]
    table = lite_table(res, args)
    lite_md = ("## mistral-lite\n\n" + table +
               f"\nidle CPU {res['idle']['percent_of_core']:.2f} % of a core over {res['idle']['seconds']:g} s; "
               f"RSS idle {res['rss_idle_mib']} MiB, peak over the whole run {res['rss_peak_run_mib']} MiB; "
               f"startup {lite.info.get('startup_s')} s; data dir {lite.info.get('data_dir_bytes', 0) / 2**20:.1f} MiB "
               f"at the end; SIGTERM exit {lite.info.get('sigterm_exit')}\n")
    md.append(lite_md)
    if any(not r.get("ok") for r in res["scenarios"].values()):
        status = 1
    write(md)

    if not args.compare_mistral:
        print(header(report, args))
        print(lite_md)
        print(f"results: {outdir}")
        return status

    mistral = Mistral(outdir, anchor, args.setup_timeout)
    mistral_error = None
    try:
        mistral.start()
        report["mistral"] = bench_scenarios(mistral, args, passthrough, outdir, python)
    except RuntimeError as e:
        mistral_error = str(e)
    finally:
        log("Mistral: stop.sh")
        mistral.stop()
        report.setdefault("mistral", {})["server"] = mistral.info
    if mistral_error:
        report["mistral"]["error"] = mistral_error
        msg = ("## Mistral 23.0.0\n\n**Real Mistral could not be benchmarked**: " + mistral_error.splitlines()[0] +
               f"\n\n```\n{mistral_error}\n```\n\nOnly mistral-lite's figures are above; logs in {outdir}.\n")
        md.append(msg)
        write(md)
        print(header(report, args))
        print(lite_md)
        print("MISTRAL SETUP/START FAILED — no comparison. " + mistral_error)
        print(f"results: {outdir}")
        return 1
    both = compare_table(res, report["mistral"], args)
    ms = report["mistral"]
    md.append("## Mistral 23.0.0\n\n" + lite_table(ms, args) +
              f"\nidle CPU {ms['idle']['percent_of_core']:.2f} % of a core; RSS idle {ms['rss_idle_mib']} MiB, "
              f"peak {ms['rss_peak_run_mib']} MiB (sum over {mistral.info.get('processes')} processes incl. RabbitMQ); "
              f"components {mistral.info['servers']}\n")
    md.append("## Side by side\n\n" + both)
    if any(not r.get("ok") for r in ms["scenarios"].values()):
        status = 1
    write(md)
    print(header(report, args))
    print(both)
    print(f"results: {outdir}")
    return status


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (KeyboardInterrupt, Terminated) as e:
        print(f"scripts/bench: interrupted ({e or 'SIGINT'}); servers stopped", file=sys.stderr)
        sys.exit(130)
