"""RaftSnapshots: a snapshot holds the database as of the moment pysyncobj asked for it, is taken off the
tick thread, and replaces a node's database only when that node is behind it."""

from __future__ import annotations

import pickle
import sqlite3
import time
from pathlib import Path

import pytest
from pysyncobj import SyncObj, SyncObjConf, replicated
from pysyncobj.config import SERIALIZER_STATE

from mistral_lite import commands as cmd
from mistral_lite.log.entry import Entry
from mistral_lite.store.database import Store, StorageFault, connect
from mistral_lite.store.raft_snapshot import SNAPSHOT_TABLE, RaftSnapshots
from tests.support.ports import free_port
from tests.support.storage_faults import immutable

PADDING = "p" * 2000  # enough rows and bytes that the copy takes a while


def entry(i: int) -> str:
    row = {"id": f"id-{i:05d}", "name": f"env{i}", "description": PADDING, "variables": {"i": i},
           "project_id": "p", "created_at": "2026-01-01 00:00:00.000000"}
    return Entry(f"e{i}", "request", (cmd.insert("environments", row),)).to_json()


def fill(store: Store, first: int, last: int) -> None:
    for i in range(first, last + 1):
        assert store.apply_raft(i, entry(i)).status == "applied"


def pysyncobj_data(raft_index: int) -> tuple:
    """What pysyncobj hands its serializer: (last applied entry, the one before, cluster nodes)."""
    return ((b"cmd", raft_index, 1), (b"cmd", raft_index - 1, 1), {"127.0.0.1:1"})


def wait_done(snapshots: RaftSnapshots, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = snapshots.state()
        if state != SERIALIZER_STATE.SERIALIZING:
            return state
        time.sleep(0.005)
    raise AssertionError(f"the snapshot did not finish within {timeout} s")


def table(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


ENVS = "SELECT id, name, description FROM environments ORDER BY id"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "live" / "db.sqlite")
    yield s
    s.close()


def test_the_snapshot_holds_the_database_as_of_the_call_while_writes_go_on(store, tmp_path):
    dump = tmp_path / "live" / "raft.snapshot"
    snapshots = RaftSnapshots(store, dump)
    tmp_file = str(dump) + ".tmp"
    pinned = 1000
    fill(store, 1, pinned)
    # Several rounds: whether writes made right after the call would reach an unpinned copy is a race.
    for _ in range(8):
        snapshots.serialize(tmp_file, pysyncobj_data(pinned))
        fill(store, pinned + 1, pinned + 50)  # applied after serialize returned, while the copy runs
        assert wait_done(snapshots) == SERIALIZER_STATE.SUCCESS
        assert snapshots.state() == SERIALIZER_STATE.NOT_SERIALIZING  # SUCCESS is reported once
        assert table(dump, "SELECT last_applied FROM log_state") == [(pinned,)]
        assert table(dump, "SELECT COUNT(*), MAX(id) FROM environments") == [(pinned, f"id-{pinned:05d}")]
        [(payload,)] = table(dump, f"SELECT data FROM {SNAPSHOT_TABLE}")
        assert pickle.loads(payload) == pysyncobj_data(pinned)
        pinned += 50
    assert not Path(tmp_file).exists()  # pysyncobj's rename of it fails harmlessly and keeps our dump
    assert not dump.with_name(dump.name + ".partial").exists()
    assert table(dump, "PRAGMA integrity_check") == [("ok",)]
    assert table(dump, "PRAGMA journal_mode") == [("delete",)]  # one file, shippable as is
    assert store.last_applied() == pinned


def test_a_database_behind_the_raft_index_is_not_snapshotted(store, tmp_path):
    fill(store, 1, 3)
    snapshots = RaftSnapshots(store, tmp_path / "raft.snapshot")
    snapshots.serialize(str(tmp_path / "raft.snapshot.tmp"), pysyncobj_data(5))
    assert wait_done(snapshots) == SERIALIZER_STATE.FAILED
    assert snapshots.state() == SERIALIZER_STATE.NOT_SERIALIZING
    assert not (tmp_path / "raft.snapshot").exists()


def take(store: Store, dump: Path, raft_index: int) -> RaftSnapshots:
    snapshots = RaftSnapshots(store, dump)
    snapshots.serialize(str(dump) + ".tmp", pysyncobj_data(raft_index))
    assert wait_done(snapshots) == SERIALIZER_STATE.SUCCESS
    return snapshots


def test_an_empty_node_restores_the_snapshot_and_open_readers_see_it(store, tmp_path):
    fill(store, 1, 300)
    dump = tmp_path / "live" / "raft.snapshot"
    take(store, dump, 300)
    fresh = Store(tmp_path / "new" / "db.sqlite")
    reader = connect(fresh.path, readonly=True)
    try:
        assert reader.execute("SELECT COUNT(*) FROM environments").fetchone() == (0,)
        data = RaftSnapshots(fresh, tmp_path / "new" / "raft.snapshot").deserialize(str(dump))
        assert data == pysyncobj_data(300)
        assert table(fresh.path, ENVS) == table(store.path, ENVS)
        assert fresh.log_state() == store.log_state()
        assert reader.execute("SELECT COUNT(*) FROM environments").fetchone() == (300,)
        assert SNAPSHOT_TABLE not in {r[0] for r in table(fresh.path, "SELECT name FROM sqlite_master")}
        assert table(fresh.path, "PRAGMA journal_mode") == [("wal",)]
        # It goes on from there: the entry after the snapshot applies, one already in it is skipped.
        assert fresh.apply_raft(300, entry(300)).status == "skipped"
        assert fresh.apply_raft(301, entry(301)).status == "applied"
    finally:
        reader.close()
        fresh.close()


def test_a_node_behind_the_snapshot_restores_it(store, tmp_path):
    fill(store, 1, 200)
    dump = tmp_path / "live" / "raft.snapshot"
    take(store, dump, 200)
    behind = Store(tmp_path / "behind" / "db.sqlite")
    try:
        fill(behind, 1, 50)
        RaftSnapshots(behind, tmp_path / "behind" / "raft.snapshot").deserialize(str(dump))
        assert behind.last_applied() == 200
        assert table(behind.path, ENVS) == table(store.path, ENVS)
    finally:
        behind.close()


def test_an_up_to_date_node_keeps_its_database(store, tmp_path):
    fill(store, 1, 100)
    dump = tmp_path / "live" / "raft.snapshot"
    snapshots = take(store, dump, 100)
    fill(store, 101, 120)  # only in the live database: a restore would lose them
    assert snapshots.deserialize(str(dump)) == pysyncobj_data(100)
    assert store.last_applied() == 120
    assert table(store.path, "SELECT COUNT(*) FROM environments") == [(120,)]


class _Replica(SyncObj):
    def __init__(self, store: Store, address: str, conf: SyncObjConf) -> None:
        self._store = store
        super().__init__(address, [], conf)

    @replicated
    def append(self, raw: str):
        return self._store.apply_raft(self.raftLastApplied + 1, raw).status


def _conf(data_dir: Path, snapshots: RaftSnapshots) -> SyncObjConf:
    return SyncObjConf(journalFile=str(data_dir / "raft.journal"), fullDumpFile=str(data_dir / "raft.snapshot"),
                       serializer=snapshots.serialize, serializeChecker=snapshots.state,
                       deserializer=snapshots.deserialize, appendEntriesUseBatch=False, password="secret",
                       raftMinTimeout=0.1, raftMaxTimeout=0.2, appendEntriesPeriod=0.02, autoTickPeriod=0.005,
                       logCompactionMinEntries=10**9, logCompactionMinTime=10**9)


def _start(data_dir: Path, address: str) -> tuple[Store, _Replica]:
    store = Store(data_dir / "db.sqlite")
    replica = _Replica(store, address, _conf(data_dir, RaftSnapshots(store, data_dir / "raft.snapshot")))
    return store, replica


def _until(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.01)


def test_pysyncobj_compacts_with_our_snapshot_and_a_node_that_lost_its_database_rebuilds(tmp_path):
    """One real SyncObj end to end: compaction through the async serializer, then restarts."""
    data = tmp_path / "node"
    address = f"127.0.0.1:{free_port()}"
    store, replica = _start(data, address)
    try:
        _until(lambda: replica._isLeader(), "electing itself")
        for i in range(1, 41):
            assert replica.append(entry(i), sync=True, timeout=10) == "applied"
        replica.forceLogCompaction()
        _until(lambda: (data / "raft.snapshot").exists() and replica.getStatus()["log_len"] <= 3,
               "a compaction")
        for i in range(41, 51):  # after the snapshot: only in the journal
            assert replica.append(entry(i), sync=True, timeout=10) == "applied"
        _until(lambda: replica.getStatus()["last_applied"] == replica.getStatus()["commit_idx"], "applying")
        expected = table(store.path, ENVS)
        expected_state = store.log_state()
    finally:
        replica.destroy_synchronous()
        store.close()
    assert len(expected) == 50
    assert table(data / "raft.snapshot", "SELECT COUNT(*) FROM environments")[0][0] == 40

    # A normal restart: the database is kept, the journal is replayed and skipped, nothing applies twice.
    store, replica = _start(data, address)
    try:
        _until(lambda: replica._isLeader() and replica.isReady(), "the restarted node being ready")
        assert table(store.path, ENVS) == expected and store.log_state() == expected_state
    finally:
        replica.destroy_synchronous()
        store.close()

    # The SQLite file is lost: the snapshot is restored, then the journal's tail is applied on top.
    for name in ("db.sqlite", "db.sqlite-wal", "db.sqlite-shm"):
        (data / name).unlink(missing_ok=True)
    store, replica = _start(data, address)
    try:
        _until(lambda: replica.isReady() and store.last_applied() == expected_state["last_applied"],
               "the rebuilt node catching up")
        assert table(store.path, ENVS) == expected
        assert store.log_state() == expected_state
        assert table(store.path, "SELECT COUNT(*) FROM apply_errors") == [(0,)]
    finally:
        replica.destroy_synchronous()
        store.close()


def test_a_restore_that_fails_stops_every_later_apply(store, tmp_path):
    fill(store, 1, 20)
    dump = tmp_path / "live" / "raft.snapshot"
    take(store, dump, 20)
    behind = Store(tmp_path / "behind" / "db.sqlite")
    try:
        behind.apply_raft(1, entry(1))
        with immutable(behind.path.with_name("db.sqlite-wal")):  # a real fault: writes to the WAL fail
            with pytest.raises(StorageFault):
                RaftSnapshots(behind, tmp_path / "behind" / "raft.snapshot").deserialize(str(dump))
        assert behind.last_applied() == 1  # the failed restore changed nothing
        # pysyncobj logs a failed load and applies its log on top: every entry must be refused instead.
        with pytest.raises(StorageFault, match="restoring a snapshot failed"):
            behind.apply_raft(21, entry(21))
    finally:
        behind.close()
