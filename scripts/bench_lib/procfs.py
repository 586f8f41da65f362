"""CPU seconds and memory of a process tree, read straight from /proc (Linux, standard library only)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from typing import Self

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 2**20


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name; index 0 is the state (field 3)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    return s[s.rindex(")") + 2:].split()


def alive(pid: int) -> bool:
    """Running and not a zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def tree(roots: Iterable[int]) -> list[int]:
    """The roots and all their descendants that exist now."""
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            fields = _stat_fields(int(d))
            if fields is not None:
                kids.setdefault(int(fields[1]), []).append(int(d))
    out: list[int] = []
    todo = [p for p in roots if p]
    while todo:
        p = todo.pop()
        if p not in out:
            out.append(p)
            todo.extend(kids.get(p, []))
    return out


def cpu_seconds(pids: Iterable[int]) -> float:
    """utime + stime (fields 14 and 15) summed over the given pids (not their children)."""
    total = 0
    for p in pids:
        fields = _stat_fields(p)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def tree_cpu_seconds(roots: Iterable[int]) -> float:
    return cpu_seconds(tree(roots))


def status_kib(pid: int, key: str) -> int | None:
    """A `kB` line of /proc/PID/status, e.g. VmRSS or VmHWM."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def rss_bytes(pids: Iterable[int]) -> int:
    total = 0
    for p in pids:
        kib = status_kib(p, "VmRSS")
        total += (kib or 0) * 1024
    return total


def hwm_bytes(pid: int) -> int | None:
    kib = status_kib(pid, "VmHWM")
    return kib * 1024 if kib is not None else None


def reset_hwm(pid: int) -> bool:
    """Reset the kernel's peak-RSS counter (VmHWM) of pid: `echo 5 > /proc/PID/clear_refs`."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class RssSampler:
    """Peak of the summed VmRSS of a process tree, sampled every `every` seconds in a thread."""

    def __init__(self, roots: Iterable[int], every: float = 0.2) -> None:
        self.roots = list(roots)
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> None:
        self.peak = max(self.peak, rss_bytes(tree(self.roots)))

    def __enter__(self) -> Self:
        self.sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()


def idle_cpu(roots: Iterable[int], seconds: float) -> dict[str, float]:
    """CPU the tree used while nobody talks to it for `seconds`."""
    roots = list(roots)
    c0, t0 = tree_cpu_seconds(roots), time.monotonic()
    time.sleep(seconds)
    c1, t1 = tree_cpu_seconds(roots), time.monotonic()
    wall = t1 - t0
    return {"seconds": round(wall, 2), "cpu_s": round(c1 - c0, 3),
            "percent_of_core": round(100 * (c1 - c0) / wall, 2) if wall else 0.0}
