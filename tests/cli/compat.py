"""Run a family of CLI steps (tests/cli/FAMILY.yaml) with a `mistral` command against a server, normalised.

Shared by the recorder (scripts/cli_record.py, against real Mistral) and the test (against mistral-lite), so
both sides are run and normalised by the same code. The format is described in tests/cli/README.md.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any, Protocol

import yaml

HERE = Path(__file__).resolve().parent
PREFIX = "cli_"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?")
# "Duration": "0:00:33" in JSON, "| Duration | 0:02:57... |" in a table, "duration: ..." in a report.
DURATION = re.compile(r"\d+:\d\d:\d\d(\.\d+)?(\.\.\.)?")
WAIT_PATHS = {"execution": "executions", "task": "tasks", "action_execution": "action_executions"}
CALL_TIMEOUT = 60.0
WAIT_TIMEOUT = 30.0


@dataclass
class Step:
    id: str
    cli: str
    save: dict[str, str] = field(default_factory=dict)
    wait: dict[str, str] | None = None
    mine: bool | str = False  # true: rows naming the prefix or a saved value; "ids": a saved value only


@dataclass
class Family:
    name: str
    prefix: str  # every object the steps create is named with it; `mine` keeps rows mentioning it
    files: dict[str, str]
    steps: list[Step]

    @property
    def recording_path(self) -> Path:
        return HERE / f"{self.name}.recorded.yaml"

    def recording(self) -> list[dict[str, Any]]:
        if not self.recording_path.exists():
            return []
        return yaml.safe_load(self.recording_path.read_text(encoding="utf-8")) or []


def families() -> list[Family]:
    return [load(path) for path in sorted(HERE.glob("*.yaml"))
            if not path.name.endswith(".recorded.yaml") and path.name != "differences.yaml"]


def load(path: Path) -> Family:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    steps = [Step(**raw) for raw in data["steps"]]
    ids = [s.id for s in steps]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path.name}: step ids are not unique")
    prefix = data["prefix"]
    if not prefix.startswith(PREFIX):
        raise ValueError(f"{path.name}: prefix {prefix!r} does not start with {PREFIX!r}")
    return Family(path.stem, prefix, data.get("files") or {}, steps)


class Normaliser:
    """Replaces what differs between two runs of the same steps; ids keep their order of first appearance."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        text = UUID.sub(self._id, text)
        text = TIMESTAMP.sub("<time>", text)
        text = DURATION.sub("<duration>", text)
        return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")

    def _id(self, match: re.Match[str]) -> str:
        return self.ids.setdefault(match.group(0), f"<id:{len(self.ids) + 1}>")


def cli_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_AUTH_TOKEN", "OS_PROJECT_NAME")}
    env["OS_MISTRAL_URL"] = url
    return env


def wait_for(url: str, wait: dict[str, str], variables: dict[str, str]) -> str | None:
    """None once the object is in the wanted state, else what it still is after WAIT_TIMEOUT."""
    state = wait.get("state", "SUCCESS")
    kind, var = next((k, v) for k, v in wait.items() if k in WAIT_PATHS)
    if var not in variables:
        return f"no {var} to wait for"
    target = f"{url}/{WAIT_PATHS[kind]}/{variables[var]}"
    deadline = time.monotonic() + WAIT_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(target, timeout=10) as response:
                got = json.loads(response.read())["state"]
        except urllib.error.HTTPError as error:
            got = f"HTTP {error.code}"
        if got == state:
            return None
        if time.monotonic() > deadline:
            return f"{kind} still {got}, not {state}, after {WAIT_TIMEOUT:.0f}s"
        time.sleep(0.1)


def mine_only(stdout: str, prefix: str | None, variables: dict[str, str]) -> str:
    """The rows of a JSON list that mention the prefix (unless None) or a saved value."""
    rows = json.loads(stdout)
    known = set(variables.values())

    def ours(row: dict[str, Any]) -> bool:
        return any(isinstance(v, str) and ((prefix is not None and prefix in v) or v in known) for v in row.values())

    return json.dumps([row for row in rows if ours(row)], indent=2)


def saved(stdout: str, save: dict[str, str]) -> dict[str, str]:
    data = json.loads(stdout)
    out = {}
    for name, path in save.items():
        value: Any = data
        for part in path.split("."):
            value = value[int(part)] if isinstance(value, list) else value[part]
        out[name] = str(value)
    return out


class Cli(Protocol):
    def __call__(self, argv: list[str], cwd: str) -> tuple[int, str, str]: ...


def subprocess_cli(mistral: str, url: str) -> Cli:
    """Each call is a `mistral` process, exactly as a user runs it (the recorder's way)."""
    def call(argv: list[str], cwd: str) -> tuple[int, str, str]:
        done = subprocess.run([mistral, *argv], cwd=cwd, env=cli_env(url), capture_output=True, text=True,
                              timeout=CALL_TIMEOUT, check=False)
        return done.returncode, done.stdout, done.stderr
    return call


@contextmanager
def driver_cli(python: str, url: str) -> Iterator[Cli]:
    """Every call runs the client's entry point inside one process of that Python (cli_driver.py)."""
    proc = subprocess.Popen([python, str(HERE / "cli_driver.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            env=cli_env(url), text=True)
    assert proc.stdin is not None and proc.stdout is not None

    def call(argv: list[str], cwd: str) -> tuple[int, str, str]:
        proc.stdin.write(json.dumps({"argv": argv, "cwd": cwd}) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the CLI driver stopped (exit {proc.wait(CALL_TIMEOUT)})")
        answer = json.loads(line)
        return answer["exit"], answer["stdout"], answer["stderr"]

    try:
        yield call
    finally:
        proc.stdin.close()
        try:
            proc.wait(CALL_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_family(family: Family, url: str, cli: Cli) -> list[dict[str, Any]]:
    """Every step of the family, in order, as {id, exit, stdout, stderr} normalised."""
    normalise = Normaliser()
    variables: dict[str, str] = {}
    results = []
    with tempfile.TemporaryDirectory(prefix=f"cli-{family.name}-") as scratch:
        for name, text in family.files.items():
            Path(scratch, name).write_text(text, encoding="utf-8")
        for step in family.steps:
            stuck = wait_for(url, step.wait, variables) if step.wait else None
            if stuck:
                results.append({"id": step.id, "exit": None, "stdout": "", "stderr": f"(not run: {stuck})"})
                continue
            argv = shlex.split(Template(step.cli).safe_substitute(variables))
            code, stdout, stderr = cli(argv, scratch)
            if code == 0 and step.save:
                variables.update(saved(stdout, step.save))
            if code == 0 and step.mine:
                stdout = mine_only(stdout, None if step.mine == "ids" else family.prefix, variables)
            results.append({"id": step.id, "exit": code, "stdout": normalise(stdout), "stderr": normalise(stderr)})
    return results
