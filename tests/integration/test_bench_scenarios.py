"""The project's benchmark scenarios (benchmarks/scenarios.py), once each at a small size,
against an in-process server.

Correctness only: speed lives in scripts/bench, never in the suite. The
workflows, the client and the checks are the ones scripts/bench times; only
the sizes are smaller. The client is blocking (http.client), so each scenario
runs in a worker thread while the event loop serves the requests. Nothing
outside the repository is read.

fan50 needs `join: all` and items500 `with-items`, which the engine has had
since 2f7f40a; at 7b442ba, before them, fan50 ended with 11 tasks instead of
7 (the join task ran once per inbound branch) and items500 in ERROR
(`Unknown key "x"`).
"""

from __future__ import annotations

import asyncio

import pytest

from benchmarks.scenarios import SCENARIOS, Client, ScenarioFailed, Sizes, measure, start, upload, wait_success

POLL = 0.01      # scripts/bench: 0.05
TIMEOUT = 30.0   # per execution
RUNS = 1         # scripts/bench: 3
SMALL = Sizes(chain=10, fan=5, items=20, many=20, post_threads=4, latency_runs=3)


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_bench_scenario_small(server, name: str) -> None:
    result = await asyncio.to_thread(measure, SCENARIOS[name], Client(server.url), SMALL, RUNS, POLL, TIMEOUT, [])
    assert result["units_per_run"] == SCENARIOS[name].units(SMALL)
    assert len(result["times_s"]) == (SMALL.latency_runs if name == "latency" else RUNS)


async def test_many1_checks_every_execution(server) -> None:
    await asyncio.to_thread(measure, SCENARIOS["many1"], Client(server.url), SMALL, RUNS, POLL, TIMEOUT, [])
    listed = (await (await server.http.get(server.url + "/executions?fields=id,state,workflow_name")).json())["executions"]
    # the untimed warm-up (20) and the timed run (20), each on a workflow of its own, all SUCCESS
    assert len(listed) == 2 * SMALL.many and {e["state"] for e in listed} == {"SUCCESS"}
    assert len({e["workflow_name"] for e in listed}) == 2


async def test_a_failed_execution_fails_the_scenario(server) -> None:
    client = Client(server.url)

    def broken() -> None:
        upload(client, "---\nversion: '2.0'\nbroken:\n  tasks:\n    t: {action: std.fail}\n")
        wait_success(client, start(client, "broken"), POLL, TIMEOUT)

    with pytest.raises(ScenarioFailed, match="ended ERROR"):
        await asyncio.to_thread(broken)
