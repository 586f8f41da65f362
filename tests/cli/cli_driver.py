"""Many `mistral` command lines in one process: python-mistralclient's own entry point
(`mistralclient.shell.main`, what the `mistral` script calls) once per line read from stdin.

Run with the Python of the virtualenv whose client is under test. Each line in is a JSON object
{"argv": [...], "cwd": DIR}; each line out is {"exit": N, "stdout": TEXT, "stderr": TEXT}. Starting a
Python per call costs ~0.7 s of CPU; a family of 30 steps runs here in the time of a few.
"""

import contextlib
import io
import json
import logging
import os
import sys

# cliff names the program (usage lines, errors) after argv[0] when it is imported.
sys.argv[0] = "mistral"

from mistralclient import shell  # noqa: E402


def _clear_logging() -> None:
    # The shell's logging.basicConfig binds the stderr of the first call; each call gets its own.
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)


def run(argv: list, cwd: str) -> dict:
    os.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    _clear_logging()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = shell.main(argv)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    _clear_logging()
    return {"exit": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def main() -> None:
    protocol = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        protocol.write(json.dumps(run(request["argv"], request["cwd"])) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
