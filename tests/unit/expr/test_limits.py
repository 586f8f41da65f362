"""Every evaluation is bounded in time and size; bombs fail with the limit named, quickly."""

import threading
import time

import pytest

from mistral_lite.expr import ExpressionError, LimitExceeded, configure_limits, evaluate
from mistral_lite.expr import deadline, limits
from tests.support.bombs import BOMBS, billion_laughs
from tests.support.isolated import IsolatedEvaluator


@pytest.fixture(scope="module")
def isolated():
    evaluator = IsolatedEvaluator(memory_mb=1024)
    yield evaluator
    evaluator.close()


@pytest.fixture
def budget():
    """Restore the default limits after a test changes them."""
    before = limits.current()
    yield configure_limits
    configure_limits(timeout=before.timeout, max_size=before.max_size)


# --- the bombs, each in a child capped at 1 GB and 30 s ------------------------


@pytest.mark.parametrize("bomb", BOMBS, ids=lambda b: b.name)
def test_bomb_fails_with_its_limit_named(isolated, bomb):
    # The budget the integration test runs bombs with: a time bomb is cut there, well before any cap.
    reply = isolated.evaluate(bomb.expression, bomb.data, timeout=30, expression_timeout=0.1)
    assert reply.get("error") == "ExpressionError", reply
    message = reply["message"]
    assert message.startswith(f"Can not evaluate {bomb.language} expression"), message
    assert bomb.stopped_by_its_limit(message), message
    # Within the budget plus the time to unwind; generous so a loaded machine passes.
    assert reply["seconds"] < 10, reply


def test_time_limit_message_names_the_option_and_the_budget(isolated):
    reply = isolated.evaluate("<% range(1000000000) %>", expression_timeout=0.02)
    assert "exceeded the time limit of 0.02 s of CPU time (option expression-timeout)" in reply["message"]


# --- legitimate expressions still work ----------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("<% pow(2, 100) %>", 2 ** 100),
    ("<% pow(3, 2, 5) %>", 4),
    ("<% pow(2.0, 0.5) %>", 2 ** 0.5),
    ("<% pow(10, -1) %>", 0.1),
    ("<% 6 * 7 %>", 42),
    ("<% 2.5 * 2 %>", 5.0),
    ("<% 'ab' * 3 %>", "ababab"),
    ("<% [1, 2] * 2 %>", [1, 2, 1, 2]),
    ("<% 2 * [1] %>", [1, 1]),
    ("<% shiftBitsLeft(1, 64) %>", 2 ** 64),
    ("<% 'x'.repeat(3) %>", ["x", "x", "x"]),
    ("<% range(1000).len() %>", 1000),
    ("<% yaml_parse($.doc).b %>", [1, 2]),
    ("{{ 'ab' * 3 }}", "ababab"),
    ("{{ 3 * 'ab' }}", "ababab"),
    ("{{ 2 ** 64 }}", 2 ** 64),
    ("{{ 7 % 3 }}", 1),
    ("{{ '%s-%05d' % ('a', 42) }}", "a-00042"),
    ("{{ range(1000) | sum }}", 499500),
    ("{{ json_parse('[[[1]]]') }}", [[[1]]]),
])
def test_ordinary_values_are_untouched(text, expected):
    assert evaluate(text, {"doc": "a: &x [1, 2]\nb: *x\n"}) == expected


def test_a_big_but_legitimate_list_passes():
    xs = list(range(50_000))
    assert evaluate("<% $.xs %>", {"xs": xs}) == xs
    assert evaluate("{{ _.xs | length }}", {"xs": xs}) == 50_000


# --- the size budget is configurable and yaql's own limits follow it ------------


def test_a_smaller_size_budget_applies_to_yaql_and_jinja(budget):
    budget(max_size=1000)
    for text in ("<% 'x' * 2000 %>", "{{ 'x' * 2000 }}", "<% range(500) %>", "<% json_parse($.big) %>"):
        with pytest.raises(ExpressionError, match="option expression-max-size"):
            evaluate(text, {"big": "[" + "1," * 600 + "1]"})
    assert evaluate("<% 'x' * 10 %>", {}) == "x" * 10


def test_yaml_parse_counts_nodes_with_aliases_expanded(budget):
    budget(max_size=8 * 1000)  # 1000 items
    small = billion_laughs(levels=3, fan_out=9)  # 9 + 81 + 729 strings, under 1000 nodes
    assert len(evaluate("<% yaml_parse($.doc).c %>", {"doc": small})) == 9
    with pytest.raises(ExpressionError, match="aliases expanded"):
        evaluate("<% yaml_parse($.doc) %>", {"doc": billion_laughs(levels=4, fan_out=9)})


def test_yaml_that_contains_itself_is_refused():
    with pytest.raises(ExpressionError, match="contains itself"):
        evaluate("<% yaml_parse($.doc) %>", {"doc": "a: &a [1, *a]\n"})


def test_yaml_text_larger_than_the_budget_is_refused(budget):
    budget(max_size=100)
    for text in ("<% yaml_parse($.doc) %>", "{{ yaml_parse(_.doc) }}"):
        with pytest.raises(ExpressionError, match="limit of 100 bytes \\(option expression-max-size\\)"):
            evaluate(text, {"doc": "a: " + "b" * 200})


def test_limit_errors_are_limit_exceeded():
    with pytest.raises(ExpressionError) as caught:
        evaluate("<% pow(10, 100000000) %>", {})
    assert isinstance(caught.value.__cause__, LimitExceeded)
    assert "4300 digits" in str(caught.value)


def test_configure_rejects_non_positive_limits(budget):
    with pytest.raises(ValueError):
        budget(timeout=0)
    with pytest.raises(ValueError):
        budget(max_size=-1)


# --- the watchdog ------------------------------------------------------------------


def test_deadline_never_fires_after_the_evaluation_ended(budget):
    """Many evaluations right at a tiny budget: some are cut, none leaks its exception into later code."""
    budget(timeout=0.002)
    cut = 0
    for n in range(200):
        # From a few microseconds to tens of milliseconds: evaluations end on both sides of the deadline.
        loops = "{% for a in range(" + str(1 + 3 * n) + ") %}{% for b in range(100) %}{% endfor %}{% endfor %}"
        try:
            evaluate(loops, {})
        except ExpressionError as e:
            assert "time limit" in str(e)
            cut += 1
        # Plain Python after the evaluation: a stray DeadlineExceeded would land here.
        total = 0
        for i in range(20_000):
            total += i
    assert cut > 0


def test_nested_calls_share_one_budget(budget):
    budget(timeout=0.05)
    assert deadline.run_with_deadline(lambda: deadline.run_with_deadline(lambda: 7)) == 7


def test_a_long_evaluation_in_another_thread_is_cut_too(budget):
    budget(timeout=0.05)
    outcome = {}

    def work():
        try:
            evaluate("<% range(1000000000) %>", {})
        except ExpressionError as e:
            outcome["error"] = str(e)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert "time limit" in outcome.get("error", ""), outcome


def test_waiting_for_a_core_is_not_charged(budget):
    """The budget is CPU time: an evaluation that sleeps (stands in for waiting on a busy machine) is not cut."""
    budget(timeout=0.05)
    assert deadline.run_with_deadline(lambda: time.sleep(0.2) or "done") == "done"


def test_a_full_garbage_collection_is_not_charged(budget):
    """A full collection walks the whole heap (long in a busy node); the expression that happened
    to trigger it must not fail for it, nor get the exception inside some finaliser."""
    import gc

    budget(timeout=0.005)
    heap = [[{} for _ in range(10)] for _ in range(100_000)]
    started = time.thread_time()
    assert deadline.run_with_deadline(lambda: (gc.collect(), "done")[1]) == "done"
    assert time.thread_time() - started > 0.005 or len(heap) == 0  # the collection outlasted the budget
    del heap


def test_an_inline_budget_moves_a_long_evaluation_instead_of_failing_it(budget):
    from mistral_lite.expr.deadline import OffLoop, inline_budget

    budget(timeout=30)
    slow = "{% for a in range(3000) %}{% for b in range(100) %}{% endfor %}{% endfor %}"
    with inline_budget(0.005):
        assert evaluate("<% 1 + 1 %>", {}) == 2  # quick ones stay where they are
        with pytest.raises(OffLoop):
            evaluate(slow, {})
    assert evaluate(slow, {}) == ""  # given the full budget, the same evaluation completes
    with inline_budget(60):  # an inline budget longer than the budget changes nothing
        with pytest.raises(ExpressionError, match="time limit"):
            budget(timeout=0.005)
            evaluate(slow, {})
