"""Versioned schema migrations. Append only: a released migration never changes.

Columns declared with the type JSON hold JSON text; the store encodes and
decodes them, so commands and queries deal in plain Python values.
Timestamps are UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' (sortable as text);
the API trims them to whole seconds as Mistral shows them.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE log_state (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            last_applied INTEGER NOT NULL,
            epoch INTEGER NOT NULL
        );
        INSERT INTO log_state (singleton, last_applied, epoch) VALUES (1, 0, 0);

        -- Ids of recent entries, so a retried submission is applied once.
        CREATE TABLE applied_entries (
            entry_id TEXT PRIMARY KEY,
            log_index INTEGER NOT NULL
        );
        CREATE INDEX applied_entries_index ON applied_entries (log_index);

        -- An entry that could not be applied leaves a row here, the same on every node.
        CREATE TABLE apply_errors (
            log_index INTEGER PRIMARY KEY,
            entry_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            message TEXT NOT NULL
        );

        CREATE TABLE workbooks (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            namespace TEXT NOT NULL DEFAULT '',
            definition TEXT NOT NULL,
            spec JSON,
            tags JSON,
            scope TEXT NOT NULL DEFAULT 'private',
            project_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT,
            UNIQUE (name, namespace, project_id)
        );

        CREATE TABLE workflow_definitions (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            namespace TEXT NOT NULL DEFAULT '',
            definition TEXT NOT NULL,
            spec JSON,
            checksum TEXT,
            tags JSON,
            scope TEXT NOT NULL DEFAULT 'private',
            project_id TEXT NOT NULL,
            is_system INTEGER NOT NULL DEFAULT 0,
            workbook_name TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT,
            UNIQUE (name, namespace, project_id)
        );

        CREATE TABLE action_definitions (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            namespace TEXT NOT NULL DEFAULT '',
            definition TEXT,
            spec JSON,
            description TEXT,
            input TEXT,
            tags JSON,
            scope TEXT NOT NULL DEFAULT 'private',
            project_id TEXT NOT NULL,
            is_system INTEGER NOT NULL DEFAULT 0,
            workbook_name TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT,
            UNIQUE (name, namespace, project_id)
        );

        CREATE TABLE environments (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            description TEXT,
            variables JSON,
            scope TEXT NOT NULL DEFAULT 'private',
            project_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT,
            UNIQUE (name, project_id)
        );

        CREATE TABLE workflow_executions (
            id TEXT PRIMARY KEY,
            workflow_name TEXT NOT NULL,
            workflow_id TEXT,
            workflow_namespace TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            spec JSON,
            state TEXT NOT NULL,
            state_info TEXT,
            tags JSON,
            input JSON,
            output JSON,
            params JSON,
            context JSON,
            runtime_context JSON,
            published_global JSON,
            task_execution_id TEXT,
            root_execution_id TEXT,
            project_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT,
            finished_at TEXT
        );
        CREATE INDEX workflow_executions_state ON workflow_executions (state);
        CREATE INDEX workflow_executions_created ON workflow_executions (created_at);
        CREATE INDEX workflow_executions_task ON workflow_executions (task_execution_id);
        CREATE INDEX workflow_executions_root ON workflow_executions (root_execution_id);

        CREATE TABLE task_executions (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            workflow_execution_id TEXT NOT NULL,
            workflow_name TEXT,
            workflow_namespace TEXT NOT NULL DEFAULT '',
            workflow_id TEXT,
            spec JSON,
            type TEXT NOT NULL DEFAULT 'ACTION',
            state TEXT NOT NULL,
            state_info TEXT,
            tags JSON,
            runtime_context JSON,
            in_context JSON,
            published JSON,
            processed INTEGER NOT NULL DEFAULT 0,
            error_handled INTEGER NOT NULL DEFAULT 0,
            project_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT,
            started_at TEXT,
            finished_at TEXT
        );
        CREATE INDEX task_executions_workflow ON task_executions (workflow_execution_id);
        CREATE INDEX task_executions_state ON task_executions (state);

        CREATE TABLE action_executions (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            task_execution_id TEXT,
            workflow_name TEXT,
            workflow_namespace TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            spec JSON,
            state TEXT NOT NULL,
            state_info TEXT,
            tags JSON,
            accepted INTEGER NOT NULL DEFAULT 0,
            is_sync INTEGER,
            input JSON,
            output JSON,
            params JSON,
            runtime_context JSON,
            project_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT
        );
        CREATE INDEX action_executions_task ON action_executions (task_execution_id);
        CREATE INDEX action_executions_state ON action_executions (state);

        -- Durable timers: wait-before/after, retry delays, timeouts, cron firings.
        CREATE TABLE timers (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            due_at TEXT NOT NULL,
            workflow_execution_id TEXT,
            target_id TEXT,
            payload JSON,
            created_at TEXT NOT NULL
        );
        CREATE INDEX timers_due ON timers (due_at);
        CREATE INDEX timers_execution ON timers (workflow_execution_id);

        CREATE TABLE cron_triggers (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            pattern TEXT,
            first_execution_time TEXT,
            next_execution_time TEXT,
            remaining_executions INTEGER,
            workflow_name TEXT NOT NULL,
            workflow_id TEXT,
            workflow_namespace TEXT NOT NULL DEFAULT '',
            workflow_input JSON,
            workflow_params JSON,
            scope TEXT NOT NULL DEFAULT 'private',
            project_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT,
            UNIQUE (name, project_id)
        );
        CREATE INDEX cron_triggers_next ON cron_triggers (next_execution_time);
        """,
    ),
    (
        2,
        """
        -- The fence of a cluster: id of the last accepted engine entry or barrier (the next engine
        -- entry must name it as prev), and what is added to a Raft index to get the stored index
        -- (a database that ran as a single node already holds that many entries).
        ALTER TABLE log_state ADD COLUMN chain TEXT;
        ALTER TABLE log_state ADD COLUMN index_base INTEGER NOT NULL DEFAULT 0;

        -- One Raft command may carry several entries at the same index: an error row is keyed by
        -- the entry's position in it too.
        CREATE TABLE apply_errors_2 (
            log_index INTEGER NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            entry_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            message TEXT NOT NULL,
            PRIMARY KEY (log_index, position)
        );
        INSERT INTO apply_errors_2 (log_index, entry_id, kind, message)
            SELECT log_index, entry_id, kind, message FROM apply_errors;
        DROP TABLE apply_errors;
        ALTER TABLE apply_errors_2 RENAME TO apply_errors;
        """,
    ),
    (
        3,
        """
        -- Event triggers: start a workflow when an event (exchange, topic, event) arrives.
        CREATE TABLE event_triggers (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            workflow_id TEXT NOT NULL,
            workflow_name TEXT,
            workflow_namespace TEXT NOT NULL DEFAULT '',
            workflow_input JSON,
            workflow_params JSON,
            exchange TEXT NOT NULL,
            topic TEXT NOT NULL,
            event TEXT NOT NULL,
            scope TEXT NOT NULL DEFAULT 'private',
            project_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT,
            UNIQUE (exchange, topic, event, workflow_id, project_id)
        );
        CREATE INDEX event_triggers_workflow ON event_triggers (workflow_id);

        -- Events received over POST /v2/events, one row per event id and the triggers it matched
        -- when it first arrived: a repeated id starts nothing new.
        CREATE TABLE events (
            id TEXT PRIMARY KEY,
            exchange TEXT NOT NULL,
            topic TEXT NOT NULL,
            event TEXT NOT NULL,
            payload JSON,
            trigger_ids JSON,
            created_at TEXT NOT NULL
        );

        -- What each matched trigger did with an event: the execution it started (its id is derived
        -- from the event id and the trigger id), or why it could not start one.
        CREATE TABLE event_executions (
            id TEXT PRIMARY KEY,
            event_id TEXT NOT NULL,
            event_trigger_id TEXT NOT NULL,
            workflow_id TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (event_id, event_trigger_id)
        );
        CREATE INDEX event_executions_event ON event_executions (event_id);
        """,
    ),
]

LATEST_VERSION = MIGRATIONS[-1][0]


class MigrationError(RuntimeError):
    """The database is newer than this program, or a migration failed."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to the latest version; returns the version reached."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > LATEST_VERSION:
        raise MigrationError(
            f"database schema version {current} is newer than this mistral-lite "
            f"(knows up to {LATEST_VERSION}); upgrade mistral-lite"
        )
    for version, sql in MIGRATIONS:
        if version <= current:
            continue
        # executescript commits on its own, so the version bump is part of the script.
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
        except sqlite3.Error as e:
            if conn.in_transaction:
                conn.rollback()
            raise MigrationError(f"migration {version} failed: {e}") from e
    return conn.execute("PRAGMA user_version").fetchone()[0]
