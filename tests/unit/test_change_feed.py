"""The change feed behind the live streams: coalesced marks per watched execution, bounded history and
a bounded backlog per stream (a client that far behind is dropped)."""

from __future__ import annotations

from mistral_lite import change_feed
from mistral_lite.change_feed import ChangeFeed
from mistral_lite.commands import delete_where, insert, update
from mistral_lite.log.base import CommittedLog
from mistral_lite.log.entry import Entry
from mistral_lite.store.apply import ApplyResult


class HeardLog(CommittedLog):
    """Only the listening side of a log: these tests hand it applied entries themselves."""

    def enqueue(self, entry: Entry):
        raise AssertionError("the change feed never writes")


def apply(feed_log: CommittedLog, index: int, *commands, status: str = "applied") -> None:
    feed_log._notify(index, Entry(id=f"e{index}", kind="engine", commands=tuple(commands)), ApplyResult(index, status))


def test_changes_of_a_watched_execution_are_coalesced_and_others_ignored():
    log = HeardLog()
    feed = ChangeFeed(log)
    feed.start()
    watch = feed.watch("ex1")
    feed.own(watch, ["t1"])
    apply(log, 1, update("task_executions", "t1", {"state": "RUNNING"}))
    apply(log, 2, update("task_executions", "t1", {"state": "SUCCESS"}),
          insert("task_executions", {"id": "t2", "workflow_execution_id": "ex1"}),
          insert("task_executions", {"id": "x9", "workflow_execution_id": "other"}))
    apply(log, 3, update("task_executions", "t1", {"state": "ERROR"}), status="error")  # not applied: no mark
    assert watch.wake.is_set()
    assert watch.take() == (2, False, {"t1", "t2"})
    assert not watch.wake.is_set()
    apply(log, 4, update("workflow_executions", "ex1", {"state": "SUCCESS"}), update("task_executions", "t2", {}))
    assert watch.take() == (4, True, {"t2"})
    assert feed.changed_since(1, "ex1") == (True, {"t1", "t2", "x9"})
    assert feed.changed_since(4, "ex1") == (False, set())
    apply(log, 5, delete_where("workflow_executions", {"id": ["ex1", "ex2"]}))
    assert watch.deleted
    feed.stop()
    assert watch.closed and not log._listeners


def test_the_history_is_bounded_and_an_older_resume_is_refused(monkeypatch):
    monkeypatch.setattr(change_feed, "HISTORY", 3)
    log = HeardLog()
    feed = ChangeFeed(log)
    feed.start()
    for index in range(1, 6):
        apply(log, index, update("task_executions", f"t{index}", {}))
    assert len(feed._history) == 3
    assert not feed.covers(1) and feed.covers(2) and feed.covers(5) and not feed.covers(6)
    assert feed.changed_since(2, "ex") == (False, {"t3", "t4", "t5"})


def test_a_stream_too_far_behind_is_closed(monkeypatch):
    monkeypatch.setattr(change_feed, "MAX_PENDING", 2)
    log = HeardLog()
    feed = ChangeFeed(log)
    feed.start()
    watch = feed.watch("ex1")
    for n in range(3):
        apply(log, n + 1, insert("task_executions", {"id": f"t{n}", "workflow_execution_id": "ex1"}))
    assert watch.closed
    feed.unwatch(watch)
    assert not feed._watches and not feed._owner
