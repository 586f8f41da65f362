"""A mistral-lite server in its own process: started, stopped with a signal, or killed."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.ports import free_port


class ServerProcess:
    def __init__(self, data_dir: Path, port: int | None = None, extra_args: tuple[str, ...] = (),
                 memory_cap_mb: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.extra_args = extra_args
        # Address-space cap for the server, for tests whose failure mode is a memory bomb.
        self.memory_cap_mb = memory_cap_mb
        self.proc: subprocess.Popen | None = None
        self.log_path = data_dir.parent / f"server-{self.port}.log"

    @property
    def database(self) -> Path:
        return self.data_dir / "mistral-lite.sqlite"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2"

    def start(self, timeout: float = 20.0) -> "ServerProcess":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        args = [sys.executable, "-m", "mistral_lite", "serve", "--port", str(self.port),
                "--data-dir", str(self.data_dir), "--log-format", "json", *self.extra_args]
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env={**os.environ},
                                     preexec_fn=self._cap_memory if self.memory_cap_mb else None)
        log.close()
        self.wait_healthy(timeout)
        return self

    def _cap_memory(self) -> None:
        cap = self.memory_cap_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    def health(self) -> dict | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1) as r:
                return json.loads(r.read())
        except OSError:
            return None

    def wait_healthy(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            health = self.health()
            if health is not None:
                return health
            time.sleep(0.05)
        raise TimeoutError(f"server not healthy after {timeout}s:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> int:
        return self.stop(signal.SIGKILL)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def pause(self) -> None:
        """SIGSTOP: the process is frozen, its sockets stay open (a zombie leader)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return ""
