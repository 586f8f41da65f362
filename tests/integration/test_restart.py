"""A real server process: SIGTERM stops it cleanly, a new start resumes with all data."""

import json
import signal
import subprocess
import sys
import urllib.request

from tests.support import workflows
from tests.support.process import ServerProcess


def request(method: str, url: str, body: str | None = None) -> tuple[int, dict | None]:
    req = urllib.request.Request(url, data=body.encode() if body else None, method=method,
                                 headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def test_data_survives_sigterm_and_restart(tmp_path):
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    try:
        status, body = request("POST", server.url + "/workflows", workflows.simple())
        assert status == 201
        created = body["workflows"][0]
        assert request("POST", server.url + "/workflows", workflows.TWO)[0] == 201
        assert request("DELETE", server.url + "/workflows/first")[0] == 204
        applied = server.health()["applied_index"]
        assert applied == 3
    finally:
        assert server.stop(signal.SIGTERM) == 0, server.log()
    assert '"stopped"' in server.log()

    again = ServerProcess(data, port=server.port).start()
    try:
        assert again.health()["applied_index"] == applied
        status, got = request("GET", again.url + "/workflows/hello")
        assert status == 200
        assert got["id"] == created["id"] and got["definition"] == created["definition"]
        names = [w["name"] for w in request("GET", again.url + "/workflows")[1]["workflows"]]
        assert names == ["hello", "second"]
        # and it keeps taking writes where it left off
        assert request("POST", again.url + "/workflows", workflows.simple("after"))[0] == 201
        assert again.health()["applied_index"] == applied + 1
    finally:
        assert again.stop(signal.SIGINT) == 0, again.log()


def test_logs_are_json_lines_with_requests_and_state_changes(tmp_path):
    server = ServerProcess(tmp_path / "data").start()
    try:
        request("POST", server.url + "/workflows", workflows.simple())
    finally:
        server.stop()
    events = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    assert any(e["event"] == "request" and e["method"] == "POST" and e["status"] == 201 for e in events)
    assert any(e["event"] == "state change" and e["table"] == "workflow_definitions" for e in events)


def test_second_server_on_a_busy_port_fails_clearly(tmp_path):
    first = ServerProcess(tmp_path / "a").start()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "mistral_lite", "serve", "--port", str(first.port),
             "--data-dir", str(tmp_path / "b"), "--log-format", "json"],
            capture_output=True, text=True, timeout=30,
        )
        assert proc.returncode == 1
        assert "cannot start" in proc.stderr and "address already in use" in proc.stderr.lower()
        assert first.health() is not None  # the first one is unharmed
    finally:
        first.stop()
