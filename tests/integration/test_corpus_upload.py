"""The corpus through HTTP: valid → 201 in Mistral's shape, invalid → 400 naming key and line,
and the validate endpoint says the same as upload for every document."""

import json

import pytest

from tests.support.corpus import cases

ENDPOINT = {"workflow": "/workflows", "workbook": "/workbooks", "actions": "/actions"}
TEXT = {"Content-Type": "text/plain"}
WORKFLOW_FIELDS = {"id", "name", "namespace", "input", "interface", "definition", "checksum", "tags", "scope",
                   "project_id", "created_at", "updated_at"}


async def post(server, path, text, query=""):
    async with server.http.post(server.url + path + query, data=text.encode(), headers=TEXT) as r:
        return r.status, json.loads(await r.read())


async def test_every_valid_document_uploads(server):
    for n, case in enumerate(cases("valid")):
        # Each case in its own namespace: names repeat across files.
        status, body = await post(server, ENDPOINT[case.kind], case.text, f"?namespace=ns{n}")
        assert status == 201, (case.id, body)
        verdict = await post(server, ENDPOINT[case.kind] + "/validate", case.text)
        assert verdict == (200, {"valid": True}), case.id
        if case.kind == "workflow":
            for wf in body["workflows"]:
                assert set(wf) == WORKFLOW_FIELDS
                assert isinstance(wf["interface"], dict) and wf["namespace"] == f"ns{n}"
        elif case.kind == "actions":
            assert all(a["namespace"] == f"ns{n}" for a in body["actions"])
        else:
            assert body["namespace"] == f"ns{n}"


@pytest.mark.parametrize("case", cases("invalid"), ids=lambda c: c.id)
async def test_every_invalid_document_is_refused(server, case):
    status, body = await post(server, ENDPOINT[case.kind], case.text)
    assert status == 400, (case.id, body)
    assert f"line {case.expect_line}" in body["faultstring"]
    verdict = await post(server, ENDPOINT[case.kind] + "/validate", case.text)
    assert verdict == (200, {"valid": False, "error": body["faultstring"]})
