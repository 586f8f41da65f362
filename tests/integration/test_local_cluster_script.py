"""scripts/cluster start / status / kill-leader / stop, run as a developer runs them, on a temporary root and ports."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

from tests.support.ports import free_port_run

REPO = Path(__file__).resolve().parents[2]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(REPO / "scripts" / "cluster"), *args], env=env, capture_output=True, text=True,
                          timeout=120)


def pids(root: Path) -> dict[str, int]:
    return {f.stem: int(f.read_text()) for f in sorted(root.glob("node*.pid"))}


def alive(pid: int) -> bool:
    try:
        return b"serve" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def test_start_status_kill_leader_restart_and_stop(tmp_path):
    root = tmp_path / "cluster"
    api, raft = free_port_run(3), free_port_run(3)
    env = {k: v for k, v in os.environ.items() if k != "MISTRAL_LITE_CLUSTER_SECRET"}
    env.update(MISTRAL_LITE_CLUSTER_PYTHON=sys.executable, MISTRAL_LITE_CLUSTER_ROOT=str(root),
               MISTRAL_LITE_CLUSTER_API_PORT=str(api), MISTRAL_LITE_CLUSTER_RAFT_PORT=str(raft))
    try:
        started = run(env, "start")
        assert started.returncode == 0, started.stdout + started.stderr
        assert "leader: node" in started.stdout
        secret = root / "secret"
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and len(secret.read_text().strip()) >= 32
        first = pids(root)
        assert list(first) == ["node1", "node2", "node3"] and all(alive(p) for p in first.values())
        assert sorted(p.name for p in root.glob("node*.log")) == ["node1.log", "node2.log", "node3.log"]

        status = run(env, "status")
        assert status.returncode == 0, status.stdout + status.stderr
        rows = [line.split() for line in status.stdout.splitlines()[1:]]
        assert [(r[0], r[1]) for r in rows] == [(f"node{n}", f"http://127.0.0.1:{api + n - 1}") for n in (1, 2, 3)]
        leaders = [r[0] for r in rows if r[2] == "leader"]
        assert len(leaders) == 1, status.stdout  # three nodes of one Raft cluster, not three single nodes

        killed = run(env, "kill-leader")
        assert killed.returncode == 0, killed.stderr
        victim = killed.stdout.split()[1]
        assert victim == leaders[0]
        assert killed.stdout.startswith(f"killed {victim} (pid {first[victim]})")
        assert not alive(first[victim])

        # start again: only the killed node is started, the others keep their processes, the secret stays.
        restarted = run(env, "start")
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
        assert f"{victim} started" in restarted.stdout and restarted.stdout.count("already running") == 2
        second = pids(root)
        assert {n: p for n, p in second.items() if n != victim} == {n: p for n, p in first.items() if n != victim}
        assert second[victim] != first[victim] and alive(second[victim])
        assert "created the cluster secret" not in restarted.stdout

        stopped = run(env, "stop")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert stopped.stdout.count("stopped") == 3 and pids(root) == {}
        assert not any(alive(p) for p in second.values())
        assert run(env, "status").returncode == 1  # nobody answers: no leader
    finally:
        for pid in pids(root).values():  # a failed assertion must not leave servers behind
            if alive(pid):
                os.kill(pid, signal.SIGKILL)



def test_the_cluster_configs_name_each_other():
    from mistral_lite.config import load

    configs = [load(str(REPO / f"conf/cluster-node{n}.yaml"), {"MISTRAL_LITE_CLUSTER_SECRET": "s"}, {})
               for n in (1, 2, 3)]
    members = {c.raft_address: f"http://{c.host}:{c.port}" for c in configs}
    assert members == {f"127.0.0.1:799{n}": f"http://127.0.0.1:899{n}" for n in (1, 2, 3)}
    for n, config in enumerate(configs, start=1):
        assert config.peer_map() == {a: u for a, u in members.items() if a != config.raft_address}
        assert (config.node_id, config.data_dir) == (f"node{n}", f"./data/cluster/node{n}")
        assert config.cluster_secret_file == "./data/cluster/secret"
