"""size_over: the JSON size of a value as the store would write it, found without writing it."""

from __future__ import annotations

import json

import pytest

from mistral_lite.json_size import describe, size_over


def stored(value) -> int:
    return len(json.dumps(value, separators=(",", ":")))


@pytest.mark.parametrize("value", [
    None, True, False, 0, -17, 2.5, "", "plain", "quote \" and é and \n", [], {}, [[[]]],
    {"a": [1, 2.5, None, True, "x" * 50], "b": {"c": {}}, 7: "int key"},
    list(range(100)), 10**500, -(10**4000),
])
def test_fits_exactly_at_the_stored_size_and_not_one_byte_less(value):
    size = stored(value)
    assert size_over(value, size) is None
    over = size_over(value, size - 1)
    assert over is not None and over >= size


def test_a_huge_string_is_judged_by_its_length_without_encoding_it():
    text = "x" * 50_000_000
    assert size_over({"result": text}, 1024) >= 50_000_000


def test_deep_nesting_does_not_hit_the_recursion_limit():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert size_over(deep, 10**9) is None
    assert size_over(deep, 1000) is not None


def test_describe_uses_the_biggest_unit_that_fits():
    assert describe(1048577) == "1.0 MiB (1048577 bytes)"
    assert describe(512) == "512 bytes"
