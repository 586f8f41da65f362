"""/v2/workflows through HTTP on a real server and a real SQLite file."""

import asyncio
import hashlib
import json

import pytest

from tests.support import workflows

TEXT = {"Content-Type": "text/plain"}


async def post(server, body: str, query: str = "", path="/workflows"):
    async with server.http.post(server.url + path + query, data=body.encode(), headers=TEXT) as r:
        return r.status, await r.json()


async def get(server, path: str):
    async with server.http.get(server.url + path) as r:
        return r.status, await r.json()


async def test_create_get_list_delete_round_trip(server):
    text = workflows.simple()
    status, body = await post(server, text, "?scope=private&namespace=")
    assert status == 201
    [wf] = body["workflows"]
    assert wf["name"] == "hello"
    assert wf["namespace"] == ""
    assert wf["input"] == 'name, greeting="Hello"'
    assert wf["interface"] == {"input": ["name", {"greeting": "Hello"}], "output": ["message"]}
    assert wf["definition"] == text
    assert wf["checksum"] == hashlib.md5(text.encode()).hexdigest()
    assert wf["scope"] == "private" and wf["project_id"] == "<default-project>" and wf["tags"] == []
    assert len(wf["created_at"]) == 19 and wf["updated_at"] is None

    status, got = await get(server, "/workflows/hello")
    assert status == 200
    assert json.loads(got["interface"]) == wf["interface"]  # a JSON string on GET, as Mistral
    assert {k: v for k, v in got.items() if k != "interface"} == {k: v for k, v in wf.items() if k != "interface"}
    assert (await get(server, "/workflows/" + wf["id"]))[1]["name"] == "hello"

    status, listed = await get(server, "/workflows")
    assert status == 200 and [w["id"] for w in listed["workflows"]] == [wf["id"]]
    assert "next" not in listed

    async with server.http.delete(server.url + "/workflows/hello") as r:
        assert r.status == 204
        assert await r.read() == b""
    status, body = await get(server, "/workflows/hello")
    assert status == 404
    assert body["faultstring"] == "Workflow not found [workflow_identifier=hello, namespace=]"


async def test_duplicate_is_409_and_namespaces_are_separate(server):
    assert (await post(server, workflows.simple()))[0] == 201
    status, body = await post(server, workflows.simple())
    assert status == 409
    assert body["faultstring"] == (
        "Duplicate entry for WorkflowDefinition ['name', 'namespace', 'project_id']: hello, , None"
    )
    status, body = await post(server, workflows.simple(), "?namespace=team")
    assert status == 201 and body["workflows"][0]["namespace"] == "team"
    assert (await get(server, "/workflows/hello?namespace=team"))[1]["namespace"] == "team"
    assert len((await get(server, "/workflows?namespace=team"))[1]["workflows"]) == 1
    assert len((await get(server, "/workflows"))[1]["workflows"]) == 2


async def test_concurrent_duplicates_create_exactly_one(server):
    results = await asyncio.gather(*(post(server, workflows.simple("racy")) for _ in range(10)))
    assert sorted(s for s, _ in results) == [201] + [409] * 9


async def test_document_with_two_workflows(server):
    status, body = await post(server, workflows.TWO)
    assert status == 201
    first, second = body["workflows"]
    assert (first["name"], second["name"]) == ("first", "second")
    assert second["tags"] == ["nightly", "infra"]
    # each is stored as its own document
    assert "second" not in first["definition"] and "version" in first["definition"]
    status, listed = await get(server, "/workflows?tags=nightly")
    assert [w["name"] for w in listed["workflows"]] == ["second"]


async def test_update_by_name_and_by_id(server):
    _, body = await post(server, workflows.simple())
    wf_id = body["workflows"][0]["id"]
    changed = workflows.simple(extra="\n    done: {action: std.noop}")
    async with server.http.put(server.url + "/workflows", data=changed, headers=TEXT) as r:
        assert r.status == 200
        [updated] = (await r.json())["workflows"]
    assert updated["id"] == wf_id and updated["definition"] == changed and updated["updated_at"] is not None
    async with server.http.put(server.url + "/workflows/" + wf_id, data=workflows.simple(), headers=TEXT) as r:
        assert r.status == 200
        single = await r.json()
    assert single["id"] == wf_id and single["definition"] == workflows.simple()
    async with server.http.put(server.url + "/workflows", data=workflows.simple("ghost"), headers=TEXT) as r:
        assert r.status == 404


@pytest.mark.parametrize("body, fragment", [
    ("version: '2.0'\nwf:\n  tasks: [\n", "Definition could not be parsed"),
    ("wf:\n  tasks:\n    t: {action: std.noop}\n", "'version' is a required property"),
    ("version: '3.0'\nwf:\n  tasks: {}\n", "unsupported version"),
    ("version: '2.0'\n", "defines no workflow"),
    ("version: '2.0'\nwf: 5\n", "workflow 'wf' must be a mapping"),
    ("version: '2.0'\nmy wf:\n  tasks: {t: {}}\n", "must not contain spaces"),
    ("version: '2.0'\nwf:\n  input: [a, a]\n  tasks: {t: {}}\n", "declared twice"),
    ("- just\n- a list\n", "must be a mapping"),
])
async def test_invalid_documents_are_400_with_the_reason(server, body, fragment):
    status, response = await post(server, body)
    assert status == 400
    assert fragment in response["faultstring"]
    # nothing was created, and validate agrees with upload
    assert (await get(server, "/workflows"))[1]["workflows"] == []
    status, verdict = await post(server, body, path="/workflows/validate")
    assert status == 200 and verdict["valid"] is False and fragment in verdict["error"]


async def test_parse_error_names_the_line(server):
    status, body = await post(server, "version: '2.0'\nwf:\n  tasks:\n    t1: {action: std.noop\n    t2: x\n")
    assert status == 400
    assert "line " in body["faultstring"]


async def test_validate_accepts_a_valid_document(server):
    assert await post(server, workflows.simple(), path="/workflows/validate") == (200, {"valid": True})


async def test_body_over_the_limit_is_400_and_the_server_keeps_serving(server):
    big = workflows.simple() + "#" * (1024 * 1024 + 10)
    status, body = await post(server, big)
    assert status == 400
    assert "too large" in body["faultstring"] and "1048576" in body["faultstring"]
    assert (await post(server, workflows.simple()))[0] == 201


@pytest.mark.parametrize("query, fragment", [
    ("?bogus=1", 'Unknown argument: "bogus"'),
    ("?sort_keys=colour", "Unknown sort key 'colour'"),
    ("?sort_dirs=sideways", "Unknown sort direction 'sideways'"),
    ("?sort_keys=name&sort_dirs=asc,desc", "sort_dirs must be same or less"),
    ("?limit=0", "Limit must be positive."),
    ("?limit=ten", "Limit must be an integer"),
    ("?fields=name,colour", "Some fields do not exist  [colour]"),
])
async def test_bad_list_parameters(server, query, fragment):
    status, body = await get(server, "/workflows" + query)
    assert status == 400
    assert fragment in body["faultstring"]


async def test_unknown_parameter_on_create_and_bad_scope(server):
    status, body = await post(server, workflows.simple(), "?colour=red")
    assert status == 400 and "colour" in body["faultstring"]
    status, body = await post(server, workflows.simple(), "?scope=secret")
    assert status == 400 and "Invalid scope 'secret'" in body["faultstring"]


async def test_unknown_marker_is_404(server):
    status, body = await get(server, "/workflows?marker=00000000-0000-0000-0000-000000000000")
    assert status == 404


async def test_fields_selects_attributes_and_always_id(server):
    await post(server, workflows.simple())
    _, body = await get(server, "/workflows?fields=name,input")
    assert body["workflows"] == [{"id": body["workflows"][0]["id"], "name": "hello", "input": 'name, greeting="Hello"'}]
    _, one = await get(server, "/workflows/hello?fields=name")
    assert set(one) == {"id", "name"}


async def test_pagination_over_250_workflows(server):
    document = "---\nversion: '2.0'\n" + "".join(
        f"wf{i:03d}:\n  tasks:\n    t: {{action: std.noop}}\n" for i in range(250)
    )
    status, body = await post(server, document)
    assert status == 201 and len(body["workflows"]) == 250

    names, url, pages = [], server.url + "/workflows?limit=100&sort_keys=name&sort_dirs=desc", 0
    while url and pages < 10:
        async with server.http.get(url) as r:
            page = await r.json()
        names.extend(w["name"] for w in page["workflows"])
        url = page.get("next")
        pages += 1
    assert pages == 3
    assert names == [f"wf{i:03d}" for i in reversed(range(250))]

    # the default order (created_at, then id) pages cleanly too, even with equal timestamps
    ids, marker = [], None
    for _ in range(10):
        _, page = await get(server, "/workflows?limit=70" + (f"&marker={marker}" if marker else ""))
        ids.extend(w["id"] for w in page["workflows"])
        if "next" not in page:
            break
        marker = page["workflows"][-1]["id"]
    assert len(ids) == len(set(ids)) == 250


async def test_filter_operators(server):
    await post(server, workflows.TWO)
    _, body = await get(server, "/workflows?name=neq:first")
    assert [w["name"] for w in body["workflows"]] == ["second"]
    _, body = await get(server, "/workflows?name=in:first,second,third")
    assert len(body["workflows"]) == 2
    _, body = await get(server, "/workflows?name=has:sec")
    assert [w["name"] for w in body["workflows"]] == ["second"]


async def test_xml_body_is_415(server):
    async with server.http.post(server.url + "/workflows", data="<wf/>", headers={"Content-Type": "application/xml"}) as r:
        assert r.status == 415
        assert "XML" in (await r.json())["faultstring"]


async def test_delete_unknown_is_404(server):
    async with server.http.delete(server.url + "/workflows/nope") as r:
        assert r.status == 404


async def test_validate_ignores_query_parameters_as_mistral_does(api):
    document = "version: '2.0'\nwf:\n  tasks:\n    a: {action: std.noop}\n"
    for resource in ("workflows", "workbooks", "actions"):
        status, body = await api.call("POST", f"/{resource}/validate?namespace=ns1", text=document)
        assert status == 200 and "valid" in body, (resource, status, body)
