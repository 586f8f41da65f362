"""A local three-node cluster on 127.0.0.1: start, stop, status, kill-leader (run by scripts/cluster).

The nodes are conf/cluster-node{1,2,3}.yaml. Three environment variables move the whole
cluster elsewhere, e.g. for a test that must not touch the developer's data/ or ports:
MISTRAL_LITE_CLUSTER_ROOT (data, pid files, logs and secret; default data/cluster),
MISTRAL_LITE_CLUSTER_API_PORT and MISTRAL_LITE_CLUSTER_RAFT_PORT (node 1's ports; nodes 2
and 3 take the next two). Paths are relative to the repository folder, the working directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from mistral_lite import cli, cluster_status
from mistral_lite.config import Config, ConfigError, from_env, from_file, load

NODES = 3
DEFAULT_ROOT = "data/cluster"
START_TIMEOUT = 30.0
# SIGTERM drains running actions for up to drain_timeout seconds; past this margin the node is killed.
STOP_MARGIN = 10.0
POLL = 0.2


@dataclass(frozen=True)
class LocalNode:
    number: int
    config: Config
    root: Path  # where its pid file and log live

    @property
    def name(self) -> str:
        return self.config.node_id

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.config.port}"

    @property
    def pid_file(self) -> Path:
        return self.root / f"node{self.number}.pid"

    @property
    def log_file(self) -> Path:
        return self.root / f"node{self.number}.log"

    def pid(self) -> int | None:
        """The pid of this node's running server, or None (no pid file, or its process is gone)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if is_server(pid) else None


def is_server(pid: int) -> bool:
    """A live mistral-lite server: not a zombie, not a reused pid running something else."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"mistral_lite" in cmdline and b"serve" in cmdline


def overrides(number: int, environ: Mapping[str, str]) -> dict[str, object]:
    """Flags that move node `number` to the root and ports the environment asks for."""
    flags: dict[str, object] = {}
    root = environ.get("MISTRAL_LITE_CLUSTER_ROOT")
    if root:
        flags.update(data_dir=f"{root}/node{number}", cluster_secret_file=f"{root}/secret")
    api, raft = environ.get("MISTRAL_LITE_CLUSTER_API_PORT"), environ.get("MISTRAL_LITE_CLUSTER_RAFT_PORT")
    if api or raft:
        api_base, raft_base = int(api or 8991), int(raft or 7991)
        flags.update(
            port=api_base + number - 1, raft_address=f"127.0.0.1:{raft_base + number - 1}",
            peers=",".join(f"127.0.0.1:{raft_base + n - 1}=http://127.0.0.1:{api_base + n - 1}"
                           for n in range(1, NODES + 1) if n != number))
    return flags


def conf_file(number: int) -> str:
    return f"conf/cluster-node{number}.yaml"


def nodes(environ: Mapping[str, str]) -> list[LocalNode]:
    """Where each node is. Not validated: a cluster never started has no secret file yet (see `validated`)."""
    root = Path(environ.get("MISTRAL_LITE_CLUSTER_ROOT") or DEFAULT_ROOT)
    return [LocalNode(n, Config(**{**from_file(conf_file(n)), **from_env(environ), **overrides(n, environ)}), root)
            for n in range(1, NODES + 1)]


def validated(cluster: list[LocalNode], environ: Mapping[str, str]) -> None:
    """What each node will check at its start, checked once before any is started."""
    for node in cluster:
        load(conf_file(node.number), environ, overrides(node.number, environ))


def flag_args(flags: Mapping[str, object]) -> list[str]:
    return [arg for name, value in flags.items() for arg in ("--" + name.replace("_", "-"), str(value))]


def ensure_secret(config: Config, environ: Mapping[str, str]) -> None:
    """A random secret in the file the nodes read, unless the environment gives one: never a built-in one."""
    if config.cluster_secret or "MISTRAL_LITE_CLUSTER_SECRET" in environ or not config.cluster_secret_file:
        return
    path = Path(config.cluster_secret_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(32) + "\n")
    print(f"created the cluster secret {path} (mode 0600)")


def launch(node: LocalNode, environ: Mapping[str, str]) -> subprocess.Popen:
    node.root.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "mistral_lite", "serve", "--config", conf_file(node.number),
            *flag_args(overrides(node.number, environ))]
    with open(node.log_file, "ab") as log:
        # Its own session: Ctrl-C in this terminal later must not stop the cluster.
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    node.pid_file.write_text(f"{proc.pid}\n")
    return proc


def healths(cluster: list[LocalNode], timeout: float = 1.0) -> list[cluster_status.NodeHealth]:
    return asyncio.run(cluster_status.ask_all([n.url for n in cluster], timeout))


def leader(cluster: list[LocalNode]) -> tuple[LocalNode, dict] | None:
    """The node whose /health says it leads; a deposed one may still say so for a moment: the highest term wins."""
    claims = [(node, h.health) for node, h in zip(cluster, healths(cluster)) if h.is_leader]
    if not claims:
        return None
    return max(claims, key=lambda claim: (claim[1].get("term") or 0, -claim[0].number))


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start(cluster: list[LocalNode], environ: Mapping[str, str], timeout: float) -> int:
    for node in cluster:
        ensure_secret(node.config, environ)
    validated(cluster, environ)
    started: dict[str, subprocess.Popen] = {}
    for node in cluster:
        pid = node.pid()
        if pid is not None:
            print(f"{node.name} already running (pid {pid}) {node.url}")
            continue
        proc = started[node.name] = launch(node, environ)
        print(f"{node.name} started (pid {proc.pid}) {node.url}, log {node.log_file}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        exited = [name for name, proc in started.items() if proc.poll() is not None]
        if exited:
            return failed(cluster, f"{', '.join(exited)} exited while starting")
        answers = healths(cluster)
        up = all(h.health is not None for node, h in zip(cluster, answers) if node.name in started)
        leading = [node for node, h in zip(cluster, answers) if h.is_leader]
        if up and leading:
            print(f"leader: {leading[0].name} {leading[0].url}")
            return 0
        time.sleep(POLL)
    return failed(cluster, f"no leader elected within {timeout:g} s")


def failed(cluster: list[LocalNode], why: str) -> int:
    print(f"scripts/cluster start: {why}", file=sys.stderr)
    for node in cluster:
        print(f"--- {node.log_file} (last lines)\n{tail(node.log_file)}", file=sys.stderr)
    return 1


def stop(cluster: list[LocalNode]) -> int:
    running = {node.name: (node, pid) for node in cluster if (pid := node.pid()) is not None}
    for node in cluster:
        if node.name not in running:
            print(f"{node.name} not running")
            node.pid_file.unlink(missing_ok=True)
    for node, pid in running.values():
        os.kill(pid, signal.SIGTERM)
    bound = max(node.config.drain_timeout for node, _ in running.values()) + STOP_MARGIN if running else 0
    deadline = time.monotonic() + bound
    while running and time.monotonic() < deadline:
        for name, (node, pid) in list(running.items()):
            if not is_server(pid):
                print(f"{name} stopped")
                node.pid_file.unlink(missing_ok=True)
                del running[name]
        time.sleep(POLL)
    for name, (node, pid) in running.items():
        print(f"{name} still running after {bound:g} s: killed (pid {pid})", file=sys.stderr)
        os.kill(pid, signal.SIGKILL)
        node.pid_file.unlink(missing_ok=True)
    return 1 if running else 0


def kill_leader(cluster: list[LocalNode]) -> int:
    found = leader(cluster)
    pid = found[0].pid() if found else None
    if found is None or pid is None:
        print("no leader to kill" + (f": {found[0].name} runs without a pid file" if found else ""),
              file=sys.stderr)
        return 1
    node = found[0]
    os.kill(pid, signal.SIGKILL)
    print(f"killed {node.name} (pid {pid}) {node.url}, the leader of term {found[1].get('term')}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("start", "stop", "status", "kill-leader"))
    parser.add_argument("--timeout", type=float, default=START_TIMEOUT,
                        help="start: seconds to wait for a leader (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="status: print the nodes' answers as JSON")
    args = parser.parse_args(argv)
    try:
        cluster = nodes(os.environ)
    except (ConfigError, ValueError) as e:
        print(f"scripts/cluster: {e}", file=sys.stderr)
        return 2
    if args.command == "start":
        try:
            return start(cluster, os.environ, args.timeout)
        except ConfigError as e:
            print(f"scripts/cluster: {e}", file=sys.stderr)
            return 2
    if args.command == "stop":
        return stop(cluster)
    if args.command == "status":
        return cli.main(["cluster", "status", "--nodes", ",".join(n.url for n in cluster),
                         *(["--json"] if args.json else [])])
    return kill_leader(cluster)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
