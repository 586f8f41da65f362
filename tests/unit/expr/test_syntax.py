"""Finding expressions in strings and checking their syntax."""

import time

import pytest

from mistral_lite.expr import (
    Expression,
    expressions_in,
    has_expression,
    single_expression,
    syntax_error,
)


def spans(text):
    return [(e.kind, e.source, text[e.start:e.end], e.is_block) for e in expressions_in(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text", []),
        ("", []),
        ("<% $.a %>", [("yaql", " $.a ", "<% $.a %>", False)]),
        ("{{ _.a }}", [("jinja", " _.a ", "{{ _.a }}", False)]),
        ("{% if x %}y{% endif %}", [("jinja", " if x ", "{% if x %}", True),
                                     ("jinja", " endif ", "{% endif %}", True)]),
        ("a <% 1 %> b <% 2 %>", [("yaql", " 1 ", "<% 1 %>", False), ("yaql", " 2 ", "<% 2 %>", False)]),
        # Closing delimiters inside quotes do not end the expression.
        ("<% '%>' %>", [("yaql", " '%>' ", "<% '%>' %>", False)]),
        ('<% "a%>b" + `%>` %>', [("yaql", ' "a%>b" + `%>` ', '<% "a%>b" + `%>` %>', False)]),
        ("<% 'it\\'s %>' %>", [("yaql", " 'it\\'s %>' ", "<% 'it\\'s %>' %>", False)]),
        ("{{ '}}' }}", [("jinja", " '}}' ", "{{ '}}' }}", False)]),
        # Jinja balances brackets, as its own lexer does.
        ("{{ {'a': {'b': 1}} }}", [("jinja", " {'a': {'b': 1}} ", "{{ {'a': {'b': 1}} }}", False)]),
        # Expressions may span lines.
        ("<% $.a +\n $.b %>", [("yaql", " $.a +\n $.b ", "<% $.a +\n $.b %>", False)]),
        # Unclosed openers are text; a later complete expression still counts.
        ("<% oops", []),
        ("50%> and <% 1 %>", [("yaql", " 1 ", "<% 1 %>", False)]),
        ("{{ not closed", []),
        # Unbalanced quote: fall back to the first closer, as Mistral's regex.
        ("<% it's %>", [("yaql", " it's ", "<% it's %>", False)]),
        # A yaql string holding Jinja delimiters is one yaql expression.
        ("<% '{{ x }}' %>", [("yaql", " '{{ x }}' ", "<% '{{ x }}' %>", False)]),
        ("<% 1 %>{{ 2 }}", [("yaql", " 1 ", "<% 1 %>", False), ("jinja", " 2 ", "{{ 2 }}", False)]),
    ],
)
def test_expressions_in(text, expected):
    assert spans(text) == expected


def test_expression_positions_and_dataclass():
    found = expressions_in("ab <% $.x %> cd")
    assert found == [Expression(kind="yaql", source=" $.x ", start=3, end=12)]
    with pytest.raises(AttributeError):
        found[0].kind = "jinja"  # frozen


def test_expressions_in_non_string_is_empty():
    assert expressions_in(42) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<% 1 %>", True),
        ("{{ 1 }}", True),
        ("{% if true %}x{% endif %}", True),
        ("no expression", False),
        ("100% sure {not} {{", False),
        (42, False),
        (None, False),
        (["a", ["b", "<% 1 %>"]], True),
        (["a", ("b",)], False),
        ({"k": {"deep": ["{{ _ }}"]}}, True),
        ({"<% key %>": "value"}, False),  # keys are never evaluated
        ({}, False),
    ],
)
def test_has_expression(value, expected):
    assert has_expression(value) is expected


@pytest.mark.parametrize(
    "text",
    [
        "no expressions",
        "<% $.a %>",
        "<% $.a + 1 %> and <% len($.b) %>",
        "<% tasks(state => ERROR) %>",
        "<% $.items.select($ * 2) %>",
        "<% '%>' %>",
        "<% $.a +\n  $.b %>",
        "{{ _.a }}",
        "{{ _.a | default('x') }} text",
        "{% for x in _.l %}{{ x }}{% endfor %}",
        "{{ task('t1').result }}",
        "{{ {'a': {'b': 1}} }}",
        "{{- _.a -}}",
    ],
)
def test_syntax_error_accepts_valid_expressions(text):
    assert syntax_error(text) is None


@pytest.mark.parametrize(
    ("text", "named", "cause"),
    [
        ("<% $.a + %>", "<% $.a + %>", "unexpected end of statement"),
        ("x <% 1 %> y <% foo bar %>", "<% foo bar %>", "unexpected 'bar'"),
        ("<% %>", "<% %>", "Parse error"),
        ("<% 'abc %>", "<% 'abc %>", "Lexical error"),
        ("{{ x + }}", "{{ x + }}", "end of print statement"),
        ("a {{ ok }} b {{ ) }}", "{{ ) }}", "unexpected ')'"),
        ("{% if x %}never closed", "{% if x %}never closed", "endif"),
        ("{% for %}{% endfor %}", "{% for %}", "Expected an expression"),
    ],
)
def test_syntax_error_names_the_bad_expression(text, named, cause):
    message = syntax_error(text)
    assert message is not None
    assert named in message
    assert cause in message


def test_syntax_error_rejects_mixed_languages():
    message = syntax_error("<% $.a %> and {{ _.b }}")
    assert message is not None
    assert "Mixing expression types in a single line is not allowed" in message


def test_syntax_error_of_non_string_is_none():
    assert syntax_error(None) is None


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("<% $.a %>", " $.a "),
        ("  {{ _.a }}\n", " _.a "),
        ("<% $.a %> <% $.b %>", None),
        ("x <% $.a %>", None),
        ("{% if a %}{% endif %}", None),
        ("{{ a }}{% if b %}{% endif %}", None),
        ("plain", None),
    ],
)
def test_single_expression(text, source):
    found = single_expression(text)
    assert (found.source if found else None) == source


def test_syntax_error_and_has_expression_accept_long_text():
    text = "x" * 10_000 + "<% $.a + %>"
    assert has_expression(text)
    assert "<% $.a + %>" in syntax_error(text)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("<% '" * 200_000, 0),
        ("<% it's %> " * 50_000, 25_000),  # quotes pair across expressions
        ("{{ ( " * 200_000 + "}}", 1),
    ],
)
def test_scanning_hostile_text_stays_linear(text, count):
    # Quadratic scanning of a 1 MB upload would take minutes.
    started = time.perf_counter()
    assert len(expressions_in(text)) == count
    assert time.perf_counter() - started < 2.0
