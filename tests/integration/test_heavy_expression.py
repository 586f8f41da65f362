"""A long, legitimate evaluation runs on the engine's thread: the node keeps answering meanwhile."""

from __future__ import annotations

import asyncio
import time

from tests.support.servers import live_api

WORKFLOW = """---
version: '2.0'
heavy:
  input: [servers]
  output: {active: <% $.active %>}
  tasks:
    pick:
      action: std.noop
      publish:
        active: <% $.servers.where($.status = 'ACTIVE').select($.id).len() %>
"""


async def test_health_answers_while_a_heavy_expression_is_evaluated(tmp_path):
    servers = [{"id": i, "status": "ACTIVE" if i % 2 else "DOWN"} for i in range(12_000)]
    async with live_api(tmp_path / "data", expression_timeout=60, max_action_input_size=0,
                        max_body_size=8 * 1024 * 1024) as api:
        await api.upload(WORKFLOW)
        started = await api.start("heavy", {"servers": servers})
        slowest, answers, began = 0.0, 0, time.monotonic()
        while True:  # bounded by api.wait's deadline below and by the loop's own count
            t = time.monotonic()
            async with api.http.get(api.url.removesuffix("/v2") + "/health") as response:
                assert response.status == 200
            slowest, answers = max(slowest, time.monotonic() - t), answers + 1
            ex = await api.ok("GET", f"/executions/{started['id']}?fields=state")
            if ex["state"] != "RUNNING" or answers > 10_000 or time.monotonic() - began > 120:
                break
            await asyncio.sleep(0.02)
        done = await api.wait(started["id"], timeout=120)
    assert done["state"] == "SUCCESS" and done["output"] == {"active": 6_000}, done
    # The evaluation takes seconds of CPU; the requests beside it never waited for it to end.
    assert time.monotonic() - began > 1.0
    print(f"slowest /health beside the evaluation: {slowest * 1000:.1f} ms over {time.monotonic() - began:.1f} s")
    assert slowest < 1.0, slowest
