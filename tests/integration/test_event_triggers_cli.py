"""The real `mistral event-trigger-*` commands against mistral-lite print what they print against real Mistral.

The expected texts are what python-mistralclient 6.3.0 printed against real Mistral 23.0.0 for the same steps
(ids and times normalised on both sides)."""

import json
import re

from tests.support.mistral_cli import cli

WORKFLOW = """version: '2.0'
ev_wf:
  input:
    - alarm: none
  tasks:
    t1:
      action: std.echo output=<% $.alarm %>
"""
CREATED = """\
+-------------+--------------------------------------+
| Field       | Value                                |
+-------------+--------------------------------------+
| ID          | 36169e99-2565-414f-bf40-8f3261f75888 |
| Name        | ev_cli1                              |
| Workflow ID | cc425161-e2d4-44ff-b4f7-617c08b6d9a6 |
| Params      | {"env": {"k": 1}}                    |
| Exchange    | ex1                                  |
| Topic       | top1                                 |
| Event       | ev1                                  |
| Created at  | 2026-12-02 03:54:44                  |
| Updated at  | None                                 |
+-------------+--------------------------------------+
"""
DUPLICATE = ("ERROR (app) Duplicate entry for EventTrigger ['exchange', 'topic', 'event', 'workflow_id', "
             "'project_id']: ex1, top1, ev2, cc425161-e2d4-44ff-b4f7-617c08b6d9a6, None\n")
GHOST = "00000000-0000-0000-0000-000000000000"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def normal(text: str) -> str:
    return TIME.sub("<time>", UUID.sub(lambda m: "<zero>" if m.group() == GHOST else "<id>", text))


async def test_event_trigger_commands_print_what_mistral_prints(server, tmp_path):
    (tmp_path / "ev_wf.yaml").write_text(WORKFLOW)
    (tmp_path / "in.json").write_text('{"alarm": "cli"}')
    code, out, err = await cli(server, "workflow-create", str(tmp_path / "ev_wf.yaml"), "-f", "json")
    assert code == 0, err
    wf = json.loads(out)[0]["ID"]

    code, out, err = await cli(server, "event-trigger-create", "ev_cli1", wf, "ex1", "top1", "ev1",
                               str(tmp_path / "in.json"), "--params", '{"env": {"k": 1}}')
    assert (code, normal(out)) == (0, normal(CREATED)), err
    first = UUID.findall(out)[0]
    code, out, err = await cli(server, "event-trigger-get", first)
    assert (code, normal(out)) == (0, normal(CREATED)), err

    code, out, err = await cli(server, "event-trigger-create", "ev_cli2", wf, "ex1", "top1", "ev2", "-f", "json")
    assert code == 0 and json.loads(out)["Params"] == "{}", err
    second = json.loads(out)["ID"]
    code, out, err = await cli(server, "event-trigger-create", "ev_cli2", wf, "ex1", "top1", "ev2")
    assert (code, out, normal(err)) == (1, "", normal(DUPLICATE))
    code, out, err = await cli(server, "event-trigger-create", "ev_cli3", GHOST, "ex1", "top1", "ev2")
    assert (code, err) == (1, f"ERROR (app) Workflow not found [workflow_id={GHOST}]\n")
    code, out, err = await cli(server, "event-trigger-list", "-f", "json")
    assert code == 0 and [(t["Name"], t["Event"], t["Updated at"]) for t in json.loads(out)] == [
        ("ev_cli1", "ev1", None), ("ev_cli2", "ev2", None)]

    code, out, err = await cli(server, "event-trigger-get", GHOST)
    assert (code, err) == (1, f"ERROR (app) Event trigger not found [id={GHOST}].\n")
    code, out, err = await cli(server, "event-trigger-get", "ev_cli1")
    assert (code, err) == (1, "ERROR (app) Invalid input for field/attribute id. Value: 'ev_cli1'. unable to convert "
                              "to uuid. Error: Expected a uuid but received ev_cli1.\n")
    code, out, err = await cli(server, "workflow-delete", "ev_wf")
    ids = ", ".join(sorted([first, second]))
    assert (code, out, err) == (
        1, f"Can't delete workflow that has event triggers associated. [workflow_identifier=ev_wf], "
           f"[event_trigger_id(s)={ids}]\n", "ERROR (app) Unable to delete the specified workflow(s).\n")

    code, out, err = await cli(server, "event-trigger-delete", second, GHOST)
    assert (code, out, err) == (
        1, f"Request to delete event trigger {second} has been accepted.\nEvent trigger not found [id={GHOST}].\n",
        "ERROR (app) Unable to delete the specified event trigger(s).\n")
    code, out, err = await cli(server, "event-trigger-delete", first)
    assert (code, out) == (0, f"Request to delete event trigger {first} has been accepted.\n"), err
    code, out, err = await cli(server, "workflow-delete", "ev_wf")
    assert code == 0, err
