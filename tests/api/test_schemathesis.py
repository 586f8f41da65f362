"""Schemathesis against a real server on 127.0.0.1 with a fresh data directory, driven by GET /v2/openapi.json.

Bounded: at most EXAMPLES generated cases per operation and phase, a fixed seed,
one worker, and a deadline for the whole run. It must find no 5xx, no answer
outside the documented schemas, statuses or content types, and a 405 with
`Allow` for a method a path does not have.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.process import ServerProcess

SCHEMATHESIS = Path(sys.executable).parent / "st"
EXAMPLES = 5
SEED = 1
DEADLINE = 120  # seconds for the whole run; it takes about 20 on an idle machine
CHECKS = ("not_a_server_error", "response_schema_conformance", "status_code_conformance",
          "content_type_conformance", "unsupported_method")


def test_schemathesis_finds_no_server_error_and_no_schema_break(tmp_path):
    server = ServerProcess(tmp_path / "data", extra_args=("--log-level", "warning")).start()
    try:
        run = subprocess.run(
            [str(SCHEMATHESIS), "run", f"{server.url}/openapi.json", "--max-examples", str(EXAMPLES),
             "--seed", str(SEED), "--workers", "1", "--checks", ",".join(CHECKS), "--generation-database", "none",
             "--request-timeout", "10", "--no-color", "--suppress-health-check", "all"],
            cwd=tmp_path, capture_output=True, text=True, timeout=DEADLINE,
            env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"},
        )
    finally:
        server.stop()
    report = run.stdout[-20000:] + run.stderr[-5000:]
    assert run.returncode == 0, report
    assert " generated" in report and "passed" in report, report
