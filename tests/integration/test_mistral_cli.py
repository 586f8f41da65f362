"""The real python-mistralclient CLI against a live server, without any identity service."""

import json

from tests.support.mistral_cli import cli
from tests.support.workflows import HELLO

async def test_cli_walk_through(server, api, tmp_path):
    path = tmp_path / "hello.yaml"
    path.write_text(HELLO)
    code, out, err = await cli(server, "workflow-create", str(path), "-f", "json")
    assert code == 0, err
    assert json.loads(out)[0]["Name"] == "hello"
    code, out, err = await cli(server, "workflow-list", "-f", "json")
    assert code == 0 and json.loads(out)[0]["Input"] == 'name, greeting="Hello"'

    code, out, err = await cli(server, "execution-create", "hello", '{"name": "Ann"}', "-f", "json")
    assert code == 0, err
    execution_id = json.loads(out)["ID"]
    await api.wait(execution_id)
    code, out, err = await cli(server, "execution-get-output", execution_id)
    assert code == 0 and json.loads(out) == {"message": "Hello, Ann"}
    code, out, err = await cli(server, "execution-list", "-f", "json")
    assert code == 0 and json.loads(out)[0]["State"] == "SUCCESS"
    code, out, err = await cli(server, "task-list", execution_id, "-f", "json")
    assert code == 0 and [t["Name"] for t in json.loads(out)] == ["greet", "done"]
    code, out, err = await cli(server, "execution-get-report", execution_id)
    assert code == 0 and "Number of tasks in SUCCESS state: 2" in out

    code, out, err = await cli(server, "run-action", "std.echo", '{"output": "x"}')
    assert code == 0 and json.loads(out) == {"result": "x"}
    code, out, err = await cli(server, "action-get", "std.echo", "-f", "json")
    assert code == 0 and json.loads(out)["Input"] == "output, delay=0"

    code, out, err = await cli(server, "cron-trigger-create", "nightly", "hello", '{"name": "cron"}',
                               "--pattern", "0 2 * * *", "-f", "json")
    assert code == 0, err
    assert json.loads(out)["Pattern"] == "0 2 * * *"
    code, out, err = await cli(server, "cron-trigger-list", "-f", "json")
    assert code == 0 and [t["Name"] for t in json.loads(out)] == ["nightly"]
    code, out, err = await cli(server, "cron-trigger-delete", "nightly")
    assert code == 0, err

    code, out, err = await cli(server, "execution-get", "bogus")
    assert code == 1 and "WorkflowExecution not found [id=bogus]" in err
