"""What a cluster test checks once its nodes are stopped: the same rows on every node (by `mistral-lite db
checksum`, the operator's tool) and no work done twice, read straight from each node's SQLite file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.cluster import LocalCluster, wait_applied_equal
from tests.support.process import ServerProcess


def checksums(data_dir: Path) -> list[str]:
    """`mistral-lite db checksum --data-dir DIR`: one line per table."""
    done = subprocess.run([sys.executable, "-m", "mistral_lite", "db", "checksum", "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def stop_settled(cluster: LocalCluster) -> None:
    """Stop every node once they have applied the same entries, followers first: stopping the leader first
    would make the others elect a new one and commit its barrier, which the stopped node never sees."""
    cluster.wait_applied_equal()
    leader = cluster.leader()
    for node in [n for n in cluster.running() if n is not leader] + [leader]:
        node.stop()


def assert_same_rows(nodes: list[ServerProcess]) -> list[str]:
    """Every node's tables are equal, row for row (running ones once they applied the same entries);
    returns the lines of one."""
    running = [node for node in nodes if node.running]
    if running:
        wait_applied_equal(running)
    sums = {node.data_dir.name: checksums(node.data_dir) for node in nodes}
    first = next(iter(sums.values()))
    for name, lines in sums.items():
        assert lines == first, (name, sorted(set(lines) ^ set(first)))
    return first


def duplicated_work(data_dir: Path) -> list[tuple]:
    """Task executions that exist twice for one task of one execution, and tasks with more than one action
    execution where none of the tasks' specs asked for more (no with-items or retry in these tests)."""
    with sqlite3.connect(f"file:{data_dir / 'mistral-lite.sqlite'}?mode=ro", uri=True) as conn:
        tasks = conn.execute("SELECT workflow_execution_id, name, COUNT(*) FROM task_executions "
                             "GROUP BY workflow_execution_id, name HAVING COUNT(*) > 1").fetchall()
        actions = conn.execute("SELECT task_execution_id, COUNT(*) FROM action_executions "
                               "WHERE task_execution_id IS NOT NULL "
                               "GROUP BY task_execution_id HAVING COUNT(*) > 1").fetchall()
    return tasks + actions


def count(data_dir: Path, sql: str, *args: object) -> int:
    with sqlite3.connect(f"file:{data_dir / 'mistral-lite.sqlite'}?mode=ro", uri=True) as conn:
        return conn.execute(sql, args).fetchone()[0]
