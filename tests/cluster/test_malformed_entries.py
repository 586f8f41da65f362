"""Malformed entries in the Raft log (what a buggy node, or anyone holding the secret, could append) leave the
cluster committing, and every node records the same error row for each. Three real RaftLogs on pysyncobj over
127.0.0.1, each with its own SQLite store, in one event loop: the test appends raw values straight into the
replicated method, bypassing Entry, the way a foreign writer would."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from pysyncobj import FAIL_REASON

from mistral_lite import commands as cmd
from mistral_lite.log.entry import Entry
from mistral_lite.log.raft import RaftLog
from mistral_lite.store.apply import ApplyResult
from mistral_lite.store.checksum import database_checksums
from mistral_lite.store.database import Store
from tests.support.cluster import until
from tests.support.ports import free_port

SECRET = "malformed-entries-secret"

MALFORMED = {
    "bad JSON": '{"v": 1, "id": "cut-off',
    "not an object": '["v", 1]',
    "a non-dict command": json.dumps({"v": 1, "id": "m-cmd", "kind": "request", "commands": ["drop everything"]}),
    "a string epoch": json.dumps({"v": 1, "id": "m-epoch", "kind": "engine", "epoch": "7", "commands": []}),
    "a newer version": json.dumps({"v": 99, "id": "m-version", "kind": "request", "commands": []}),
    "an unknown kind": json.dumps({"v": 1, "id": "m-kind", "kind": "takeover", "commands": []}),
    "deep nesting": "[" * 100_000 + "]" * 100_000,
    "not text at all": 12345,
    "a bad entry in a group": json.dumps([{"v": 1, "id": "m-group", "kind": "request", "commands": [7]}]),
}


class Member:
    def __init__(self, store: Store, log: RaftLog, path: Path) -> None:
        self.store, self.log, self.path = store, log, path


async def start_members(root: Path) -> list[Member]:
    ports = [free_port() for _ in range(3)]
    addresses = [f"127.0.0.1:{p}" for p in ports]
    members = []
    for i, address in enumerate(addresses):
        data_dir = root / f"node{i + 1}"
        data_dir.mkdir()
        store = Store(data_dir / "mistral-lite.sqlite")
        peers = {a: f"http://127.0.0.1:{9000 + j}" for j, a in enumerate(addresses) if a != address}
        log = RaftLog(store, data_dir, address, peers, f"http://127.0.0.1:{9000 + i}", SECRET)
        members.append(Member(store, log, data_dir / "mistral-lite.sqlite"))
    return members


def leader_of(members: list[Member]) -> Member | None:
    leaders = [m for m in members if m.log.role == "leader"]
    return leaders[0] if len(leaders) == 1 else None


async def append_raw(member: Member, raw: object) -> list[ApplyResult]:
    """Append any value to the log through the replicated method itself, as a foreign writer would; one result
    per entry of the command (a command may group several)."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[tuple[object, int]] = loop.create_future()

    def callback(result: object, error: int) -> None:  # pysyncobj's tick thread
        loop.call_soon_threadsafe(lambda: answer.done() or answer.set_result((result, error)))

    member.log._replica.append(raw, callback=callback)
    result, error = await asyncio.wait_for(answer, 20)
    assert error == FAIL_REASON.SUCCESS, error
    assert isinstance(result, list) and all(isinstance(r, ApplyResult) for r in result), result
    return result


def error_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT log_index, position, entry_id, kind, message FROM apply_errors "
                            "ORDER BY log_index, position").fetchall()


def env_names(path: Path) -> list[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM environments ORDER BY name")]


def environment(name: str) -> Entry:
    row = {"id": f"env-{name}", "name": name, "variables": {"n": 1}, "project_id": "p",
           "created_at": "2026-01-01 00:00:00.000000"}
    return Entry(id=f"e-{name}", kind="request", commands=(cmd.insert("environments", row),))


async def test_malformed_entries_leave_the_cluster_committing_with_the_same_error_rows(tmp_path):
    failures: list[dict] = []  # an exception escaping the log's callbacks on the loop (they must take any command)
    asyncio.get_running_loop().set_exception_handler(lambda loop, context: failures.append(context))
    members = await start_members(tmp_path)
    try:
        leader = await until(lambda: leader_of(members), 20, "a leader")
        assert (await leader.log.submit(environment("before"))).status == "applied"
        follower = next(m for m in members if m is not leader)
        results = {}
        for n, (what, raw) in enumerate(MALFORMED.items()):
            # Half through the leader, half forwarded by a follower: both paths end in the same log.
            results[what] = await append_raw(leader if n % 2 else follower, raw)
        for what, result in results.items():
            assert result and all(r.status == "error" for r in result), (what, result)
        # A group with a bad entry between good ones: only the bad one is refused, at its position.
        group = [environment("first").to_json(), '{"v": 1, "id": "m-mid", "kind": "request", "commands": "x"}',
                 environment("last").to_json()]
        mixed = await append_raw(follower, "[" + ",".join(group) + "]")
        assert [r.status for r in mixed] == ["applied", "error", "applied"], mixed
        assert (await leader.log.submit(environment("after"))).status == "applied"

        await until(lambda: all(env_names(m.path) == ["after", "before", "first", "last"] for m in members) or None, 20,
                   "the good entry after the bad ones on every node")
        rows = [error_rows(m.path) for m in members]
        assert len(rows[0]) == sum(len(r) for r in results.values()) + 1, rows[0]
        assert rows[0][-1][1:3] == (1, "m-mid")
        assert rows[0] == rows[1] == rows[2]
        messages = [r[4] for r in rows[0]]
        assert any("newer than this node understands" in m for m in messages), messages
        assert any("epoch" in m for m in messages), messages
        assert any("commands must be a list of objects" in m for m in messages), messages
        assert len({m.store.log_state()["last_applied"] for m in members}) == 1
        assert failures == []
    finally:
        for m in members:
            await m.log.close()
            m.store.close()
    sums = [[c.line() for c in database_checksums(m.path)] for m in members]
    assert sums[0] == sums[1] == sums[2]
