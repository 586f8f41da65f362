"""Replaying the committed log on an empty database gives exactly the live database's rows.

This is the property a second node relies on: it holds the same state by
applying the same entries in the same order.
"""

import asyncio
import hashlib
import sqlite3

from mistral_lite.log.entry import Entry
from mistral_lite.store.database import Store

WORKFLOWS = """---
version: '2.0'
mixed:
  input: [n]
  output: {r: <% $.r %>, child: <% $.child %>}
  tasks:
    start:
      action: std.echo output=<% $.n %>
      publish: {r: <% task().result * 2 %>, id: <% uuid() %>}
      on-success: [call, risky]
    call:
      workflow: child x=<% $.r %>
      publish: {child: <% task().result %>}
    risky:
      action: std.fail
      on-error: [noop]
child:
  input: [x]
  output: {y: <% $.x + 1 %>}
  tasks:
    t: {action: std.echo output=<% $.x %>}
failing:
  tasks:
    boom: {action: std.fail error_data="no"}
waiting:
  tasks:
    ask: {action: std.async_noop, publish: {answer: <% task().result %>}}
"""

TABLES = ("workflow_definitions", "workflow_executions", "task_executions", "action_executions",
          "log_state", "applied_entries", "apply_errors")


def checksums(path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    out = {}
    for table in TABLES:
        digest = hashlib.sha256()
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1"):
            digest.update(repr(row).encode())
        out[table] = digest.hexdigest()
    conn.close()
    return out


async def test_replaying_every_committed_entry_rebuilds_identical_tables(server, api, tmp_path):
    journal: list[tuple[int, str]] = []
    server.node.log.add_listener(lambda index, entry, result: journal.append((index, entry.to_json())))

    await api.upload(WORKFLOWS)
    runs = [await api.start("mixed", {"n": n}) for n in range(5)]
    failing = await api.start("failing")
    waiting = await api.start("waiting")
    for started in runs + [failing]:
        await api.wait(started["id"])
    [task] = await api.tasks(waiting["id"])
    [action] = (await api.ok("GET", f"/tasks/{task['id']}/action_executions"))["action_executions"]
    await api.ok("PUT", f"/action_executions/{action['id']}", {"state": "SUCCESS", "output": {"yes": 1}})
    await api.wait(waiting["id"])
    await api.ok("PUT", f"/executions/{runs[0]['id']}", {"description": "renamed"})
    await asyncio.sleep(0)  # let the last commit's listeners run

    assert [i for i, _ in journal] == list(range(1, len(journal) + 1))
    replica = Store(tmp_path / "replica.sqlite")
    replica.apply_batch([(index, Entry.from_json(text)) for index, text in journal])
    replica.close()
    live = checksums(server.node.store.path)
    assert checksums(tmp_path / "replica.sqlite") == live
    # and the run was not trivial
    conn = sqlite3.connect(server.node.store.path)
    assert conn.execute("SELECT COUNT(*) FROM workflow_executions").fetchone()[0] == 12
    assert conn.execute("SELECT COUNT(DISTINCT state) FROM task_executions").fetchone()[0] == 2
