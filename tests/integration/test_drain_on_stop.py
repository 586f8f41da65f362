"""Stopping a node lets running actions finish and records their results; a restart goes on from there.

Real server processes, real signals. The sleeping task has no safe-rerun: before draining existed,
a routine restart turned every such execution into ERROR.
"""

from __future__ import annotations

import signal
import time

from tests.integration.test_crash_recovery import call, wait_until
from tests.support.process import ServerProcess

WORKFLOWS = """---
version: '2.0'
nap_then_echo:
  input: [n, seconds]
  output: {r: <% $.r %>}
  tasks:
    nap:
      action: std.sleep seconds=<% $.seconds %>
      on-success: [echo]
    echo:
      action: std.echo output=<% $.n * 2 %>
      publish: {r: <% task().result %>}
"""


def full_log(server: ServerProcess) -> str:
    return server.log_path.read_text(errors="replace")


def start(server: ServerProcess, n: int, seconds: float) -> str:
    body = {"workflow_name": "nap_then_echo", "input": {"n": n, "seconds": seconds}}
    return call("POST", server.url + "/executions", body)["id"]


def nap_running(server: ServerProcess, n: int, seconds: float) -> str:
    """Upload the workflows, start one execution, return its id once its nap runs."""
    call("POST", server.url + "/workflows", text=WORKFLOWS)
    execution_id = start(server, n, seconds)
    wait_until(lambda: naps_running(server, 1), 10, "nap running")
    return execution_id


def wait_for_state(server: ServerProcess, execution_id: str, state: str) -> tuple[str, str]:
    wait_until(lambda: outcomes(server, [execution_id])[execution_id][0] == state, 20, state)
    return outcomes(server, [execution_id])[execution_id]


def naps_running(server: ServerProcess, count: int) -> bool:
    listed = call("GET", server.url + "/tasks?name=nap&state=RUNNING&limit=1000&fields=id")
    return len(listed["tasks"]) >= count


def outcomes(server: ServerProcess, ids: list[str]) -> dict[str, tuple[str, str]]:
    got = {}
    for execution_id in ids:
        ex = call("GET", f"{server.url}/executions/{execution_id}")
        got[execution_id] = (ex["state"], ex["output"])
    return got


def test_sigterm_under_load_loses_nothing(tmp_path):
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    try:
        call("POST", server.url + "/workflows", text=WORKFLOWS)
        ids = [start(server, n, 3) for n in range(40)]
        wait_until(lambda: naps_running(server, 40), 20, "every nap running")
    finally:
        assert server.stop(signal.SIGTERM, timeout=30) == 0, server.log()
    assert "draining" in full_log(server)

    again = ServerProcess(data, port=server.port).start()
    try:
        wait_until(lambda: all(s == "SUCCESS" for s, _ in outcomes(again, ids).values()), 30, "all SUCCESS")
        assert {i: out for i, (_, out) in outcomes(again, ids).items()} == {
            execution_id: f'{{"r": {n * 2}}}' for n, execution_id in enumerate(ids)}
        tasks = call("GET", again.url + "/tasks?limit=1000&fields=name,state")["tasks"]
        assert len(tasks) == 80 and {t["state"] for t in tasks} == {"SUCCESS"}
    finally:
        again.stop()


def test_ctrl_c_in_the_middle_of_a_three_second_sleep(tmp_path):
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    try:
        execution_id = nap_running(server, 21, 3)  # Ctrl-C as soon as the action runs
    finally:
        assert server.stop(signal.SIGINT, timeout=30) == 0, server.log()
    again = ServerProcess(data, port=server.port).start()
    try:
        assert wait_for_state(again, execution_id, "SUCCESS") == ("SUCCESS", '{"r": 42}')
    finally:
        again.stop()


def test_the_drain_is_bounded_and_what_still_runs_is_interrupted(tmp_path):
    data = tmp_path / "data"
    server = ServerProcess(data, extra_args=("--drain-timeout", "1")).start()
    try:
        execution_id = nap_running(server, 1, 60)
        began = time.monotonic()
    finally:
        assert server.stop(signal.SIGTERM, timeout=30) == 0, server.log()
    assert time.monotonic() - began < 15  # one second of drain, not the sixty of the sleep
    again = ServerProcess(data, port=server.port).start()
    try:
        wait_for_state(again, execution_id, "ERROR")
        ex = call("GET", f"{again.url}/executions/{execution_id}")
        assert "safe-rerun" in ex["state_info"]
    finally:
        again.stop()


def test_a_second_signal_stops_without_waiting(tmp_path):
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    try:
        nap_running(server, 1, 60)
        server.proc.send_signal(signal.SIGTERM)
        wait_until(lambda: "draining" in full_log(server), 10, "the drain to begin")
    finally:
        assert server.stop(signal.SIGTERM, timeout=15) == 0, server.log()
    assert "second stop signal" in full_log(server)
