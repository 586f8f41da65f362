"""apply is the only writer: deterministic, idempotent, and it never raises."""

import hashlib
import sqlite3

import pytest

from mistral_lite.log.entry import Entry
from mistral_lite import commands as cmd
from mistral_lite.store.database import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "db.sqlite")
    yield s
    s.close()


def env_row(i: int, name: str | None = None) -> dict:
    return {"id": f"id-{i}", "name": name or f"env{i}", "variables": {"k": i}, "project_id": "p",
            "created_at": "2026-01-01 00:00:00.000000"}


def checksum(path) -> str:
    conn = sqlite3.connect(path)
    digest = hashlib.sha256()
    for table in ("environments", "log_state", "applied_entries", "apply_errors"):
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1"):
            digest.update(repr(row).encode())
    conn.close()
    return digest.hexdigest()


def test_insert_then_read_back_json(store):
    [result] = store.apply_batch([(1, Entry("e1", "request", (cmd.insert("environments", env_row(1)),)))])
    assert result.status == "applied"
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT variables FROM environments").fetchone() == ('{"k":1}',)
    assert store.last_applied() == 1


def test_same_entry_at_same_index_twice_changes_nothing(store):
    entry = Entry("e1", "request", (cmd.insert("environments", env_row(1)),))
    store.apply_batch([(1, entry)])
    before = checksum(store.path)
    [again] = store.apply_batch([(1, entry)])
    assert again.status == "skipped"
    assert checksum(store.path) == before


def test_retried_entry_with_same_id_is_applied_once(store):
    entry = Entry("e1", "request", (cmd.insert("environments", env_row(1)),))
    store.apply_batch([(1, entry)])
    [again] = store.apply_batch([(2, entry)])
    assert again.status == "duplicate"
    assert sqlite3.connect(store.path).execute("SELECT COUNT(*) FROM environments").fetchone() == (1,)
    assert store.last_applied() == 2


def test_failing_entry_rolls_back_whole_and_records_error(store):
    store.apply_batch([(1, Entry("e1", "request", (cmd.insert("environments", env_row(1)),)))])
    bad = Entry("e2", "request", (
        cmd.insert("environments", env_row(2)),
        cmd.insert("environments", env_row(3, name="env1")),  # unique (name, project) violated
    ))
    [result] = store.apply_batch([(2, bad)])
    assert result.status == "error" and result.error_kind == "conflict"
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT id FROM environments ORDER BY id").fetchall() == [("id-1",)]
    assert conn.execute("SELECT log_index, entry_id, kind FROM apply_errors").fetchall() == [(2, "e2", "conflict")]
    assert store.last_applied() == 2


@pytest.mark.parametrize("command, kind", [
    ({"op": "insert", "table": "nope", "row": {}}, "invalid"),
    ({"op": "insert", "table": "log_state", "row": {}}, "invalid"),
    ({"op": "frobnicate", "table": "environments"}, "invalid"),
    ({"op": "insert", "table": "environments", "row": {"id": "x", "bogus": 1}}, "invalid"),
    ({"op": "insert", "table": "environments", "row": {"id": "x"}}, "conflict"),  # NOT NULL
    ({"op": "update", "table": "environments", "id": "missing", "set": {"name": "n"}}, "not_found"),
    ({"op": "delete", "table": "environments", "id": "missing"}, "not_found"),
    ({"op": "update", "table": "environments"}, "invalid"),
])
def test_bad_commands_become_error_rows_not_exceptions(store, command, kind):
    [result] = store.apply_batch([(1, Entry("e", "request", (command,)))])
    assert result.status == "error"
    assert result.error_kind == kind
    assert store.last_applied() == 1


def test_conditional_update_that_does_not_match_is_a_no_op(store):
    store.apply_batch([(1, Entry("e1", "request", (cmd.insert("environments", env_row(1)),)))])
    [result] = store.apply_batch([(2, Entry("e2", "request", (
        cmd.update("environments", "id-1", {"description": "late"}, when={"name": "other"}),
    )))])
    assert result.status == "applied" and result.counts == (0,)
    assert sqlite3.connect(store.path).execute("SELECT description FROM environments").fetchone() == (None,)


def test_delete_where_removes_matching_rows_only(store):
    rows = [cmd.insert("environments", env_row(i)) for i in range(3)]
    store.apply_batch([(1, Entry("e1", "request", tuple(rows)))])
    [result] = store.apply_batch([(2, Entry("e2", "request", (cmd.delete_where("environments", {"name": ["env0", "env2"]}),)))])
    assert result.counts == (2,)
    assert sqlite3.connect(store.path).execute("SELECT name FROM environments").fetchall() == [("env1",)]


def test_entry_from_an_older_epoch_is_fenced(store):
    store.apply_batch([(1, Entry("b", "barrier", (), epoch=5))])
    [result] = store.apply_batch([(2, Entry("e", "engine", (cmd.insert("environments", env_row(1)),), epoch=4))])
    assert result.status == "fenced"
    assert sqlite3.connect(store.path).execute("SELECT COUNT(*) FROM environments").fetchone() == (0,)


def test_replaying_a_log_on_an_empty_database_gives_identical_rows(tmp_path):
    entries = [
        Entry("a", "request", (cmd.insert("environments", env_row(1)), cmd.insert("environments", env_row(2)))),
        Entry("b", "request", (cmd.update("environments", "id-1", {"description": "d", "variables": [1, 2]}),)),
        Entry("c", "request", (cmd.insert("environments", env_row(9, name="env2")),)),  # conflict
        Entry("d", "request", (cmd.delete("environments", "id-2"),)),
    ]
    live = Store(tmp_path / "live.sqlite")
    for i, entry in enumerate(entries, start=1):
        live.apply_batch([(i, entry)])
    replica = Store(tmp_path / "replica.sqlite")
    replica.apply_batch(list(enumerate(entries, start=1)))
    assert checksum(live.path) == checksum(replica.path)
