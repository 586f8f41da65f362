"""Mistral's functions, each in YAQL and in Jinja (and as Jinja filters)."""

import json

import pytest
import yaml

from mistral_lite.expr import ExpressionError, evaluate
from tests.unit.expr.sample import DATA, ENV, data, view

ROOT_TASKS = ["t1-a", "t1-b", "t2", "call"]

# (yaql, jinja, expected): both must give exactly `expected` on the same view.
FUNCTION_PAIRS = [
    # task(): no name -> the current task (t2); a name -> latest of that name
    # in the current execution (t1-b, not t1-a nor wf-other's t1).
    ("<% task().name %>", "{{ task().name }}", "t2"),
    ("<% task().result %>", "{{ task().result }}", "boom"),
    ("<% task(t1).result %>", "{{ task('t1').result }}", {"out": 2}),
    ("<% task('t1').id %>", "{{ task(task_name='t1').id }}", "t1-b"),
    ("<% task(taskName => t1).id %>", "{{ task('t1')['id'] }}", "t1-b"),
    ("<% task(t2).id %>", "{{ task('t2').id }}", "t2"),
    ("<% task(nope) %>", "{{ task('nope') }}", None),
    ("<% task(t1).published.p %>", "{{ task('t1').published.p }}", 2),
    # tasks()
    ("<% tasks().len() %>", "{{ tasks() | length }}", 8),
    ("<% tasks(state => ERROR).id %>",
     "{{ tasks(state='ERROR') | map(attribute='id') | list }}",
     ["t2", "call", "s1", "ss1"]),
    ("<% tasks(execution().id).id %>",
     "{{ tasks(execution().id) | map(attribute='id') | list }}",
     ROOT_TASKS),
    ("<% tasks(workflowExecutionId => 'wf-sub').id %>",
     "{{ tasks(workflow_execution_id='wf-sub') | map(attribute='id') | list }}",
     ["s1", "s2"]),
    ("<% tasks(workflow_execution_id => 'wf-sub').id %>",
     "{{ tasks('wf-sub') | map(attribute='id') | list }}",
     ["s1", "s2"]),
    ("<% tasks(execution().id, true).id %>",
     "{{ tasks(execution().id, true) | map(attribute='id') | list }}",
     ROOT_TASKS + ["s1", "s2", "ss1"]),
    ("<% tasks(execution().id, recursive => true, state => ERROR).id %>",
     "{{ tasks(execution().id, recursive=true, state='ERROR') | map(attribute='id') | list }}",
     ["t2", "call", "s1", "ss1"]),
    ("<% tasks(execution().id, true, null, true).id %>",
     "{{ tasks(execution().id, true, none, true) | map(attribute='id') | list }}",
     ["t1-a", "t1-b", "t2", "s1", "s2", "ss1"]),
    ("<% tasks(execution().id).name.distinct() %>",
     "{{ tasks(execution().id) | map(attribute='name') | unique | list }}",
     ["t1", "t2", "call"]),
    # execution() / executions()
    ("<% execution().name %>", "{{ execution().name }}", "my_wf"),
    ("<% execution().input.x %>", "{{ execution().input.x }}", 1),
    ("<% executions().id %>",
     "{{ executions() | map(attribute='id') | list }}",
     ["wf-1", "wf-sub", "wf-subsub", "wf-other"]),
    ("<% executions(state => ERROR).id %>",
     "{{ executions(state='ERROR') | map(attribute='id') | list }}",
     ["wf-sub", "wf-subsub"]),
    ("<% executions(id => 'wf-other').name %>",
     "{{ executions(id='wf-other') | map(attribute='name') | list }}",
     ["other_wf"]),
    ("<% executions(rootExecutionId => 'wf-1').id %>",
     "{{ executions(root_execution_id='wf-1') | map(attribute='id') | list }}",
     ["wf-sub", "wf-subsub"]),
    ("<% executions(from_time => '2024-01-01 10:03:00').id %>",
     "{{ executions(from_time='2024-01-01 10:03:00') | map(attribute='id') | list }}",
     ["wf-subsub", "wf-other"]),
    ("<% executions(toTime => '2024-01-01 10:03:00').id %>",
     "{{ executions(to_time='2024-01-01 10:03:00') | map(attribute='id') | list }}",
     ["wf-1", "wf-sub"]),
    # env(), global(), uuid()
    ("<% env() %>", "{{ env() }}", ENV),
    ("<% env().limits.cpu %>", "{{ env().limits.cpu }}", 2),
    ("<% global(counter) %>", "{{ global('counter') }}", 5),
    ("<% global(counter) + 1 %>", "{{ global('counter') + 1 }}", 6),
    ("<% global(nope) %>", "{{ global('nope') }}", None),
    ("<% uuid() %>", "{{ uuid() }}", "uuid-1"),
    ("<% uuid() %> <% uuid() %>", "{{ uuid() }} {{ uuid() }}", "uuid-1 uuid-2"),
    # data functions
    ("<% json_dump($.m) %>", "{{ json_dump(_.m) }}", json.dumps(DATA["m"], indent=4)),
    ("<% json_dump($.numbers) %>", "{{ json_dump(_.numbers) }}", "[\n    1,\n    2,\n    3\n]"),
    ("<% json_parse($.json_text) %>", "{{ json_parse(_.json_text) }}", {"a": [1, 2]}),
    ("<% json_parse($.json_text).a.sum() %>", "{{ json_parse(_.json_text).a | sum }}", 3),
    ("<% yaml_dump($.m) %>", "{{ yaml_dump(_.m) }}", "k: v\nnested:\n  deep: 1\n"),
    ("<% yaml_parse($.yaml_text) %>", "{{ yaml_parse(_.yaml_text) }}", {"a": [1, 2]}),
    ("<% yaml_parse(yaml_dump($.m)) %>", "{{ yaml_parse(yaml_dump(_.m)) }}", DATA["m"]),
]


@pytest.mark.parametrize(("yaql", "jinja", "expected"), FUNCTION_PAIRS)
def test_function_in_yaql(yaql, jinja, expected):
    assert evaluate(yaql, data(), view()) == expected


@pytest.mark.parametrize(("yaql", "jinja", "expected"), FUNCTION_PAIRS)
def test_function_in_jinja(yaql, jinja, expected):
    assert evaluate(jinja, data(), view()) == expected


@pytest.mark.parametrize(
    ("jinja", "expected"),
    [
        # Context functions as filters: the piped value (Mistral's hidden
        # context argument) is ignored.
        ("{{ (_ | task('t1')).id }}", "t1-b"),
        ("{{ (_ | task).name }}", "t2"),
        ("{{ _ | tasks(state='ERROR') | length }}", 4),
        ("{{ (_ | execution).id }}", "wf-1"),
        ("{{ _ | executions(state='SUCCESS') | map(attribute='id') | list }}", ["wf-other"]),
        ("{{ (_ | env).region }}", "eu"),
        ("{{ _ | global('counter') }}", 5),
        ("{{ _ | uuid }}", "uuid-1"),
        # Data functions: Mistral's form dumps the argument...
        ("{{ _ | json_dump(_.m) }}", json.dumps(DATA["m"], indent=4)),
        # ...and without an argument the piped value is the data.
        ("{{ _.m | json_dump }}", json.dumps(DATA["m"], indent=4)),
        ("{{ _.json_text | json_parse }}", {"a": [1, 2]}),
        ("{{ _.m | yaml_dump }}", "k: v\nnested:\n  deep: 1\n"),
        ("{{ _.yaml_text | yaml_parse }}", {"a": [1, 2]}),
    ],
)
def test_functions_as_jinja_filters(jinja, expected):
    assert evaluate(jinja, data(), view()) == expected


def test_task_result_in_text_is_python_str():
    assert evaluate("r=<% task(t1).result %>", {}, view()) == "r={'out': 2}"
    assert evaluate("r={{ task('t1').result }}", {}, view()) == "r={'out': 2}"


@pytest.mark.parametrize("text", ["<% json_pp($.s) %>", "{{ json_pp(_.s) }}"])
def test_json_pp_is_gone_as_in_mistral_23(text):
    # Mistral 23 no longer has json_pp: a workflow using it fails like any unknown function.
    with pytest.raises(ExpressionError):
        evaluate(text, {"s": {"log": "x"}})


def test_json_dump_escapes_non_ascii_like_mistral():
    assert evaluate("<% json_dump($.s) %>", {"s": "é"}) == '"\\u00e9"'


def test_yaml_dump_is_block_style():
    dumped = evaluate("{{ yaml_dump(_.x) }}", {"x": {"list": [1, 2], "map": {"a": "b"}}})
    assert dumped == "list:\n- 1\n- 2\nmap:\n  a: b\n"
    assert yaml.safe_load(dumped) == {"list": [1, 2], "map": {"a": "b"}}


def test_yaml_parse_uses_the_safe_loader():
    with pytest.raises(ExpressionError, match="yaml_parse|could not determine|constructor"):
        evaluate("<% yaml_parse($.t) %>", {"t": "!!python/object/apply:os.system ['true']"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<% json_parse($.t) %>", "JSONDecodeError"),
        ("{{ json_parse(_.t) }}", "JSONDecodeError"),
    ],
)
def test_parse_errors_are_expression_errors(text, message):
    with pytest.raises(ExpressionError, match=message):
        evaluate(text, {"t": "{not json"})


@pytest.mark.parametrize(
    "text",
    [
        "<% task() %>", "{{ task() }}", "{{ _ | task }}",
        "<% tasks() %>", "{{ tasks() }}",
        "<% execution() %>", "{{ execution() }}",
        "<% executions() %>", "{{ executions() }}",
        "<% env() %>", "{{ env() }}",
        "<% global(x) %>", "{{ global('x') }}",
        "<% uuid() %>", "{{ uuid() }}",
    ],
)
def test_execution_functions_without_a_view_raise(text):
    with pytest.raises(ExpressionError, match="no execution context is available"):
        evaluate(text, data())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<% json_dump(1) %>", "1"),
        ("{{ json_dump(1) }}", "1"),
        ("<% json_parse('[1]') %>", [1]),
        ("{{ yaml_parse('a: 1') }}", {"a": 1}),
        ("<% yaml_dump(dict(a => 1)) %>", "a: 1\n"),
    ],
)
def test_data_functions_work_without_a_view(text, expected):
    assert evaluate(text, {}) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<% json_dump() %>", "json_dump(): missing a required argument: 'data'"),
        ("{{ json_dump() }}", "json_dump(): missing a required argument: 'data'"),
        ("{{ task('a', 'b') }}", "task(): too many positional arguments"),
        ("<% task(a, b) %>", "task(): too many positional arguments"),
        ("<% tasks(bogus => 1) %>", "tasks(): got an unexpected keyword argument 'bogus'"),
        ("{{ global() }}", "global(): missing a required argument: 'var_name'"),
    ],
)
def test_wrong_arguments_are_reported(text, message):
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, {}, view())
    assert message in str(caught.value)


def test_execution_without_a_workflow_execution_in_the_view():
    with pytest.raises(ExpressionError, match="No workflow execution"):
        evaluate("<% execution() %>", {}, view(execution=None))


def test_uuid_comes_from_the_view_in_order_and_runs_out():
    v = view(uuids=["a", "b"])
    assert evaluate(["<% uuid() %>", "{{ uuid() }}"], {}, v) == ["a", "b"]
    with pytest.raises(ExpressionError, match="no more ids"):
        evaluate("<% uuid() %>", {}, v)


def test_function_results_are_copies_of_the_views_data():
    v = view()
    result = evaluate("<% env() %>", {}, v)
    result["region"] = "changed"
    text = "{% set _x = env().limits.update({'cpu': 9}) %}{{ env().limits.cpu }}"
    assert evaluate(text, {}, v) == "2"
    assert v.env() == ENV


def test_function_results_are_plain_json_data():
    result = evaluate("<% tasks(execution().id) %>", {}, view())
    assert type(result) is list
    assert all(type(t) is dict for t in result)
    assert [t["id"] for t in result] == ROOT_TASKS
