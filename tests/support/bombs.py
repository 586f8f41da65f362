"""Expressions that once stopped a node: seconds to hours of CPU, gigabytes of memory.

Shared by the unit tests (tests/unit/expr/test_limits.py), the workflow tests
(tests/integration/test_expression_bombs.py) and the measurement script
(benchmarks/expression_bombs.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field


def billion_laughs(levels: int = 9, fan_out: int = 9) -> str:
    """A few hundred bytes of YAML whose aliases expand to fan_out**levels strings."""
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(["lol"] * fan_out) + "]"]
    for previous, name in zip(names, names[1:]):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * fan_out) + "]")
    return "\n".join(lines) + "\n"


DEEP_JSON = "[" * 100_000 + "]" * 100_000


@dataclass(frozen=True)
class Bomb:
    name: str
    expression: str
    data: dict = field(default_factory=dict)
    limit: str = "expression-max-size"  # what the error must name; "a|b": either

    def stopped_by_its_limit(self, message: str) -> bool:
        return any(limit in message for limit in self.limit.split("|"))

    @property
    def language(self) -> str:
        return "YAQL" if self.expression.startswith("<%") else "Jinja"


TIME = "expression-timeout"
# A lazy sequence materialised: cut by the time budget or by the item cap, whichever comes first.
TIME_OR_ITEMS = "expression-timeout|expression-max-size"
DIGITS = "4300 digits"

BOMBS = [
    Bomb("yaql range(1e9)", "<% range(1000000000) %>", limit=TIME_OR_ITEMS),
    Bomb("yaql range(1e9).sum()", "<% range(1000000000).sum() %>", limit=TIME),
    Bomb("yaql pow(10, 1e8)", "<% pow(10, 100000000) %>", limit=DIGITS),
    Bomb("yaql 10 * big", "<% pow(10, 4000) * pow(10, 4000) %>", limit=DIGITS),
    Bomb("yaql shiftBitsLeft(1, 1e10)", "<% shiftBitsLeft(1, 10000000000) %>", limit=DIGITS),
    Bomb("yaql 'x' * 1e9", "<% 'x' * 1000000000 %>"),
    Bomb("yaql [1] * 1e9", "<% [1] * 1000000000 %>"),
    Bomb("yaql 'x'.repeat(1e9)", "<% 'x'.repeat(1000000000) %>", limit=TIME_OR_ITEMS),
    Bomb("yaql yaml_parse billion laughs", "<% yaml_parse($.doc) %>", {"doc": billion_laughs()}),
    Bomb("yaql json_parse 100k deep", "<% json_parse($.doc) %>", {"doc": DEEP_JSON}, limit="200 levels"),
    Bomb("jinja 'x' * 1e9", "{{ 'x' * 1000000000 }}"),
    Bomb("jinja [1] * 1e9", "{{ [1] * 1000000000 }}"),
    Bomb("jinja 10 ** 1e8", "{{ 10 ** 100000000 }}", limit=DIGITS),
    Bomb("jinja printf width", "{{ '%1000000000d' % 1 }}"),
    Bomb("jinja center(1e9)", "{{ 'x' | center(1000000000) }}"),
    Bomb("jinja str.zfill(1e9)", "{{ 'x'.zfill(1000000000) }}"),
    Bomb("jinja str.format width", "{{ '{:1000000000}'.format(1) }}"),
    Bomb("jinja replace growth", "{{ ('x' * 100000) | replace('x', 'y' * 100000) }}"),
    Bomb("yaql replace growth", "<% ('x' * 100000).replace('x', 'y' * 100000) %>"),
    Bomb("jinja ~ doubling", "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
                             "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}"),
    Bomb("jinja + doubling", "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
                             "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s | length }}"),
    Bomb("yaql + doubling", "<% range(40).aggregate($1 + $1, 'x').len() %>"),
    Bomb("jinja nested loops", "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
         limit=TIME),
    Bomb("jinja yaml_parse billion laughs", "{{ yaml_parse(_.doc) }}", {"doc": billion_laughs()}),
    Bomb("jinja json_parse 100k deep", "{{ json_parse(_.doc) }}", {"doc": DEEP_JSON}, limit="200 levels"),
]
