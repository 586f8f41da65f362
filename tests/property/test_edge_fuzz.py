"""Random bodies to every write endpoint and random YAML to the validator: never a 5xx, never a hang.

One real server (its own process, real SQLite) takes every example; each request has a
timeout, and the server must still answer /health at the end.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from datetime import timedelta

import aiohttp
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mistral_lite.lang.documents import parse_actions, parse_workbook, parse_workflows
from mistral_lite.lang.errors import DslError
from tests.support.malformed import nested, prepare
from tests.support.process import ServerProcess

REQUEST_TIMEOUT = 10.0
SERVER_SETTINGS = settings(
    max_examples=150, deadline=timedelta(seconds=REQUEST_TIMEOUT * 2), database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any character, lone surrogates included (JSON escapes them; the server must refuse them).
ANY_CHAR = st.characters(exclude_categories=())
TEXT = st.text(ANY_CHAR, max_size=12)
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | TEXT
           | st.sampled_from(["", "edge_wait", "edge_fail", "std.noop", "RUNNING", "SUCCESS", "ERROR", "PAUSED",
                              "* * * * *", "0b7e7d2c-8f33-4c5e-9b8e-1c1d1e1f2a3b", "{}", "[1]", '{"a": NaN}']))
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                           max_leaves=12)
KEYS = ["id", "name", "workflow_name", "workflow_id", "workflow_namespace", "description", "input", "params",
        "state", "state_info", "output", "reset", "env", "variables", "scope", "pattern", "workflow_input",
        "workflow_params", "remaining_executions", "first_execution_time", "source_execution_id"]
PARAMS = st.dictionaries(st.sampled_from(["env", "task_name", "evaluate_env", "save_result", "run_sync", "timeout",
                                          "target", "notify"]), SCALARS | JSON_VALUES, max_size=3)
BODIES = st.dictionaries(st.sampled_from(KEYS) | TEXT, JSON_VALUES, max_size=6)
# Bodies close to valid ones get past the first checks and into the handlers.
NEAR_VALID = st.fixed_dictionaries(
    {"workflow_name": st.sampled_from(["edge_wait", "edge_fail"]), "input": st.dictionaries(TEXT, JSON_VALUES)},
    optional={"params": PARAMS, "description": SCALARS, "id": SCALARS},
)
WRITE_ENDPOINTS = [
    ("POST", "/executions"), ("PUT", "/executions/{execution}"), ("PUT", "/tasks/{failed_task}"),
    ("POST", "/action_executions"), ("PUT", "/action_executions/{action}"), ("POST", "/environments"),
    ("PUT", "/environments"), ("POST", "/cron_triggers"),
]
YAML_ENDPOINTS = [("POST", "/workflows"), ("PUT", "/workflows"), ("POST", "/workbooks"), ("PUT", "/workbooks"),
                  ("POST", "/actions"), ("PUT", "/actions"), ("POST", "/workflows/validate"),
                  ("POST", "/workbooks/validate"), ("POST", "/actions/validate")]


def _json_text(value: object) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


JSON_RAW = st.one_of(
    BODIES.map(_json_text),
    NEAR_VALID.map(_json_text),
    st.fixed_dictionaries({"name": st.sampled_from(["std.noop", "std.echo", "edge_env"]), "params": PARAMS,
                           "input": st.dictionaries(TEXT, JSON_VALUES)}).map(_json_text),
    JSON_VALUES.map(_json_text),
    st.integers(1, 3000).map(lambda n: ('{"input": ' + nested(n) + "}").encode()),
    st.binary(max_size=40),
)


def _documents() -> st.SearchStrategy[str]:
    """YAML text: random structures dumped as YAML, wrapped like a definition, sometimes cut or spliced."""
    tree = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                        max_leaves=10)
    document = st.fixed_dictionaries({"version": st.sampled_from(["2.0", 2, "1.0"])}, optional={
        "name": TEXT, "wf": st.fixed_dictionaries({}, optional={"tasks": tree, "input": tree, "type": SCALARS}),
        "workflows": tree, "actions": tree, "act": st.fixed_dictionaries({"base": SCALARS}, optional={"input": tree}),
    })

    def dumped(doc: dict, flow: bool) -> str:
        return yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=True)

    text = st.builds(dumped, document, st.booleans())
    spliced = st.builds(lambda t, at, extra: t[:at] + extra + t[at:], text, st.integers(0, 200), TEXT)
    deep = st.integers(1, 2000).map(lambda n: "version: '2.0'\nwf:\n  input: " + nested(n) + "\n")
    return st.one_of(text, spliced, deep, st.text(ANY_CHAR, max_size=60))


DOCUMENTS = _documents()

EXPRESSIONS = st.sampled_from(["<% $.x %>", "<% 1 + %>", "{{ _.x }}", "{{ 1 + }}", "<% task().result %>",
                               "<% $.missing.deeper %>", "{{ range(3) | list }}", "<% [1, 2] %>"])
TASK_VALUES = st.one_of(SCALARS, EXPRESSIONS, st.lists(SCALARS | EXPRESSIONS, max_size=3),
                        st.dictionaries(TEXT, SCALARS | EXPRESSIONS, max_size=3))
TASK_KEYS = ["wait-before", "wait-after", "timeout", "retry", "concurrency", "pause-before", "with-items", "publish",
             "publish-on-error", "on-success", "on-error", "on-complete", "join", "input", "keep-result",
             "safe-rerun", "fail-on", "target", "description", "tags"]


def _workflow(tasks: dict, wf_type: object, wf_input: object, output: object) -> str:
    workflow = {"tasks": tasks}
    for key, value in (("type", wf_type), ("input", wf_input), ("output", output)):
        if value is not None:
            workflow[key] = value
    return yaml.safe_dump({"version": "2.0", "fuzz_wf": workflow}, sort_keys=False)


# Documents of the right shape with random attribute values: they get past the structure
# checks into the task, policy and expression checks, and some are valid enough to run.
WORKFLOWS = st.builds(
    _workflow,
    st.dictionaries(
        st.sampled_from(["a", "b", "c"]),
        st.fixed_dictionaries({"action": st.sampled_from(["std.noop", "std.echo output=1", "std.fail", "nope"])},
                              optional={k: TASK_VALUES for k in TASK_KEYS}),
        min_size=1, max_size=3,
    ),
    st.none() | st.sampled_from(["direct", "reverse", "other"]),
    st.none() | st.lists(TEXT | st.dictionaries(TEXT, SCALARS, max_size=1), max_size=2),
    st.none() | TASK_VALUES,
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):
    server = ServerProcess(tmp_path_factory.mktemp("fuzz") / "data").start()

    async def setup() -> dict[str, str]:
        async with aiohttp.ClientSession() as http:
            return await prepare(http, server.url)

    try:
        yield server, asyncio.run(setup())
    finally:
        server.stop()


def _request(server: ServerProcess, method: str, path: str, data: bytes | None, content_type: str) -> tuple[int, bytes]:
    request = urllib.request.Request(server.url + path, data=data, method=method,
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _check(status: int, raw: bytes) -> None:
    assert status < 500, raw[:500]
    if status >= 400:
        body = json.loads(raw)
        assert set(body) == {"faultcode", "faultstring", "debuginfo"} and body["faultstring"], body


@SERVER_SETTINGS
@given(endpoint=st.sampled_from(WRITE_ENDPOINTS), data=JSON_RAW)
def test_random_json_bodies_get_no_server_error(live, endpoint, data):
    server, ids = live
    method, path = endpoint
    _check(*_request(server, method, path.format(**ids), data, "application/json"))


@SERVER_SETTINGS
@given(endpoint=st.sampled_from(YAML_ENDPOINTS), text=DOCUMENTS)
def test_random_definitions_get_no_server_error(live, endpoint, text):
    server, _ = live
    method, path = endpoint
    _check(*_request(server, method, path, text.encode("utf-8", "surrogatepass"), "text/plain"))


@SERVER_SETTINGS
@given(text=WORKFLOWS, wf_input=st.dictionaries(TEXT, JSON_VALUES, max_size=2), params=PARAMS)
def test_random_workflows_upload_and_start_without_server_error(live, text, wf_input, params):
    server, _ = live
    status, raw = _request(server, "PUT" if _uploaded(server) else "POST", "/workflows", text.encode(), "text/plain")
    _check(status, raw)
    if status < 300:
        body = _json_text({"workflow_name": "fuzz_wf", "input": wf_input, "params": params})
        _check(*_request(server, "POST", "/executions", body, "application/json"))


def _uploaded(server: ServerProcess) -> bool:
    status, _ = _request(server, "GET", "/workflows/fuzz_wf", None, "application/json")
    return status == 200


def test_server_still_answers_after_the_examples(live):
    server, _ = live
    health = server.health()
    assert health is not None and health["database"] == "ok"


@settings(max_examples=400, deadline=timedelta(seconds=10), database=None)
@given(text=DOCUMENTS | WORKFLOWS, parse=st.sampled_from([parse_workflows, parse_actions, parse_workbook]))
def test_the_validator_fails_only_with_a_dsl_error(text, parse):
    try:
        parsed = parse(text)
    except DslError as e:
        assert str(e).startswith(("Invalid DSL: ", "Definition could not be parsed: "))  # the latter: YAML syntax, Mistral's words
        return
    # What the validator accepts can be stored: strict JSON, valid UTF-8.
    raws = [s.raw for s in parsed] if isinstance(parsed, list) else [parsed.raw]
    json.dumps(raws, allow_nan=False).encode("utf-8")
