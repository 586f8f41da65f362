"""`mistral-lite run FILE`: a workflow run in-process, progress on stderr, output on stdout."""

import json
import signal
import subprocess
import sys
import time

from tests.support.workflows import HELLO

DOCUMENT = HELLO + """broken:
  tasks:
    boom: {action: std.fail error_data="out of coffee"}
"""


def run(tmp_path, *args, text=DOCUMENT):
    path = tmp_path / "wf.yaml"
    path.write_text(text)
    return subprocess.run([sys.executable, "-m", "mistral_lite", "run", str(path), *args],
                          capture_output=True, text=True, timeout=60)


def test_success_prints_progress_and_output(tmp_path):
    proc = run(tmp_path, "--input", '{"name": "Ann"}')
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"message": "Hello, Ann"}
    assert "SUCCESS   greet" in proc.stderr and "SUCCESS   done" in proc.stderr


def test_failure_exits_1_with_the_reason(tmp_path):
    proc = run(tmp_path, "--workflow", "broken")
    assert proc.returncode == 1
    assert "out of coffee" in proc.stderr
    assert json.loads(proc.stdout)["result"].startswith("Failure caused by error in tasks: boom")


def test_bad_input_and_bad_file_exit_2(tmp_path):
    proc = run(tmp_path, "--input", '{"nam": "x"}')
    assert proc.returncode == 2 and "missing=['name']" in proc.stderr
    proc = run(tmp_path, text="version: '2.0'\nwf:\n  tasks:\n    t: {on-success: [ghost]}\n")
    assert proc.returncode == 2 and "Task 'ghost' not found." in proc.stderr and "line 4" in proc.stderr
    proc = run(tmp_path, "--workflow", "nope")
    assert proc.returncode == 2 and "'nope' is not in the file" in proc.stderr


def test_ctrl_c_ends_with_one_line_and_an_async_action_is_announced(tmp_path):
    path = tmp_path / "wf.yaml"
    path.write_text("version: '2.0'\nwaits:\n  tasks:\n    hold: {action: std.async_noop}\n")
    proc = subprocess.Popen([sys.executable, "-m", "mistral_lite", "run", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # readline blocks until the next progress line
            line = proc.stderr.readline()
            lines.append(line)
            if "waiting" in line or not line:
                break
        assert any("hold: std.async_noop is asynchronous" in line for line in lines), lines
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "Traceback" not in rest
    assert [line for line in rest.splitlines() if line.strip()] == [
        next(line for line in rest.splitlines() if line.startswith("mistral-lite: interrupted; execution "))]
