"""Random expressions built from the pieces bombs are made of: each evaluation either returns a
JSON-compatible value or raises ExpressionError, and never outlives its budget by much."""

import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mistral_lite.expr import ExpressionError, evaluate

NUMBERS = st.sampled_from(["0", "1", "2", "7", "100", "4299", "100000", "1000000000", "-3"])
STRINGS = st.sampled_from(["'x'", "'ab'", "''", "'%s'", "'{:99999}'", "'%0999999d'"])

YAQL_TERMS = st.recursive(
    st.one_of(NUMBERS, STRINGS, st.just("[1, 2]"), st.just("$.doc")),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["*", "+", "-"]), inner).map(" ".join),
        st.tuples(st.sampled_from(["pow", "range", "shiftBitsLeft"]), inner, inner).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(inner, st.sampled_from([".repeat", ".replace('x', 'xxxx', ", ".take", ".len"]), inner).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})" if not t[1].endswith(", ") else f"({t[0]}){t[1]}{t[2]})"),
        inner.map(lambda t: f"yaml_parse({t})"),
        inner.map(lambda t: f"json_parse({t})"),
    ),
    max_leaves=6,
)

JINJA_TERMS = st.recursive(
    st.one_of(NUMBERS, STRINGS, st.just("[1, 2]"), st.just("_.doc")),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["*", "**", "%", "+", "~"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, st.sampled_from(["center", "indent", "replace('x', 'xxxx')", "list", "length"])).map(
            lambda t: f"({t[0]} | {t[1]})"),
        inner.map(lambda t: f"range({t}) | list"),
        inner.map(lambda t: f"yaml_parse({t})"),
    ),
    max_leaves=6,
)

EXPRESSIONS = st.one_of(
    YAQL_TERMS.map(lambda t: f"<% {t} %>"),
    JINJA_TERMS.map(lambda t: "{{ " + t + " }}"),
    st.tuples(NUMBERS, NUMBERS).map(
        lambda t: "{% for a in range(" + t[0] + ") %}{% for b in range(" + t[1] + ") %}.{% endfor %}{% endfor %}"),
)

DOCS = st.sampled_from(["a: 1", "[" * 300 + "]" * 300, "a: &a [x, x]\nb: [*a, *a]", "x"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression=EXPRESSIONS, doc=DOCS)
def test_random_expressions_return_or_fail_cleanly(expression, doc):
    start = time.process_time()
    try:
        value = evaluate(expression, {"doc": doc})
    except ExpressionError:
        pass
    else:
        json.dumps(value)  # storable as it is
    # The default budget is 0.05 s of CPU; conversions after it are bounded by the size budget.
    assert time.process_time() - start < 5, expression
