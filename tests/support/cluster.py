"""A real three-node cluster for a test: three mistral-lite processes on 127.0.0.1, each with its own data
directory, Raft port and API port, joined by a secret. Nodes are killed with SIGKILL, frozen with SIGSTOP."""

from __future__ import annotations

import asyncio
import inspect
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

from tests.support.ports import free_port
from tests.support.process import ServerProcess

T = TypeVar("T")

SECRET = "cluster-test-secret"


class LocalCluster:
    def __init__(self, root: Path, size: int = 3, extra_args: tuple[str, ...] = ()) -> None:
        self.root = root
        api = [free_port() for _ in range(size)]
        raft = [free_port() for _ in range(size)]
        self.nodes: list[ServerProcess] = []
        for i in range(size):
            peers = ",".join(f"127.0.0.1:{raft[j]}=http://127.0.0.1:{api[j]}" for j in range(size) if j != i)
            args = ("--node-id", f"node{i + 1}", "--raft-address", f"127.0.0.1:{raft[i]}", "--peers", peers,
                    "--cluster-secret", SECRET, "--log-level", "info", *extra_args)
            self.nodes.append(ServerProcess(root / f"node{i + 1}", port=api[i], extra_args=args))

    def __enter__(self) -> "LocalCluster":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 60.0) -> ServerProcess:
        """Start every node that is not running; returns the leader once one is elected and every running
        node knows it (so a write through any of them is forwarded, not refused)."""
        for node in self.nodes:
            if not node.running:
                node.start(timeout)
        return self.agreed_leader(timeout)

    def agreed_leader(self, timeout: float = 40.0) -> ServerProcess:
        def agreed() -> ServerProcess | None:
            leader = self._find_leader(None)
            if leader is None:
                return None
            address = (leader.health() or {}).get("leader")
            known = {(node.health() or {}).get("leader") for node in self.running()}
            return leader if address and known == {address} else None
        return wait_for(agreed, timeout, "a leader every node knows")

    def stop(self) -> None:
        for node in self.nodes:
            if node.running:
                node.resume()  # a frozen process cannot handle SIGTERM
                node.stop()

    def leader(self, timeout: float = 40.0, exclude: ServerProcess | None = None) -> ServerProcess:
        """The node that leads with the highest term, as the running nodes report it."""
        return wait_for(lambda: self._find_leader(exclude), timeout, "a leader")

    def _find_leader(self, exclude: ServerProcess | None) -> ServerProcess | None:
        best, best_term = None, -1
        for node in self.running(exclude):
            health = node.health()
            if health and health.get("role") == "leader" and health.get("term", 0) > best_term:
                best, best_term = node, health.get("term", 0)
        return best

    def running(self, exclude: ServerProcess | None = None) -> list[ServerProcess]:
        return [n for n in self.nodes if n.running and n is not exclude]

    def followers(self) -> list[ServerProcess]:
        leader = self.leader()
        return [n for n in self.running() if n is not leader]

    def wait_applied_equal(self, timeout: float = 40.0) -> int:
        """Wait until every running node has applied the same index; returns it."""
        return wait_applied_equal(self.running(), timeout)

    def logs(self) -> str:
        return "\n".join(f"--- {n.data_dir.name} ---\n{n.log()}" for n in self.nodes)


def wait_applied_equal(nodes: list[ServerProcess], timeout: float = 40.0) -> int:
    """Wait until these (running) nodes report the same applied index; returns it."""
    def same() -> int | None:
        seen = {(node.health() or {}).get("applied_index") for node in nodes}
        return seen.pop() if len(seen) == 1 and None not in seen else None
    return wait_for(same, timeout, "equal applied indexes")


def wait_for(probe: Callable[[], T | None], timeout: float, what: str, every: float = 0.05) -> T:
    """Poll `probe` until it returns something other than None, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} after {timeout} s")
        time.sleep(every)


async def until(probe: Callable[[], Any], timeout: float, what: str, every: float = 0.05) -> Any:
    """wait_for for tests on the event loop: call (and await, if it is a coroutine function) `probe` until it
    gives something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if inspect.isawaitable(found):
            found = await found
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} after {timeout} s")
        await asyncio.sleep(every)
