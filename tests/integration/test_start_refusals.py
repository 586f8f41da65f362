"""A database the node cannot trust or cannot write is refused at start: one line, exit code 1,
nothing written. Before: a corrupt page started (and a new execution hung RUNNING), an
immutable or read-only file started and failed every write, garbage ended in a traceback."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
from pathlib import Path

import aiohttp
import pytest

from tests.support.api import Api
from tests.support.process import ServerProcess
from tests.support.storage_faults import GARBAGE, corrupt_middle_leaf, immutable, serve_expecting_refusal

WORKFLOW = """---
version: '2.0'
greet:
  input: [name]
  tasks:
    hello:
      action: std.echo output="hello <% $.name %>"
"""
EXECUTIONS = 40  # enough rows for workflow_executions to span several leaf pages


async def _fill(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        api = Api(http, url)
        await api.upload(WORKFLOW)
        for n in range(EXECUTIONS):
            ex = await api.run("greet", {"name": f"user-{n}" * 20})
            assert ex["state"] == "SUCCESS", ex


@pytest.fixture(scope="module")
def used_database(tmp_path_factory) -> Path:
    """A data directory a real server filled and stopped cleanly."""
    data = tmp_path_factory.mktemp("used") / "data"
    server = ServerProcess(data, extra_args=("--log-level", "warning")).start()
    try:
        asyncio.run(_fill(server.url))
    finally:
        assert server.stop() == 0
    return data


@pytest.fixture
def data_dir(used_database: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(used_database, copy)
    return copy


def db_file(data_dir: Path) -> Path:
    return data_dir / "mistral-lite.sqlite"


def digest(data_dir: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(data_dir.iterdir())
            if p.name.startswith("mistral-lite.sqlite")}


def refusal(data_dir: Path, *extra_args: str) -> str:
    """The one line a refused start prints (its message), after checking exit code and shape."""
    code, lines = serve_expecting_refusal(data_dir, extra_args)
    assert code == 1, lines
    assert len(lines) == 1, "\n".join(lines)
    record = json.loads(lines[0])
    assert record["event"] == "cannot start" and record["level"] == "error", record
    return record["error"]


# workflow_executions is read at start (before: a traceback); action_executions is not
# (before: the node started, /health said "database ok").
@pytest.mark.parametrize("table", ["workflow_executions", "action_executions"])
def test_a_corrupt_page_is_refused_with_the_way_to_restore(data_dir: Path, table: str) -> None:
    corrupt_middle_leaf(db_file(data_dir), table)
    before = digest(data_dir)
    message = refusal(data_dir)
    assert f"database {db_file(data_dir)} is corrupt (quick_check:" in message
    assert "restore a backup" in message and "docs/operations.md" in message
    assert digest(data_dir) == before  # nothing was written: no migration, no crash recovery


def test_the_full_check_is_chosen_with_an_option(data_dir: Path) -> None:
    corrupt_middle_leaf(db_file(data_dir), "workflow_executions")
    assert "is corrupt (integrity_check:" in refusal(data_dir, "--integrity-check", "full")


def test_a_file_that_is_not_a_database_is_refused(data_dir: Path) -> None:
    for p in data_dir.glob("mistral-lite.sqlite*"):
        p.unlink()
    db_file(data_dir).write_bytes(GARBAGE * 1024)
    message = refusal(data_dir)
    assert message.startswith(f"{db_file(data_dir)} is not a SQLite database; restore a backup"), message
    assert db_file(data_dir).read_bytes() == GARBAGE * 1024


def test_a_read_only_database_is_refused(data_dir: Path) -> None:
    db_file(data_dir).chmod(0o444)  # refused even as root, whom the kernel would let write
    message = refusal(data_dir)
    assert message == (f"database file {db_file(data_dir)} is read-only (mode 444); "
                       "make it writable or start with another --data-dir")


def test_an_immutable_database_is_refused(data_dir: Path) -> None:
    with immutable(db_file(data_dir)):
        message = refusal(data_dir)
    assert f"database file {db_file(data_dir)} cannot be opened for writing: Operation not permitted" in message


def test_a_data_directory_that_cannot_be_written_is_refused(data_dir: Path) -> None:
    with immutable(data_dir):
        message = refusal(data_dir)
    assert message.startswith(f"data directory {data_dir} is not writable"), message


def test_a_data_directory_that_is_a_file_is_refused(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("x")
    assert refusal(not_a_dir) == f"data directory {not_a_dir} is not a directory"


def test_a_newer_schema_is_refused_in_one_line(data_dir: Path) -> None:
    with sqlite3.connect(db_file(data_dir)) as conn:
        conn.execute("PRAGMA user_version = 999")
    conn.close()
    message = refusal(data_dir)
    assert "database schema version 999 is newer than this mistral-lite" in message


async def test_an_intact_copy_still_starts_and_serves(data_dir: Path) -> None:
    server = ServerProcess(data_dir).start()
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(http, server.url)
            listed = await api.ok("GET", "/executions?fields=id,state")
            assert len(listed["executions"]) == EXECUTIONS
            assert (await api.run("greet", {"name": "again"}))["state"] == "SUCCESS"
    finally:
        server.stop()
