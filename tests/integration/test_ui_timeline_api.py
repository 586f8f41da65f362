"""GET /v2/executions/{id}/timeline on a real server: attempts, waits and items from the rows."""

from __future__ import annotations

RETRIED = """
version: '2.0'
retried:
  tasks:
    flaky:
      action: std.fail
      wait-before: 1
      retry:
        count: 1
        delay: 1
      on-error: [items]
    items:
      with-items: x in [1, 2, 3]
      action: std.echo output=<% $.x %>
      on-success: [child]
    child:
      workflow: inner
inner:
  tasks:
    one:
      action: std.noop
"""


async def test_one_row_per_task_and_one_segment_per_attempt(api):
    await api.upload(RETRIED)
    ex = await api.run("retried")
    body = await api.ok("GET", f"/executions/{ex['id']}/timeline")
    assert body["execution"]["id"] == ex["id"] and body["execution"]["state"] == ex["state"]
    rows = {row["name"]: row for row in body["tasks"]}
    assert list(rows) == ["flaky", "items", "child"]

    flaky = rows["flaky"]
    attempts = [s for s in flaky["segments"] if s["kind"] == "action"]
    assert [(s["attempt"], s["state"], s["name"]) for s in attempts] == [(1, "ERROR", "std.fail"), (2, "ERROR", "std.fail")]
    assert flaky["attempts"] == 2 and flaky["retries"] == 1 and flaky["state"] == "ERROR"
    waits = {s["reason"]: s for s in flaky["segments"] if s["kind"] == "wait"}
    assert set(waits) >= {"before", "retry"}
    assert waits["before"]["end"] == attempts[0]["start"]
    assert waits["retry"]["start"] == attempts[0]["end"] and waits["retry"]["end"] == attempts[1]["start"]
    starts = [s["start"] for s in flaky["segments"]]
    assert starts == sorted(starts)

    items = [s for s in rows["items"]["segments"] if s["kind"] == "action"]
    assert sorted(s["item"] for s in items) == [0, 1, 2] and {s["attempt"] for s in items} == {1}

    [sub] = [s for s in rows["child"]["segments"] if s["kind"] == "workflow"]
    assert sub["name"] == "inner" and sub["state"] == "SUCCESS" and sub["end"] is not None


async def test_a_running_task_has_an_open_segment_and_its_timer(api):
    await api.upload("""
version: '2.0'
waiting:
  tasks:
    later:
      action: std.noop
      wait-before: 30
""")
    ex = await api.start("waiting")
    for _ in range(200):
        body = await api.ok("GET", f"/executions/{ex['id']}/timeline")
        if body["tasks"] and any(s["kind"] == "timer" for s in body["tasks"][0]["segments"]):
            break
    else:
        raise AssertionError(f"no armed timer in {body}")
    [timer] = [s for s in body["tasks"][0]["segments"] if s["kind"] == "timer"]
    assert timer["timer"] == "wait-before" and timer["start"] < timer["end"]
    await api.ok("PUT", f"/executions/{ex['id']}", {"state": "CANCELLED"})


async def test_an_unknown_execution_is_a_mistral_404(api):
    status, body = await api.call("GET", "/executions/nope/timeline")
    assert status == 404 and "nope" in body["faultstring"]
