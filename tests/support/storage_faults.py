"""Real storage faults for tests: immutable files, a corrupt page, a start that must be refused."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.ports import free_port
from tests.support.process import ServerProcess

# 64 bytes no SQLite page can start with: 0xA0 is no b-tree page type.
GARBAGE = bytes(range(0xA0, 0xE0))


def _run_as_root(args: list[str]) -> None:
    """Make a real fault; the suite runs as root on ext4, as CI does, so a refusal fails the test."""
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args[:2])} failed (needs root on ext4): {done.stderr.strip()}")


@contextmanager
def immutable(path: Path) -> Iterator[Path]:
    """chattr +i: not even root can write it, and writes through already open files fail."""
    _run_as_root(["chattr", "+i", str(path)])
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def corrupt_middle_leaf(db: Path, table: str) -> int:
    """Overwrite the first 64 bytes of the middle leaf page of `table`; returns the page number."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        pages = [p for (p,) in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", (table,))]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    assert len(pages) >= 3, f"{table} has only {len(pages)} leaf pages"
    page = pages[len(pages) // 2]
    with open(db, "r+b") as f:
        f.seek((page - 1) * page_size)
        f.write(GARBAGE)
    return page


def serve_expecting_refusal(data_dir: Path, extra_args: tuple[str, ...] = (), timeout: float = 30.0) -> tuple[int, list[str]]:
    """Start `mistral-lite serve` on data_dir; it must exit on its own, without ever
    answering /health. Returns (exit code, non-empty output lines)."""
    port = free_port()
    args = [sys.executable, "-m", "mistral_lite", "serve", "--port", str(port),
            "--data-dir", str(data_dir), "--log-format", "json", *extra_args]
    with tempfile.TemporaryFile() as output:
        proc = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT, env={**os.environ})
        try:
            deadline = time.monotonic() + timeout
            while proc.poll() is None and time.monotonic() < deadline:
                if ServerProcess(data_dir, port).health() is not None:
                    break
                time.sleep(0.05)
        finally:
            started = proc.poll() is None
            if started:
                proc.kill()
            proc.wait()
        output.seek(0)
        text = output.read().decode(errors="replace")
    assert not started, f"the server started instead of refusing:\n{text[-3000:]}"
    return proc.returncode, [line for line in text.splitlines() if line.strip()]


@contextmanager
def small_file_system(path: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of `size` mounted at path (root only), to fill up for real."""
    path.mkdir(parents=True, exist_ok=True)
    _run_as_root(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)])
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def fill_up(path: Path, bound: int = 10_000) -> Path:
    """Write zeros to `path` until the file system is full; returns the file."""
    chunk = bytes(64 * 1024)
    with open(path, "wb", buffering=0) as f:
        for _ in range(bound):
            try:
                f.write(chunk)
            except OSError:
                break
        else:
            raise AssertionError(f"{path}: the file system did not fill up after {bound} chunks")
    return path
