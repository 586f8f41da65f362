"""evaluate(): typed vs string results, recursion, errors, both languages."""

import json

import pytest

from mistral_lite.expr import ExpressionError, evaluate
from tests.unit.expr.sample import DATA, data, view


def assert_json_plain(value):
    """Only dict/list/str/int/float/bool/None, all the way down."""
    if isinstance(value, dict):
        assert type(value) is dict
        for key, item in value.items():
            assert isinstance(key, str)
            assert_json_plain(item)
    elif isinstance(value, list):
        assert type(value) is list
        for item in value:
            assert_json_plain(item)
    else:
        assert value is None or type(value) in (str, int, float, bool), type(value)


# --- typed results ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<% $.n %>", 3),
        ("{{ _.n }}", 3),
        ("<% $.flag %>", True),
        ("{{ _.flag }}", True),
        ("<% $.nothing %>", None),
        ("{{ _.nothing }}", None),
        ("<% $.name %>", "world"),
        ("{{ _.name }}", "world"),
        ("<% $.numbers %>", [1, 2, 3]),
        ("{{ _.numbers }}", [1, 2, 3]),
        ("<% $.m %>", {"k": "v", "nested": {"deep": 1}}),
        ("{{ _.m }}", {"k": "v", "nested": {"deep": 1}}),
        ("<% 1.5 %>", 1.5),
        ("{{ 1.5 }}", 1.5),
        ("<% null %>", None),
        ("{{ none }}", None),
        ("<% [1, 2] %>", [1, 2]),
        ("{{ [1, 2] }}", [1, 2]),  # verified on Mistral: typed list (V16)
        ("<% dict(a => 1) %>", {"a": 1}),
        ("{{ {'a': 1} }}", {"a": 1}),
        ("{{ {'a': {'b': [1]}} }}", {"a": {"b": [1]}}),
        # Surrounding whitespace still means "one expression".
        ("  <% $.n %>  ", 3),
        ("\n{{ _.n }}\n", 3),
        ("{{- _.n -}}", 3),
    ],
)
def test_single_expression_gives_typed_value(text, expected):
    result = evaluate(text, data())
    assert result == expected
    assert type(result) is type(expected)


# --- string results --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Mistral quirk, verified (V11): Python str() of each value.
        ("v=<% dict(a=>1) %> n=<% null %> b=<% true %>", "v={'a': 1} n=None b=True"),
        ("v={{ {'a': 1} }} n={{ none }} b={{ true }}", "v={'a': 1} n=None b=True"),
        ("Hello, <% $.name %>!", "Hello, world!"),
        ("Hello, {{ _.name }}!", "Hello, world!"),
        ("<% $.n %><% $.n %>", "33"),
        ("{{ _.n }}{{ _.n }}", "33"),
        ("list: <% $.numbers %>", "list: [1, 2, 3]"),
        ("list: {{ _.numbers }}", "list: [1, 2, 3]"),
        ("{% if _.flag %}on{% else %}off{% endif %}", "on"),
        ("{% for x in _.numbers %}{{ x }},{% endfor %}", "1,2,3,"),
        ("set: <% set(2, 1) %>", "set: {1, 2}"),
        ("no expressions at all", "no expressions at all"),
        ("", ""),
    ],
)
def test_text_around_or_several_expressions_gives_string(text, expected):
    assert evaluate(text, data()) == expected


def test_value_that_looks_like_an_expression_is_not_evaluated_again():
    assert evaluate("<% $.t %>", {"t": "<% $.x %>"}) == "<% $.x %>"
    assert evaluate("x {{ _.t }}", {"t": "{{ _.x }}"}) == "x {{ _.x }}"


# --- multi-line strings ----------------------------------------------------


def test_multi_line_yaql_text_keeps_lines_and_trailing_newline():
    text = "name: <% $.name %>\ncount: <% $.n %>\n"
    assert evaluate(text, data()) == "name: world\ncount: 3\n"


def test_multi_line_jinja_template_uses_trim_and_lstrip_blocks():
    text = "items:\n  {% for x in _.numbers %}\n- {{ x }}\n  {% endfor %}\ndone"
    assert evaluate(text, data()) == "items:\n- 1\n- 2\n- 3\ndone"


def test_jinja_drops_one_trailing_newline_like_mistral():
    # Jinja's default (keep_trailing_newline=False), which Mistral keeps.
    assert evaluate("n={{ _.n }}\n", data()) == "n=3"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<% $.n +\n   $.n %>", 6),
        ("{{ _.n +\n   _.n }}", 6),
        ("sum=<% $.n\n + 1 %>", "sum=4"),
    ],
)
def test_expression_spanning_lines(text, expected):
    assert evaluate(text, data()) == expected


# --- quotes holding delimiters ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<% '%>' %>", "%>"),
        ("<% $.name + '%>' %>", "world%>"),
        ("a <% '%>' %> b <% \"<%\" %>", "a %> b <%"),
        ("{{ '}}' }}", "}}"),
        ("x {{ '}}' ~ _.name }}", "x }}world"),
    ],
)
def test_closing_delimiter_inside_quotes(text, expected):
    assert evaluate(text, data()) == expected


# --- recursion -------------------------------------------------------------


def test_recursion_evaluates_values_never_keys():
    value = {
        "<% $.name %>": "<% $.n %>",
        "list": ["{{ _.n }}", {"deep": "x <% $.name %>"}, 7, None],
        "plain": "text",
        "number": 1,
    }
    assert evaluate(value, data()) == {
        "<% $.name %>": 3,
        "list": [3, {"deep": "x world"}, 7, None],
        "plain": "text",
        "number": 1,
    }


def test_yaql_and_jinja_may_mix_across_values_of_one_structure():
    assert evaluate(["<% $.n %>", "{{ _.n }}"], data()) == [3, 3]


def test_tuples_are_walked_and_become_lists():
    assert evaluate(("<% $.n %>", ("{{ _.n }}",)), data()) == [3, [3]]


@pytest.mark.parametrize("value", [0, 1.5, True, None, b"<% 1 %>"])
def test_non_strings_are_returned_as_is(value):
    assert evaluate(value, data()) is value


def test_input_value_and_data_are_not_modified():
    value = {"a": ["<% $.numbers %>"]}
    source = data()
    result = evaluate(value, source)
    result["a"][0].append(4)
    assert value == {"a": ["<% $.numbers %>"]}
    assert source == DATA


def test_jinja_result_does_not_alias_the_data():
    source = data()
    result = evaluate("{{ _.numbers }}", source)
    result.append(4)
    assert source["numbers"] == [1, 2, 3]


def test_jinja_template_cannot_mutate_the_callers_data():
    source = data()
    text = "{% set _x = _.numbers.append(4) %}{{ _.numbers | length }}"
    assert evaluate(text, source) == "4"
    assert source["numbers"] == [1, 2, 3]


def test_data_may_be_any_mapping():
    from collections import ChainMap

    chained = ChainMap({"a": 1}, {"a": 2, "b": 3})
    assert evaluate(["<% $.a + $.b %>", "{{ _.a + _.b }}"], chained) == [4, 4]


# --- JSON compatibility ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<% $.servers %>", DATA["servers"]),
        ("<% $.m.items() %>", [["k", "v"], ["nested", {"deep": 1}]]),
        ("<% set(3, 1, 2) %>", [1, 2, 3]),
        ("<% $.words.toSet() %>", ["a", "b"]),
        ("<% range(3) %>", [0, 1, 2]),
        ("<% $.numbers.select($ * 2) %>", [2, 4, 6]),
        ("<% dict(a => [1, [2]]) %>", {"a": [1, [2]]}),
        ("{{ range(3) }}", [0, 1, 2]),
        ("{{ _.m.keys() }}", ["k", "nested"]),
        ("{{ _.numbers | map('string') }}", ["1", "2", "3"]),
        ("{{ _.name | upper | safe }}", "WORLD"),
    ],
)
def test_results_are_plain_json_data(text, expected):
    result = evaluate(text, data())
    assert result == expected
    assert_json_plain(result)
    json.dumps(result)


def test_yaql_datetimes_become_strings():
    result = evaluate("<% now() %>", {})
    assert isinstance(result, str)
    assert len(result) == len("2024-01-01T00:00:00.000000")


# --- errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expression", "cause"),
    [
        ("<% $.missing %>", "$.missing", "error='missing']"),
        ("a <% $.n %> b <% $.m.nope %>", "$.m.nope", "error='nope']"),
        ("<% $.numbers[7] %>", "$.numbers[7]", "IndexError"),
        ("<% nosuch() %>", "nosuch()", 'Unknown function "nosuch"'),
        ("<% 1 / 0 %>", "1 / 0", "ZeroDivisionError"),
        ("{{ _.missing }}", "_.missing", "has no attribute 'missing'"),
        ("{{ missing }}", "missing", "'missing' is undefined"),
        ("{{ [_.missing] }}", "[_.missing]", "has no attribute 'missing'"),
        ("x {{ _.m.nope }}", "x {{ _.m.nope }}", "has no attribute 'nope'"),
        ("{{ 1 / 0 }}", "1 / 0", "ZeroDivisionError"),
    ],
)
def test_evaluation_errors_name_the_expression_and_the_cause(text, expression, cause):
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, data())
    message = str(caught.value)
    assert message.startswith("Can not evaluate ")
    assert f"[expression={expression}, " in message
    assert cause in message
    assert caught.value.expression == expression


def test_error_message_language_names():
    with pytest.raises(ExpressionError, match="Can not evaluate YAQL expression"):
        evaluate("<% $.x %>", {})
    with pytest.raises(ExpressionError, match="Can not evaluate Jinja expression"):
        evaluate("{{ _.x }}", {})


def test_error_message_never_quotes_the_data_as_mistral_23():
    source = {"big": "x" * 1000, "token": "s3cr3t", "__env": {"secret": "s3cr3t"}}
    with pytest.raises(ExpressionError) as caught:
        evaluate("<% $.nope %>", source)
    assert str(caught.value) == "Can not evaluate YAQL expression [expression=$.nope, error='nope']"


def test_error_inside_a_nested_value_is_raised():
    with pytest.raises(ExpressionError, match="error='nope'"):
        evaluate({"ok": "<% $.n %>", "bad": ["<% $.nope %>"]}, data())


@pytest.mark.parametrize(
    "text",
    ["<% $.n %> {{ _.n }}", "{{ _.n }}<% $.n %>", "{% if true %}<% 1 %>{% endif %}"],
)
def test_mixing_languages_in_one_string_is_an_error(text):
    with pytest.raises(ExpressionError, match="Mixing expression types in a single line is not allowed"):
        evaluate(text, data())


def test_mixing_error_inside_nested_values():
    with pytest.raises(ExpressionError, match="Mixing"):
        evaluate({"a": ["<% 1 %>{{ 2 }}"]}, {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<% $.get(missing) %>", None),
        ("<% $.get(missing, 'dflt') %>", "dflt"),
        ("<% $.m.get(k, 'dflt') %>", "v"),
        ("<% $.nothing = null %>", True),
        ("{{ _.get('missing', 'dflt') }}", "dflt"),
        ("{{ _.missing | default('dflt') }}", "dflt"),
        ("{{ _.missing is defined }}", False),
    ],
)
def test_safe_forms_for_missing_keys(text, expected):
    assert evaluate(text, data()) == expected


def test_empty_data_still_evaluates():
    # Mistral skips evaluation entirely for an empty context; we do not.
    assert evaluate("<% 1 + 1 %>", {}) == 2
    assert evaluate("{{ 1 + 1 }}", None) == 2


def test_view_is_optional_for_plain_expressions():
    assert evaluate("<% $.n %>", data(), view()) == 3


def test_jinja_attribute_lookup_prefers_dict_methods_like_mistral():
    # `_.items` is dict.items (Jinja tries getattr first); subscript reaches the key.
    source = {"items": [1, 2]}
    assert evaluate("{{ _['items'] }}", source) == [1, 2]
    assert evaluate("<% $.items %>", source) == [1, 2]
    assert evaluate("{{ _.items() | list | length }}", source) == 1
