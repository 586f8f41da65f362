import sqlite3

import pytest

from mistral_lite.store.database import Store, connect
from mistral_lite.store.migrations import LATEST_VERSION, MigrationError, migrate

TABLES = {
    "log_state", "applied_entries", "apply_errors", "workbooks", "workflow_definitions",
    "action_definitions", "environments", "workflow_executions", "task_executions",
    "action_executions", "timers", "cron_triggers",
}


def test_empty_file_gets_every_table(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    assert store.schema_version == LATEST_VERSION
    assert TABLES <= set(store.catalog.tables)
    assert store.last_applied() == 0
    store.close()


def test_database_is_in_wal_mode(tmp_path):
    Store(tmp_path / "db.sqlite").close()
    conn = connect(tmp_path / "db.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_keeps_data_and_runs_nothing_again(tmp_path):
    path = tmp_path / "db.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO environments (id, name, project_id, created_at) VALUES ('e', 'env', 'p', 't')")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.schema_version == LATEST_VERSION
    store.close()
    assert sqlite3.connect(path).execute("SELECT name FROM environments").fetchall() == [("env",)]


def test_json_columns_are_known_from_the_schema(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    executions = store.catalog.table("workflow_executions")
    assert {"input", "output", "params", "spec"} <= executions.json_columns
    assert "state" not in executions.json_columns


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "db.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(MigrationError, match="newer"):
        migrate(sqlite3.connect(path, isolation_level=None))


def test_a_single_node_database_of_version_1_gains_the_fence_and_keeps_its_log(tmp_path):
    from mistral_lite.store.migrations import MIGRATIONS

    path = tmp_path / "db.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    version, sql = MIGRATIONS[0]
    conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
    conn.execute("UPDATE log_state SET last_applied = 7, epoch = 2")
    conn.execute("INSERT INTO apply_errors (log_index, entry_id, kind, message) VALUES (5, 'x', 'invalid', 'm')")
    conn.close()
    store = Store(path)
    try:
        assert store.log_state() == {"last_applied": 7, "epoch": 2, "chain": None, "index_base": 0}
        assert store._conn.execute("SELECT log_index, position, entry_id FROM apply_errors").fetchall() == [(5, 0, "x")]
    finally:
        store.close()
