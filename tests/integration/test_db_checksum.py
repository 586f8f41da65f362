"""`mistral-lite db checksum`: per-table lines that agree exactly when the rows do, read offline."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from mistral_lite import commands as cmd
from mistral_lite.log.entry import Entry
from mistral_lite.store.database import Store

SCHEMA_TABLES = {"log_state", "applied_entries", "apply_errors", "workbooks", "workflow_definitions",
                 "action_definitions", "environments", "workflow_executions", "task_executions",
                 "action_executions", "timers", "cron_triggers", "event_triggers", "events", "event_executions"}


def env_row(i: int) -> dict:
    return {"id": f"env-{i:02d}", "name": f"env{i}", "variables": {"n": i, "nested": [i, str(i), i / 2]},
            "project_id": "p", "created_at": "2026-01-01 00:00:00.000000"}


def build(data_dir: Path, count: int = 12) -> Path:
    """A node's database after the same entries as any other built here."""
    store = Store(data_dir / "mistral-lite.sqlite")
    try:
        entries = [(i + 1, Entry(f"e{i}", "request", (cmd.insert("environments", env_row(i)),))) for i in range(count)]
        store.apply_batch(entries)
    finally:
        store.close()
    return data_dir


def checksum(data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mistral_lite", "db", "checksum", "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=60)


def lines(data_dir: Path) -> dict[str, str]:
    done = checksum(data_dir)
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    names = [line.split()[0] for line in out]
    assert names == sorted(names)
    return {line.split()[0]: line for line in out}


def edit(data_dir: Path, sql: str, *args) -> None:
    conn = sqlite3.connect(data_dir / "mistral-lite.sqlite")
    try:
        conn.executescript(sql) if not args else conn.execute(sql, args)
        conn.commit()
    finally:
        conn.close()


def test_equal_rows_print_equal_lines_whatever_order_they_were_written_in(tmp_path):
    a, b = build(tmp_path / "a"), build(tmp_path / "b")
    first = lines(a)
    assert set(first) == SCHEMA_TABLES
    assert first["environments"].split()[1] == "12" and first["log_state"].split()[1] == "1"
    assert lines(b) == first
    # Same rows, other physical order and pages: rewrite the table backwards, then vacuum.
    edit(b, """CREATE TEMP TABLE saved AS SELECT * FROM environments ORDER BY id DESC;
               DELETE FROM environments; INSERT INTO environments SELECT * FROM saved; VACUUM;""")
    assert lines(b) == first


def test_one_changed_value_changes_exactly_that_tables_line(tmp_path):
    a, b = build(tmp_path / "a"), build(tmp_path / "b")
    edit(b, "UPDATE environments SET variables = ? WHERE id = 'env-07'", '{"n":7,"nested":[7,"7",3.5001]}')
    before, after = lines(a), lines(b)
    assert [t for t in before if before[t] != after[t]] == ["environments"]
    assert before["environments"].split()[1] == after["environments"].split()[1]  # same count, other checksum
    # The old value back: the old line back.
    edit(b, "UPDATE environments SET variables = ? WHERE id = 'env-07'", '{"n":7,"nested":[7,"7",3.5]}')
    assert lines(b) == before
    # A value of another type with the same bytes is another value.
    edit(b, "UPDATE environments SET description = x'31' WHERE id = 'env-03'")
    one = lines(b)["environments"]
    edit(b, "UPDATE environments SET description = '1' WHERE id = 'env-03'")
    assert lines(b)["environments"] != one


def test_reads_beside_a_running_writer_and_skips_a_snapshot_table(tmp_path):
    a, b = build(tmp_path / "a"), build(tmp_path / "b")
    edit(b, "CREATE TABLE _raft_snapshot (data BLOB); INSERT INTO _raft_snapshot VALUES (x'00ff');")
    expected = lines(a)
    store = Store(b / "mistral-lite.sqlite")  # a node holding the database open for writes
    try:
        store.apply_batch([(13, Entry("e-open", "request", ()))])
        got = lines(b)
    finally:
        store.close()
    assert set(got) == SCHEMA_TABLES
    assert [t for t in expected if expected[t] != got[t]] == ["applied_entries", "log_state"]


def test_a_missing_or_broken_database_is_one_line_and_exit_1(tmp_path):
    missing = checksum(tmp_path / "nothing-here")
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr.strip().splitlines() == [
        f"mistral-lite: no database at {tmp_path / 'nothing-here' / 'mistral-lite.sqlite'}"]
    assert not (tmp_path / "nothing-here").exists()  # offline and read-only: it creates nothing
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "mistral-lite.sqlite").write_text("not a database")
    broken = checksum(tmp_path / "junk")
    assert broken.returncode == 1 and len(broken.stderr.strip().splitlines()) == 1
    assert "file is not a database" in broken.stderr
