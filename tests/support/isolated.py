"""Evaluating expressions in a child process capped in memory and time.

A bomb the code under test fails to stop then fails its test (MemoryError at
the cap, or "still running" after the timeout) instead of taking the machine.
The child stays up between calls, so each evaluation costs milliseconds.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from typing import Any

_CHILD = r"""
import json, resource, sys, time
cap = int(sys.argv[1]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from mistral_lite.expr import ExpressionError, configure_limits, evaluate
defaults = configure_limits()
for line in sys.stdin:
    request = json.loads(line)
    configure_limits(timeout=request["timeout"] or defaults.timeout, max_size=request["max_size"] or defaults.max_size)
    start = time.perf_counter()
    try:
        reply = {"value": evaluate(request["expression"], request["data"])}
    except ExpressionError as e:
        reply = {"error": "ExpressionError", "message": str(e)}
    except BaseException as e:
        reply = {"error": type(e).__name__, "message": str(e)[:500]}
    reply["seconds"] = time.perf_counter() - start
    try:
        text = json.dumps(reply)
    except (TypeError, ValueError) as e:
        text = json.dumps({"error": "unserialisable result", "message": str(e), "seconds": reply["seconds"]})
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
"""


class IsolatedEvaluator:
    def __init__(self, memory_mb: int = 1024) -> None:
        self.memory_mb = memory_mb
        self.proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(self.memory_mb)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True, env={**os.environ})
        return self.proc

    def evaluate(self, expression: str, data: dict | None = None, *, timeout: float = 30.0,
                 expression_timeout: float | None = None, max_size: int | None = None) -> dict[str, Any]:
        """{"value": ...} or {"error": kind, "message": ...}, plus "seconds"; "error": "still running" after timeout."""
        proc = self._start()
        request = {"expression": expression, "data": data or {}, "timeout": expression_timeout, "max_size": max_size}
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.flush()
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + timeout
            while not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                if time.monotonic() >= deadline:
                    self.close()
                    return {"error": "still running", "message": f"killed after {timeout} s", "seconds": timeout}
        line = proc.stdout.readline()
        if not line:
            code = proc.wait()
            self.proc = None
            return {"error": "child died", "message": f"exit code {code}", "seconds": None}
        return json.loads(line)

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
