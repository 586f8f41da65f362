"""Members, code sources and dynamic actions answer as Mistral 23.0.0 without authentication answers them.

The expected statuses, bodies and CLI lines were recorded on real Mistral 23.0.0
(auth_enable = False, its default policy): members are refused with a bare 400,
code sources and dynamic actions with 403 (their policy is admin_only).
"""

from __future__ import annotations

import pytest

from tests.support.mistral_cli import cli

WF_ID = "00000000-0000-0000-0000-000000000001"
SHARING = "Resource sharing feature can only be supported with authentication enabled."
# Mistral answers these two with `faultstring` alone; mistral-lite keeps its one error shape (differences.md).
NEEDS_AUTH = {"faultcode": "Client", "faultstring": SHARING, "debuginfo": None}
FORBIDDEN = "Operation forbidden (insufficient permissions)"
FULL_FORBIDDEN = {"faultcode": "Client", "faultstring": FORBIDDEN, "debuginfo": None}


@pytest.mark.parametrize("method, path, body", [
    ("GET", f"/workflows/{WF_ID}/members", None),
    ("POST", f"/workflows/{WF_ID}/members", {"member_id": "p2"}),
    ("GET", f"/workflows/{WF_ID}/members/p2", None),
    ("PUT", f"/workflows/{WF_ID}/members/p2", {"status": "accepted"}),
    ("DELETE", f"/workflows/{WF_ID}/members/p2", None),
])
async def test_members_are_refused_without_authentication(api, method, path, body):
    assert await api.call(method, path, body) == (400, NEEDS_AUTH)


async def test_members_of_a_name_are_refused_for_want_of_a_uuid(api):
    # Mistral answers this one with an empty 500 (see docs/differences.md).
    status, body = await api.call("GET", "/workflows/wf/members")
    assert (status, body["faultstring"]) == (
        400, "Only support UUID as resource identifier in resource sharing feature.")


@pytest.mark.parametrize("family", ["code_sources", "dynamic_actions"])
@pytest.mark.parametrize("method, suffix", [("GET", ""), ("GET", "/oa_x?namespace=n"), ("DELETE", "/oa_x")])
async def test_admin_only_reads_and_deletes_are_forbidden(api, family, method, suffix):
    assert await api.call(method, f"/{family}{suffix}") == (403, FULL_FORBIDDEN)


@pytest.mark.parametrize("family", ["code_sources", "dynamic_actions"])
@pytest.mark.parametrize("query, message", [
    ("limit=abc", "Invalid input for field/attribute limit. Value: 'abc'. unable to convert to int. "
                  "Error: invalid literal for int() with base 10: 'abc'"),
    ("marker=abc", "Invalid input for field/attribute marker. Value: 'abc'. unable to convert to uuid. "
                   "Error: Expected a uuid but received abc."),
])
async def test_list_arguments_are_checked_before_the_policy(api, family, query, message):
    status, body = await api.call("GET", f"/{family}?{query}")
    assert (status, body["faultstring"]) == (400, message)


async def test_unknown_list_arguments_are_refused(api):
    status, body = await api.call("GET", "/code_sources?foo=1")
    assert status == 400 and "foo" in body["faultstring"]


async def test_code_source_uploads_are_forbidden_and_nothing_runs(api):
    assert await api.call("POST", "/code_sources?name=oa_s&scope=private", text="raise SystemExit") == (
        403, FULL_FORBIDDEN)
    assert await api.call("PUT", "/code_sources?identifier=oa_s", text="x = 1") == (403, FULL_FORBIDDEN)
    status, body = await api.call("POST", "/code_sources", text="x = 1")
    assert status == 400 and body["faultstring"] == 'Missing argument: "name"'


async def test_dynamic_action_bodies_are_checked_before_the_policy(api):
    good = {"name": "oa_d", "class_name": "C", "code_source_id": "oa_s"}
    assert await api.call("POST", "/dynamic_actions", good) == (403, FULL_FORBIDDEN)
    assert await api.call("PUT", "/dynamic_actions", {"name": "oa_d"}) == (403, FULL_FORBIDDEN)
    status, body = await api.call("POST", "/dynamic_actions", {"bogus": 1})
    assert status == 400 and "bogus" in body["faultstring"]
    status, body = await api.call("POST", "/dynamic_actions", {"name": ["x"]})
    assert status == 400 and "name" in body["faultstring"]


# What `mistral` printed against real Mistral 23.0.0 for the same commands, exit 1: (stdout, stderr).
CLI_STEPS = [
    (("member-list", WF_ID, "workflow"), "ERROR (app) " + NEEDS_AUTH["faultstring"]),
    (("member-get", WF_ID, "workflow", "-m", "p2"), "ERROR (app) " + NEEDS_AUTH["faultstring"]),
    (("member-create", WF_ID, "workflow", "p2"), "ERROR (app) " + NEEDS_AUTH["faultstring"]),
    (("member-update", WF_ID, "workflow", "-m", "p2", "-s", "rejected"), "ERROR (app) " + NEEDS_AUTH["faultstring"]),
    (("member-delete", WF_ID, "workflow", "p2"),
     (NEEDS_AUTH["faultstring"], "ERROR (app) Unable to delete the specified member.")),
    (("code-source-list",), "ERROR (app) " + FORBIDDEN),
    (("code-source-get", "oa_s"), "ERROR (app) " + FORBIDDEN),
    (("code-source-get-content", "oa_s"), "ERROR (app) " + FORBIDDEN),
    (("code-source-create", "oa_s", "{source}"), "ERROR (app) " + FORBIDDEN),
    (("code-source-update", "oa_s", "{source}"), "ERROR (app) " + FORBIDDEN),
    (("code-source-delete", "oa_s"), (FORBIDDEN, "ERROR (app) Unable to delete the specified code source(s).")),
    (("dynamic-action-list",), "ERROR (app) " + FORBIDDEN),
    (("dynamic-action-get", "oa_d"), "ERROR (app) " + FORBIDDEN),
    (("dynamic-action-create", "oa_d", "Cls", "oa_s"), "ERROR (app) " + FORBIDDEN),
    (("dynamic-action-update", "oa_d"), "ERROR (app) " + FORBIDDEN),
    (("dynamic-action-delete", "oa_d"),
     (FORBIDDEN, "ERROR (app) Unable to delete the specified dynamic action(s).")),
]


async def test_the_cli_prints_what_it_prints_against_mistral(server, tmp_path):
    source = tmp_path / "oa_src.py"
    source.write_text("x = 1\n")
    for args, expected in CLI_STEPS:
        args = tuple(a.replace("{source}", str(source)) for a in args)
        code, out, err = await cli(server, *args)
        printed = expected if isinstance(expected, tuple) else ("", expected)
        assert (code, out.strip(), err.strip()) == (1, *printed), args
