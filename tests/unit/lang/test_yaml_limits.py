"""YAML the loader refuses with a line instead of crashing: control characters, deep nesting, unstorable values."""

import pytest

from mistral_lite.lang.errors import DslError
from mistral_lite.lang.yaml_source import load


def error_of(text: str, max_depth: int = 100) -> DslError:
    with pytest.raises(DslError) as caught:
        load(text, max_depth)
    return caught.value


@pytest.mark.parametrize("levels", [101, 1000, 200_000])
def test_deep_flow_nesting_stops_at_the_limit_with_its_line(levels):
    e = error_of("a: 1\nb: " + "[" * levels + "]" * levels + "\n")
    assert "nested deeper than 100 levels (option max_nesting_depth)" in e.message and e.line == 2


def test_deep_block_nesting_stops_at_the_limit():
    text = "".join("  " * i + "k:\n" for i in range(1000)) + "  " * 1000 + "v\n"
    e = error_of(text)
    assert "nested deeper than 100 levels" in e.message and e.line == 101  # the 101st mapping


def test_the_limit_is_the_one_given():
    assert load("a: [[[1]]]\n", max_depth=4).data == {"a": [[[1]]]}
    assert "deeper than 3 levels" in error_of("a: [[[1]]]\n", max_depth=3).message


@pytest.mark.parametrize("text, line", [("a: 1\nb\x00: 2\n", 2), ("a: 1\n\nc: \x07\n", 3)])
def test_control_characters_are_refused_with_their_line(text, line):
    e = error_of(text)
    assert "unacceptable character" in e.message and e.line == line


@pytest.mark.parametrize("value, words", [
    ('"\\ud800"', "lone surrogate"), (".nan", "no NaN"), ("-.inf", "no NaN"), ("!!binary aGk=", "type bytes"),
    ("!!set {a}", "type set"), ("9" * 5000, "cannot read the value"), ('"\\U0070DB7A"', "chr()"),
])
def test_values_json_cannot_hold_are_refused_with_key_and_line(value, words):
    e = error_of(f"a: 1\nb:\n  c: {value}\n")
    assert words in e.message and e.line == 3


def test_dates_become_the_text_mistral_stores():
    # Mistral's JSON encoder: a date in ISO form, a time with microseconds and its offset dropped.
    assert load("d: 2024-01-31\nt: 2001-12-14 21:59:43.10 -5\nz: 2024-03-01T08:00:00Z\nbad: 2001-13-45\n").data == {
        "d": "2024-01-31", "t": "2001-12-14T21:59:43.100000", "z": "2024-03-01T08:00:00.000000", "bad": "2001-13-45"}
