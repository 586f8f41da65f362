"""Stopping an evaluation that runs past its time budget, at no cost while it does not.

The budget is CPU time of the evaluating thread, not wall time: an
expression is stopped for the work it does, not because other processes
took the machine's cores meanwhile (on an idle node the two are the same).
One watchdog thread sleeps until the earliest deadline of the evaluations in
progress; there it reads the thread's CPU clock and, if the evaluation has
not used its budget yet (it was waiting for a core), sleeps for the rest.
When an evaluation is still armed once its budget is used, the watchdog
raises :class:`DeadlineExceeded` in the evaluating thread
(``PyThreadState_SetAsyncExc``): CPython delivers it at the next bytecode
boundary, so pure-Python loops of yaql, Jinja or PyYAML stop within
microseconds. Arming and disarming take one lock each; nothing runs per
bytecode. A single long C call cannot be interrupted (huge ``pow``, string
repetition): :mod:`mistral_lite.expr.limits` refuses those before they start.

The exception can never escape the evaluation it was meant for: the
watchdog fires only under the lock and only for a token still armed, and
disarming, under the same lock, clears an exception not yet delivered.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from mistral_lite.expr import limits

T = TypeVar("T")

# If the evaluation swallows the exception (a bare `except:` in some
# library), fire again after this long rather than let it run on.
_REFIRE_SECONDS = 0.01

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc


class DeadlineExceeded(BaseException):
    """Raised inside an evaluation by the watchdog. A BaseException, so the
    libraries' ``except Exception`` handlers let it through."""


@dataclass
class _Armed:
    thread_id: int
    deadline: float  # wall clock (monotonic): when to look again
    budget: float
    clock: int | None  # the thread's CPU clock, None where the platform has none
    cpu_start: float
    fired: bool = False

    def cpu_left(self) -> float:
        if self.clock is None:
            return 0.0
        return self.budget - (time.clock_gettime(self.clock) - self.cpu_start)


def _thread_clock() -> int | None:
    clock = getattr(_local, "clock", 0)
    if clock == 0:
        getter = getattr(time, "pthread_getcpuclockid", None)
        clock = getter(threading.get_ident()) if getter else None
        _local.clock = clock
    return clock


class _Watchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._armed: dict[int, _Armed] = {}
        self._tokens = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._wake_at: float | None = None  # when the thread wakes next; None: only when notified

    def arm(self, seconds: float) -> int:
        clock = _thread_clock()
        armed = _Armed(threading.get_ident(), time.monotonic() + seconds, seconds, clock,
                       time.clock_gettime(clock) if clock is not None else 0.0)
        deadline = armed.deadline
        with self._cond:
            token = next(self._tokens)
            self._armed[token] = armed
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="expression-deadline", daemon=True)
                self._thread.start()
            elif self._wake_at is None or deadline < self._wake_at:
                self._cond.notify()
        return token

    def disarm(self, token: int) -> bool:
        """End the evaluation ``token``; True if the watchdog fired at it (its exception is no longer pending)."""
        with self._cond:
            armed = self._armed.pop(token, None)
            if armed is None or not armed.fired:
                return False
            _set_async_exc(ctypes.c_ulong(armed.thread_id), None)
            return True

    def _watch(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for armed in self._armed.values():
                    if armed.deadline > now:
                        continue
                    left = 0.0 if armed.fired else armed.cpu_left()
                    if left > 0:
                        armed.deadline = now + left
                        continue
                    _set_async_exc(ctypes.c_ulong(armed.thread_id), ctypes.py_object(DeadlineExceeded))
                    armed.fired = True
                    armed.deadline = now + _REFIRE_SECONDS
                if self._armed:
                    self._wake_at = min(a.deadline for a in self._armed.values())
                    self._cond.wait(self._wake_at - now)
                else:
                    self._wake_at = None
                    self._cond.wait()

    def after_fork(self) -> None:
        # The child has no watchdog thread; the next arm starts one.
        self._cond = threading.Condition(threading.Lock())
        self._armed.clear()
        self._thread = None
        self._wake_at = None


_local = threading.local()
_WATCHDOG = _Watchdog()
os.register_at_fork(after_in_child=_WATCHDOG.after_fork)


def run_with_deadline(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` stopped after the configured time budget with LimitExceeded.

    Nested calls share the budget of the outermost one.
    """
    if getattr(_local, "armed", False):
        return function(*args)
    _local.armed = True
    token = _WATCHDOG.arm(limits.current().timeout)
    fired = False
    try:
        try:
            value = function(*args)
        finally:
            fired = _WATCHDOG.disarm(token)
            _local.armed = False
    except DeadlineExceeded:
        # Delivered, possibly before the `finally` above could disarm.
        _WATCHDOG.disarm(token)
        _local.armed = False
        raise limits.time_exceeded() from None
    except BaseException:
        if fired:  # the library turned our exception into one of its own
            raise limits.time_exceeded() from None
        raise
    if fired:  # fired just as the function returned, or was swallowed
        raise limits.time_exceeded()
    return value
