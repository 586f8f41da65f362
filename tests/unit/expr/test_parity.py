"""The same question asked in YAQL and in Jinja gets the same answer.

Also covers the yaql standard library and Jinja filters workflows rely on.
"""

import pytest

from mistral_lite.expr import evaluate
from tests.unit.expr.sample import data, view

# (yaql, jinja, expected)
PAIRS = [
    ("<% $.n + 1 %>", "{{ _.n + 1 }}", 4),
    ("<% $.n * 2 - 1 %>", "{{ _.n * 2 - 1 }}", 5),
    ("<% 7 mod 3 %>", "{{ 7 % 3 }}", 1),
    ("<% $.name.toUpper() %>", "{{ _.name | upper }}", "WORLD"),
    ("<% 'ABC'.toLower() %>", "{{ 'ABC' | lower }}", "abc"),
    ("<% '  x '.trim() %>", "{{ '  x ' | trim }}", "x"),
    ("<% $.name.replace('o', '0') %>", "{{ _.name | replace('o', '0') }}", "w0rld"),
    ("<% $.name.startsWith(wor) %>", "{{ _.name.startswith('wor') }}", True),
    ("<% $.name.endsWith(ld) %>", "{{ _.name.endswith('ld') }}", True),
    ("<% $.text.split(',') %>", "{{ _.text.split(',') }}", ["a", "b", "c"]),
    ("<% $.words.join('-') %>", "{{ _.words | join('-') }}", "b-a-b"),
    ("<% str($.n) %>", "{{ _.n | string }}", "3"),
    ("<% int('42') %>", "{{ '42' | int }}", 42),
    ("<% float('1.5') %>", "{{ '1.5' | float }}", 1.5),
    ("<% len($.numbers) %>", "{{ _.numbers | length }}", 3),
    ("<% $.numbers.len() %>", "{{ _.numbers | count }}", 3),
    ("<% $.numbers.sum() %>", "{{ _.numbers | sum }}", 6),
    ("<% $.numbers.max() %>", "{{ _.numbers | max }}", 3),
    ("<% $.numbers.min() %>", "{{ _.numbers | min }}", 1),
    ("<% $.numbers.first() %>", "{{ _.numbers | first }}", 1),
    ("<% $.numbers.last() %>", "{{ _.numbers | last }}", 3),
    ("<% $.numbers + [4] %>", "{{ _.numbers + [4] }}", [1, 2, 3, 4]),
    ("<% 2 in $.numbers %>", "{{ 2 in _.numbers }}", True),
    ("<% $.words.distinct() %>", "{{ _.words | unique | list }}", ["b", "a"]),
    ("<% $.words.orderBy($) %>", "{{ _.words | sort }}", ["a", "b", "b"]),
    ("<% range(3) %>", "{{ range(3) | list }}", [0, 1, 2]),
    ("<% $.servers.id %>", "{{ _.servers | map(attribute='id') | list }}", ["s1", "s2"]),
    ("<% $.servers.where($.ok).id %>",
     "{{ _.servers | selectattr('ok') | map(attribute='id') | list }}", ["s1"]),
    ("<% $.servers.where(not $.ok).first().id %>",
     "{{ (_.servers | rejectattr('ok') | first).id }}", "s2"),
    ("<% $.m.nested.deep %>", "{{ _.m.nested.deep }}", 1),
    ("<% $.m.keys() %>", "{{ _.m.keys() | list }}", ["k", "nested"]),
    ("<% $.m.containsKey(k) %>", "{{ 'k' in _.m }}", True),
    ("<% $.get(missing, 'd') %>", "{{ _.get('missing', 'd') }}", "d"),
    ("<% $.nothing = null %>", "{{ _.nothing is none }}", True),
    ("<% $.n > 2 and $.flag %>", "{{ _.n > 2 and _.flag }}", True),
    ("<% not $.flag or $.n = 3 %>", "{{ not _.flag or _.n == 3 }}", True),
    ("<% dict(a => $.n) %>", "{{ {'a': _.n} }}", {"a": 3}),
    ("<% $.m + {z => 1} %>", "{{ dict(_.m, z=1) }}", {"k": "v", "nested": {"deep": 1}, "z": 1}),
    ("<% coalesce($.nothing, $.n) %>", "{{ _.nothing if _.nothing is not none else _.n }}", 3),
    ("<% switch($.n > 2 => big, true => small) %>", "{{ 'big' if _.n > 2 else 'small' }}", "big"),
    # Text results: str() of each value, identical in both languages.
    ("n=<% $.n %> m=<% $.m %>", "n={{ _.n }} m={{ _.m }}", "n=3 m={'k': 'v', 'nested': {'deep': 1}}"),
    ("<% $.flag %>/<% $.nothing %>", "{{ _.flag }}/{{ _.nothing }}", "True/None"),
    ("list=<% $.words %>", "list={{ _.words }}", "list=['b', 'a', 'b']"),
    ("t=<% task(t1).result.out %>", "t={{ task('t1').result.out }}", "t=2"),
]

@pytest.mark.parametrize(("yaql", "jinja", "expected"), PAIRS)
def test_yaql_and_jinja_agree(yaql, jinja, expected):
    from_yaql = evaluate(yaql, data(), view())
    from_jinja = evaluate(jinja, data(), view())
    assert from_yaql == from_jinja == expected
    assert type(from_yaql) is type(from_jinja)


@pytest.mark.parametrize(
    ("yaql", "expected"),
    [
        ("$.numbers.select($ * 10)", [10, 20, 30]),
        ("$.numbers.where($ > 1)", [2, 3]),
        ("$.numbers.any($ > 2)", True),
        ("$.numbers.all($ > 0)", True),
        ("$.numbers.count()", 3),
        ("$.numbers.contains(2)", True),
        ("[[1, 2], [3]].flatten()", [1, 2, 3]),
        ("$.numbers.zip($.words)", [[1, "b"], [2, "a"], [3, "b"]]),
        ("$.words.indexOf(a)", 1),
        ("' '.isEmpty()", True),
        ("$.name.matches('^w.*d$')", True),
        ("regex('(\\\\w)o').search($.name)", "wo"),
        ("$.m.values()", ["v", {"deep": 1}]),
        ("$.m.items()", [["k", "v"], ["nested", {"deep": 1}]]),
        ("$.m.set(k, w)", {"k": "w", "nested": {"deep": 1}}),
        ("$.m.delete(k)", {"nested": {"deep": 1}}),
        ("list(1, 2)", [1, 2]),
        ("bool(1)", True),
        ("[1].concat([2])", [1, 2]),
        ("let(x => $.n) -> $x * 2", 6),
        ("$.servers.orderBy($.id).select($.id)", ["s1", "s2"]),
        ("$.servers.where($.ok).len()", 1),
        ("7 / 2", 3),
        ("$.n != 2", True),
        ("$.n < 4 and $.n >= 3", True),
        ("$__env", {"region": "x"}),
    ],
)
def test_yaql_standard_library(yaql, expected):
    source = data() | {"__env": {"region": "x"}}
    assert evaluate(f"<% {yaql} %>", source) == expected


@pytest.mark.parametrize(
    ("jinja", "expected"),
    [
        ("{{ _.servers | selectattr('ok', 'false') | list | length }}", 1),
        ("{{ _.servers | tojson }}", '[{"id": "s1", "ok": true}, {"id": "s2", "ok": false}]'),
        ("{{ _.missing | default('d') }}", "d"),
        ("{{ _.nothing | default('d', true) }}", "d"),
        ("{{ _.m | dictsort | first | first }}", "k"),
        ("{{ _.words | reverse | list }}", ["b", "a", "b"]),
        ("{{ _.name | capitalize }}", "World"),
        ("{{ _.name | title }}", "World"),
        ("{{ _.name | truncate(4, true, '', 0) }}", "worl"),
        ("{{ '%s-%d' | format('a', 1) }}", "a-1"),
        ("{{ _.numbers | batch(2) | list }}", [[1, 2], [3]]),
        ("{{ _.servers | groupby('ok') | map(attribute='grouper') | list }}", [False, True]),
        ("{{ _.name is string }}", True),
        ("{{ _.n is number }}", True),
        ("{{ _.m is mapping }}", True),
        ("{{ _.name[1:3] }}", "or"),
        ("{{ __env.region }}", "x"),
    ],
)
def test_jinja_standard_filters(jinja, expected):
    source = data() | {"__env": {"region": "x"}}
    assert evaluate(jinja, source) == expected
