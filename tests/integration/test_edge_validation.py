"""Client mistakes at every write endpoint: a 400 (or 404) naming the field, nothing stored, the server serving."""

import asyncio
import uuid

import aiohttp

from mistral_lite.config import Config
from mistral_lite.server import RunningServer
from tests.support.api import Api
from tests.support.malformed import CASES, SETUP_WORKFLOWS, nested, run_table, yaml_doc
from tests.support.ports import free_port


async def test_every_malformed_request_gets_a_client_error_naming_the_field(server, api):
    outcomes = await run_table(server.http, server.url)
    wrong = [(o.case.label, o.status, o.faultstring) for o in outcomes if not o.ok]
    assert wrong == []
    assert len({c.label for c in CASES}) == len(CASES) >= 25
    async with server.http.get(f"{server.root}/health") as r:
        assert r.status == 200 and (await r.json())["database"] == "ok"


async def test_rejected_requests_change_nothing(server, api):
    await run_table(server.http, server.url)
    executions = (await api.ok("GET", "/executions"))["executions"]
    assert sorted(e["workflow_name"] for e in executions) == ["edge_fail", "edge_wait"]
    running = next(e for e in executions if e["workflow_name"] == "edge_wait")
    assert running["state"] == "RUNNING" and running["description"] == ""
    [task] = await api.tasks(running["id"])
    [action] = (await api.ok("GET", f"/tasks/{task['id']}/action_executions"))["action_executions"]
    assert action["state"] == "RUNNING"
    # No action was run by itself: every action execution belongs to a setup task.
    assert all(a["task_execution_id"] for a in (await api.ok("GET", "/action_executions"))["action_executions"])
    names = sorted(w["name"] for w in (await api.ok("GET", "/workflows"))["workflows"])
    assert names == ["edge_date", "edge_fail", "edge_wait"]
    assert [e["name"] for e in (await api.ok("GET", "/environments"))["environments"]] == ["edge_env"]
    assert (await api.ok("GET", "/cron_triggers"))["cron_triggers"] == []
    assert (await api.ok("GET", "/workbooks"))["workbooks"] == []


async def test_concurrent_creates_with_one_client_id_all_get_the_one_execution(server, api):
    await api.upload(SETUP_WORKFLOWS)
    for _ in range(5):
        execution_id = str(uuid.uuid4())
        answers = await asyncio.gather(*[
            api.call("POST", "/executions", {"workflow_name": "edge_fail", "id": execution_id}) for _ in range(8)
        ])
        assert {(status, body["id"]) for status, body in answers} == {(201, execution_id)}, answers
    assert len((await api.ok("GET", "/executions"))["executions"]) == 5


async def test_max_nesting_depth_is_the_configured_limit(tmp_path):
    config = Config(port=free_port(), data_dir=str(tmp_path / "data"), log_level="warning", max_nesting_depth=6)
    running = RunningServer(config)
    await running.start()
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(http, f"http://127.0.0.1:{config.port}/v2")
            await api.upload(SETUP_WORKFLOWS)
            # body, input, then four lists: six levels pass, seven do not.
            ok = {"workflow_name": "edge_wait", "input": {"name": lists(4)}}
            status, _ = await api.call("POST", "/executions", ok)
            assert status == 201
            too_deep = {"workflow_name": "edge_wait", "input": {"name": lists(5)}}
            status, body = await api.call("POST", "/executions", too_deep)
            assert status == 400 and "nested deeper than 6 levels (option max_nesting_depth)" in body["faultstring"]
            status, body = await api.call("POST", "/workflows/validate", text=yaml_doc(
                body="  input: [{d: " + nested(4) + "}]\n  tasks:\n    a: {action: std.noop}\n"))
            assert status == 200 and "nested deeper than 6 levels" in body["error"] and "line 3" in body["error"]
    finally:
        await running.stop()


def lists(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value
