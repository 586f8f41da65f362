"""Expressions evaluated in several threads at once each get their own statement.

yaql parses with one shared lexer per engine; without serialising the parse, two threads read each
other's text and the cache then keeps the wrong statement for good (a workflow output read
`$.endpoint` of another workflow where it said `$.child_tenant`)."""

import sys
import threading

from mistral_lite.expr import evaluate

THREADS = 6
PER_THREAD = 400


def test_parallel_evaluations_each_read_their_own_expression():
    wrong: list[tuple[str, object]] = []
    failures: list[BaseException] = []

    def work(thread: int) -> None:
        try:
            for n in range(PER_THREAD):
                key = f"key_{thread}_{n}"
                got = evaluate(f"<% $.{key} %>", {key: key})
                if got != key:
                    wrong.append((key, got))
        except BaseException as error:  # noqa: BLE001 - any failure in a thread is the finding
            failures.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so a shared parser would be caught mid-parse
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        sys.setswitchinterval(interval)
    assert not any(t.is_alive() for t in threads)
    assert not failures, failures[:3]
    assert not wrong, wrong[:3]
