"""Store.apply_raft: whatever bytes a cluster commits, every node ends with the same rows, and only a
fault of this node's own storage escapes (as StorageFault), never recorded as if the entry were bad."""

from __future__ import annotations

import json
import sqlite3

import pytest

from mistral_lite import commands as cmd
from mistral_lite.log.entry import ENTRY_VERSION, Entry
from mistral_lite.store.apply import StorageFault
from mistral_lite.store.database import Store
from tests.support.storage_faults import fill_up, immutable, small_file_system


def env_row(i: int, name: str | None = None, padding: str = "") -> dict:
    return {"id": f"id-{i}", "name": name or f"env{i}", "variables": {"k": i}, "description": padding or None,
            "project_id": "p", "created_at": "2026-01-01 00:00:00.000000"}


def insert(entry_id: str, i: int, kind: str = "request", **fields) -> str:
    return Entry(entry_id, kind, (cmd.insert("environments", env_row(i)),), **fields).to_json()


def rows(store: Store, sql: str) -> list[tuple]:
    conn = sqlite3.connect(store.path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def env_ids(store: Store) -> list[str]:
    return [r[0] for r in rows(store, "SELECT id FROM environments ORDER BY id")]


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "db.sqlite")
    yield s
    s.close()


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


# Every class of malformed entry the cluster must survive (issue item (j) and more).
MALFORMED: dict[str, str | bytes] = {
    "bad json": "{not json",
    "empty": b"",
    "not utf-8": b'{"id": "x\xff", "kind": "request"}',
    "not an object": "[1, 2, 3]",
    "a bare string": '"request"',
    "no id": '{"kind": "request", "commands": []}',
    "id not a string": '{"id": 7, "kind": "request"}',
    "id a lone surrogate": '{"id": "\\ud800", "kind": "request"}',
    "unknown kind": '{"id": "x", "kind": "gossip"}',
    "kind a list": '{"id": "x", "kind": ["engine"]}',
    "commands not a list": '{"id": "x", "kind": "request", "commands": {"op": "insert"}}',
    "non-dict command": '{"id": "x", "kind": "request", "commands": [1]}',
    "string epoch": '{"id": "x", "kind": "engine", "epoch": "5", "commands": []}',
    "bool epoch": '{"id": "x", "kind": "barrier", "epoch": true}',
    "float epoch": '{"id": "x", "kind": "engine", "epoch": 1.0}',
    "negative epoch": '{"id": "x", "kind": "barrier", "epoch": -1}',
    "huge epoch": '{"id": "x", "kind": "barrier", "epoch": %d}' % 2**70,
    "prev a number": '{"id": "x", "kind": "engine", "epoch": 0, "prev": 3}',
    "newer version": '{"id": "x", "kind": "request", "v": %d, "commands": []}' % (ENTRY_VERSION + 1),
    "string version": '{"id": "x", "kind": "request", "v": "1"}',
    "deep nesting": '{"id": "x", "kind": "request", "commands": [%s]}' % deep(100_000),
    "deep nesting inside a command": '{"id": "x", "kind": "request", "commands": [{"op": "insert", '
                                     '"table": "environments", "row": {"id": %s}}]}' % deep(100_000),
    "unknown op": '{"id": "x", "kind": "request", "commands": [{"op": "drop", "table": "environments"}]}',
    "command on an internal table": json.dumps({"id": "x", "kind": "request", "commands": [
        {"op": "update", "table": "log_state", "id": 1, "set": {"epoch": 99}}]}),
    "row not an object": json.dumps({"id": "x", "kind": "request", "commands": [
        {"op": "insert", "table": "environments", "row": [1]}]}),
    "integer too large for SQLite": json.dumps({"id": "x", "kind": "request", "commands": [
        {"op": "insert", "table": "environments", "row": {**env_row(5), "name": 2**70}}]}),
    "a lone surrogate in a value": json.dumps({"id": "x", "kind": "request", "commands": [
        {"op": "insert", "table": "environments", "row": {**env_row(5), "name": "\ud800"}}]}),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_entry_leaves_the_same_error_row_on_every_node_and_the_log_moves_on(tmp_path, name):
    nodes = [Store(tmp_path / f"node{n}.sqlite") for n in (1, 2)]
    try:
        outcomes = []
        for node in nodes:
            before = node.apply_raft(1, insert("before", 1))
            bad = node.apply_raft(2, MALFORMED[name])
            after = node.apply_raft(3, insert("after", 2))
            outcomes.append((before.status, bad.status, bad.error_kind, after.status))
            assert node.log_state()["last_applied"] == 3
        assert outcomes[0] == outcomes[1]
        assert outcomes[0][1] == "error", outcomes[0]
        errors = [rows(n, "SELECT log_index, entry_id, kind, message FROM apply_errors") for n in nodes]
        assert errors[0] == errors[1] and len(errors[0]) == 1 and errors[0][0][0] == 2, errors
        assert [env_ids(n) for n in nodes] == [["id-1", "id-2"]] * 2
    finally:
        for node in nodes:
            node.close()


@pytest.mark.parametrize("name, message", [
    ("bad json", "not a log entry"), ("string epoch", "epoch"), ("newer version", "newer"),
    ("non-dict command", "commands"), ("unknown kind", "unknown entry kind"),
])
def test_the_error_row_says_what_is_wrong(store, name, message):
    result = store.apply_raft(1, MALFORMED[name])
    assert result.status == "error" and result.error_kind == "invalid" and message in result.error


def test_an_entry_already_applied_is_skipped_by_index_with_the_base_added(store):
    store.apply_batch([(i, Entry(f"local{i}", "request", (cmd.insert("environments", env_row(i)),)))
                       for i in range(1, 4)])
    store.set_index_base(store.last_applied())
    assert store.log_state() == {"last_applied": 3, "epoch": 0, "chain": None, "index_base": 3}
    first = store.apply_raft(1, insert("r1", 10))
    assert (first.status, first.index) == ("applied", 4)
    # pysyncobj replays its journal at every start: the same raft index again writes nothing.
    again = store.apply_raft(1, insert("other", 11))
    assert (again.status, again.index) == ("skipped", 4)
    assert env_ids(store) == ["id-1", "id-10", "id-2", "id-3"]
    assert store.index_base() == 3 and store.last_applied() == 4


def test_a_retried_request_is_a_duplicate_and_advances(store):
    store.apply_raft(1, insert("r", 1))
    result = store.apply_raft(2, insert("r", 2))
    assert result.status == "duplicate"
    assert env_ids(store) == ["id-1"] and store.last_applied() == 2


def engine(entry_id: str, i: int, epoch: int | None, prev: str | None) -> str:
    return insert(entry_id, i, kind="engine", epoch=epoch, prev=prev)


def barrier(entry_id: str, epoch: int) -> str:
    return Entry(entry_id, "barrier", (), epoch=epoch).to_json()


def test_a_barrier_sets_epoch_and_chain_and_the_leaders_entries_follow_it(store):
    assert store.apply_raft(1, barrier("b3", 3)).status == "applied"
    assert store.log_state()["epoch"] == 3 and store.log_state()["chain"] == "b3"
    assert store.apply_raft(2, engine("e1", 1, 3, "b3")).status == "applied"
    assert store.apply_raft(3, engine("e2", 2, 3, "e1")).status == "applied"
    assert store.log_state()["chain"] == "e2"
    assert env_ids(store) == ["id-1", "id-2"]


@pytest.mark.parametrize("late, why", [
    (lambda: engine("old", 9, 2, "b2"), "an entry of an older epoch"),
    (lambda: engine("ahead", 9, 4, "e1"), "an entry of a newer epoch than the stored one"),
    (lambda: engine("lost", 9, 3, "b3"), "an entry whose predecessor is not the last accepted one"),
    (lambda: engine("orphan", 9, 3, None), "an entry naming no predecessor"),
    (lambda: barrier("b2", 2), "a barrier older than the stored epoch"),
    (lambda: Entry("bnone", "barrier", ()).to_json(), "a barrier without an epoch"),
])
def test_fenced_entries_write_nothing_but_advance(store, late, why):
    store.apply_raft(1, barrier("b3", 3))
    store.apply_raft(2, engine("e1", 1, 3, "b3"))
    result = store.apply_raft(3, late())
    assert result.status == "fenced", why
    assert env_ids(store) == ["id-1"]
    assert rows(store, "SELECT COUNT(*) FROM apply_errors") == [(0,)]
    assert store.log_state() == {"last_applied": 3, "epoch": 3, "chain": "e1", "index_base": 0}
    # The chain is untouched: the rightful next entry still applies.
    assert store.apply_raft(4, engine("e2", 2, 3, "e1")).status == "applied"


def test_a_duplicate_is_detected_before_the_fence(store):
    store.apply_raft(1, barrier("b3", 3))
    store.apply_raft(2, engine("e1", 1, 3, "b3"))
    store.apply_raft(3, barrier("b4", 4))
    # Sent again by the deposed leader: it did apply, so the retry is told so, not "fenced".
    assert store.apply_raft(4, engine("e1", 1, 3, "b3")).status == "duplicate"
    assert store.log_state()["chain"] == "b4"


def test_a_new_barrier_resets_the_chain_and_fences_the_old_leader(store):
    store.apply_raft(1, barrier("b3", 3))
    store.apply_raft(2, engine("e1", 1, 3, "b3"))
    store.apply_raft(3, barrier("b4", 4))
    assert store.log_state()["chain"] == "b4"
    assert store.apply_raft(4, engine("e2", 2, 3, "e1")).status == "fenced"  # the deposed leader's next step
    assert store.apply_raft(5, engine("n1", 3, 4, "b4")).status == "applied"
    # A barrier of the same epoch (the leader re-asserting itself) is accepted and resets the chain too.
    assert store.apply_raft(6, barrier("b4again", 4)).status == "applied"
    assert store.apply_raft(7, engine("n2", 4, 4, "n1")).status == "fenced"
    assert env_ids(store) == ["id-1", "id-3"]


def test_an_engine_entry_that_fails_still_takes_its_place_in_the_chain(store):
    store.apply_raft(1, barrier("b1", 1))
    store.apply_raft(2, engine("e1", 1, 1, "b1"))
    failed = store.apply_raft(3, engine("e2", 1, 1, "e1"))  # id-1 exists: a deterministic conflict
    assert failed.status == "error" and failed.error_kind == "conflict"
    assert store.log_state()["chain"] == "e2"
    assert store.apply_raft(4, engine("e3", 3, 1, "e2")).status == "applied"


def test_single_node_engine_entries_have_no_fence(store):
    store.apply_raft(1, barrier("b5", 5))
    assert store.apply_raft(2, engine("local", 1, None, None)).status == "applied"
    assert store.log_state()["chain"] == "b5"


def test_requests_are_not_fenced_by_the_chain(store):
    store.apply_raft(1, barrier("b5", 5))
    assert store.apply_raft(2, insert("client", 1, epoch=2)).status == "applied"
    assert store.log_state() == {"last_applied": 2, "epoch": 5, "chain": "b5", "index_base": 0}


def test_an_update_expecting_a_row_that_no_longer_matches_rolls_back_the_whole_entry(store):
    store.apply_raft(1, insert("r1", 1))
    entry = Entry("e", "request", (
        cmd.insert("environments", env_row(2)),
        cmd.update("environments", "id-1", {"description": "late"}, when={"name": ["other", "gone"]}, expect=1),
    )).to_json()
    result = store.apply_raft(2, entry)
    assert result.status == "error" and result.error_kind == "conflict", result
    assert env_ids(store) == ["id-1"]
    ok = Entry("f", "request", (
        cmd.update("environments", "id-1", {"description": "now"}, when={"name": ["env1", "x"]}, expect=1),)).to_json()
    assert store.apply_raft(3, ok).status == "applied"
    assert rows(store, "SELECT description FROM environments") == [("now",)]


def test_the_index_base_is_validated(store):
    with pytest.raises(ValueError):
        store.set_index_base(-1)
    store.set_index_base(7)
    assert store.index_base() == 7
    assert store.apply_raft(1, insert("r", 1)).index == 8


def test_an_unwritable_wal_is_a_storage_fault_not_an_error_row(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    try:
        store.apply_raft(1, insert("r1", 1))
        with immutable(tmp_path / "db.sqlite-wal"):
            with pytest.raises(StorageFault) as raised:
                store.apply_raft(2, insert("r2", 2))
            assert raised.value.code in (8, 10)  # READONLY or IOERR, whichever the kernel reports
            with pytest.raises(StorageFault):  # a bad entry while the disk fails: still the disk's fault
                store.apply_raft(2, MALFORMED["bad json"])
        assert store.log_state()["last_applied"] == 1
        assert rows(store, "SELECT COUNT(*) FROM apply_errors") == [(0,)]
        # Once the disk works again, pysyncobj's retry of the same entry applies it.
        assert store.apply_raft(2, insert("r2", 2)).status == "applied"
        assert env_ids(store) == ["id-1", "id-2"]
    finally:
        store.close()


def test_a_full_disk_is_a_storage_fault_and_the_entry_applies_once_there_is_room(tmp_path):
    with small_file_system(tmp_path / "small") as mount:
        store = Store(mount / "db.sqlite")
        try:
            store.apply_raft(1, insert("r0", 0))
            filler = fill_up(mount / "filler")
            padding = "x" * 60_000
            fault, index = None, 1
            for index in range(2, 200):  # bigger writes until one no longer fits in the WAL's old space
                entry = Entry(f"r{index}", "request",
                              (cmd.insert("environments", env_row(index, padding=padding)),)).to_json()
                try:
                    store.apply_raft(index, entry)
                except StorageFault as e:
                    fault = e
                    break
            assert fault is not None and fault.code == 13, fault
            assert store.log_state()["last_applied"] == index - 1
            assert rows(store, "SELECT COUNT(*) FROM apply_errors") == [(0,)]
            filler.unlink()
            assert store.apply_raft(index, entry).status == "applied"
            assert store.log_state()["last_applied"] == index
        finally:
            store.close()


def batch(*entries: str) -> str:
    return "[" + ",".join(entries) + "]"


def test_a_batch_applies_its_entries_in_order_at_one_index_each_on_its_own(tmp_path):
    nodes = [Store(tmp_path / f"node{n}.sqlite") for n in (1, 2)]
    try:
        for node in nodes:
            node.set_index_base(10)
            command = batch(barrier("b1", 1), engine("e1", 1, 1, "b1"), '{"id": "bad", "kind": "engine", "epoch": "1"}',
                            engine("e2", 1, 1, "e1"), engine("e3", 2, 1, "e2"), insert("r", 3), insert("r", 4),
                            engine("old", 5, 0, None), '"not an entry"')
            results = node.apply_raft_batch(1, command)
            assert [r.status for r in results] == ["applied", "applied", "error", "error", "applied", "applied",
                                                   "duplicate", "fenced", "error"]
            assert {r.index for r in results} == {11}
            assert results[3].error_kind == "conflict"  # id-1 again: only that entry is rolled back
            assert node.log_state() == {"last_applied": 11, "epoch": 1, "chain": "e3", "index_base": 10}
            assert env_ids(node) == ["id-1", "id-2", "id-3"]
            assert node.apply_raft_batch(1, command) == [node.apply_raft(1, "x")] == [
                type(results[0])(11, "skipped")]
        errors = [rows(n, "SELECT log_index, position, entry_id, kind FROM apply_errors ORDER BY 2") for n in nodes]
        assert errors[0] == errors[1] == [(11, 2, "bad", "invalid"), (11, 3, "e2", "conflict"), (11, 8, "", "invalid")]
    finally:
        for node in nodes:
            node.close()


@pytest.mark.parametrize("name", ["bad json", "not utf-8", "deep nesting", "a bare string"])
def test_a_batch_that_does_not_decode_is_one_error_row(store, name):
    [result] = store.apply_raft_batch(1, MALFORMED[name])
    assert result.status == "error" and result.error_kind == "invalid"
    assert store.last_applied() == 1
    assert store.apply_raft_batch(2, "[]") == [] and store.last_applied() == 2
