"""LocalLog's group commit: one entry that breaks its transaction costs only itself."""

import asyncio

import pytest

from mistral_lite.log.entry import Entry
from mistral_lite.log.local import LocalLog
from mistral_lite import commands as cmd
from mistral_lite.store.database import Store


def env_row(i: int, variables: object) -> dict:
    return {"id": f"id-{i}", "name": f"env{i}", "variables": variables, "project_id": "p",
            "created_at": "2026-01-01 00:00:00.000000"}


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


async def test_an_entry_that_breaks_the_group_transaction_fails_alone(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    log = LocalLog(store)
    try:
        # Encoding a value nested this deep raises out of apply (not a recorded error row), which
        # rolls back the whole group's transaction: the others must still commit.
        entries = [Entry(f"e{i}", "request", (cmd.insert("environments", env_row(i, {"k": i})),)) for i in range(20)]
        poisoned = Entry("bad", "request", (cmd.insert("environments", env_row(99, nested(100_000))),))
        batch = entries[:10] + [poisoned] + entries[10:]
        outcomes = await asyncio.gather(*(log.submit(e) for e in batch), return_exceptions=True)
        assert isinstance(outcomes[10], RecursionError)
        good = [o for i, o in enumerate(outcomes) if i != 10]
        assert [o.status for o in good] == ["applied"] * 20
        assert [o.index for o in good] == list(range(1, 21))  # no index is lost to the failed entry
        assert log.applied_index == 20 == store.last_applied()
        rows = store._conn.execute("SELECT count(*) FROM environments").fetchone()[0]
        assert rows == 20
        # The log keeps working after it.
        after = await log.submit(Entry("after", "request", (cmd.insert("environments", env_row(50, {})),)))
        assert after.status == "applied" and after.index == 21
    finally:
        await log.close()
        store.close()


async def test_a_lone_entry_that_breaks_its_transaction_raises_to_its_submitter(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    log = LocalLog(store)
    try:
        with pytest.raises(RecursionError):
            await log.submit(Entry("bad", "request", (cmd.insert("environments", env_row(1, nested(100_000))),)))
        assert log.applied_index == 0
    finally:
        await log.close()
        store.close()


async def test_status_of_a_single_node_leads_itself_and_follows_barrier_epochs(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    log = LocalLog(store)
    try:
        assert log.status() == {"role": "leader", "term": 0, "leader": None, "leader_url": None,
                                "commit_index": 0, "applied_index": 0, "raft_applied": 0, "peers": []}
        await log.submit(Entry("e1", "request", (cmd.insert("environments", env_row(1, {})),)))
        await log.submit(Entry("b1", "barrier", (), epoch=3))
        status = log.status()
        assert (status["term"], status["commit_index"], status["applied_index"]) == (3, 2, 2)
    finally:
        await log.close()
        store.close()
    reopened = Store(tmp_path / "db.sqlite")
    again = LocalLog(reopened)
    try:
        assert again.status()["term"] == 3  # the term is the stored epoch, after a restart too
    finally:
        await again.close()
        reopened.close()


async def test_status_answers_while_a_write_holds_the_store(tmp_path):
    """/health reads status(); the docs promise it never waits for the write lock (a long write may hold it)."""
    import threading

    store = Store(tmp_path / "db.sqlite")
    log = LocalLog(store)
    answers: list[dict] = []
    try:
        with store._lock:  # what apply_batch holds for the whole of a write transaction
            asker = threading.Thread(target=lambda: answers.append(log.status()), daemon=True)
            asker.start()
            asker.join(timeout=10)
            assert answers and answers[0]["role"] == "leader", "status() waited for the write lock"
    finally:
        await log.close()
        store.close()
