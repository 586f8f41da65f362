"""What may be stored as JSON text: the checks both edges share."""

import math

from mistral_lite.storable import control_character, first_problem


def deep(levels: int) -> object:
    value: object = "leaf"
    for _ in range(levels):
        value = {"k": [value]}
    return value


def test_plain_json_has_no_problem():
    assert first_problem({"a": [1, 2.5, "x", None, True, {"b": "é"}]}) is None


def test_a_document_far_deeper_than_the_stack_is_refused_without_recursing():
    problem = first_problem(deep(50_000), max_depth=100)
    assert problem is not None and "nested deeper than 100 levels" in problem.message
    assert len(problem.path) == 100


def test_the_problem_names_its_path_in_document_order():
    problem = first_problem({"a": "ok", "b": [1, {"c": "\ud800"}], "d": math.nan})
    assert problem.path == ("b", 1, "c") and "lone surrogate (\\ud800)" in problem.message
    assert first_problem({"n": math.inf}).path == ("n",)
    assert first_problem({"\udc00": 1}).path == ("\udc00",)
    assert "type bytes" in first_problem([b"x"]).message


def test_start_depth_counts_the_containers_above():
    assert first_problem([[1]], max_depth=3, start_depth=1) is None
    assert first_problem([[1]], max_depth=2, start_depth=1) is not None


def test_control_character():
    assert control_character("a\x00b") == "\\u0000"
    assert control_character("tab\there") == "\\u0009"
    assert control_character("plain é") is None
