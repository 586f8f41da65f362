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
import gc
import itertools
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from mistral_lite.expr import limits

T = TypeVar("T")

# If the evaluation swallows the exception (a bare `except:` in some
# library), fire again after this long rather than let it run on.
_REFIRE_SECONDS = 0.01

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc


class OffLoop(BaseException):
    """An evaluation went past the short budget of :func:`inline_budget`: the caller should run its
    work again where it may take the full budget (a BaseException, so no handler of errors takes it)."""


@contextmanager
def inline_budget(seconds: float) -> Iterator[None]:
    """Evaluations in this thread stop at `seconds` of CPU (if shorter than the budget) with OffLoop.

    The shell runs engine steps on the event loop this way: nearly every step is quick and stays
    there; one whose evaluation would hold the loop is abandoned (steps are pure) and run elsewhere."""
    previous = getattr(_local, "inline", None)
    _local.inline = seconds
    try:
        yield
    finally:
        _local.inline = previous


class DeadlineExceeded(BaseException):
    """Raised inside an evaluation by the watchdog. A BaseException, so the
    libraries' ``except Exception`` handlers let it through."""


class _Armed:
    __slots__ = ("token", "thread_id", "deadline", "budget", "clock", "cpu_start", "fired", "collecting_since")

    def __init__(self, thread_id: int, budget: float, clock: int | None) -> None:
        self.token = 0
        self.thread_id = thread_id
        self.deadline = time.monotonic() + budget  # wall clock: when the watchdog looks next
        self.budget = budget
        self.clock = clock  # the thread's CPU clock; None where the platform has none
        self.cpu_start = time.clock_gettime(clock) if clock is not None else 0.0
        self.fired = False
        self.collecting_since = 0.0  # CPU clock when a full garbage collection began, 0 outside one

    def cpu_left(self) -> float:
        if self.clock is None:
            return 0.0
        return self.budget - (time.clock_gettime(self.clock) - self.cpu_start)


_UNKNOWN = object()


def _thread_clock() -> int | None:
    clock = getattr(_local, "clock", _UNKNOWN)
    if clock is _UNKNOWN:
        getter = getattr(time, "pthread_getcpuclockid", None)
        clock = getter(threading.get_ident()) if getter else None
        _local.clock = clock
    return clock


class _Watchdog:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards everything below, and every firing
        self._wakeup = threading.Lock()  # held while the thread sleeps; released to wake it early
        self._wakeup.acquire()
        self._armed: dict[int, _Armed] = {}
        self._tokens = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._next_look = math.inf  # when the sleeping thread looks again (inf: only when woken)
        self._woken = False  # _wakeup was released and the thread has not looked since

    def arm(self, seconds: float) -> _Armed:
        armed = _Armed(threading.get_ident(), seconds, _thread_clock())
        with self._lock:
            armed.token = token = next(self._tokens)
            self._armed[token] = armed
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="expression-deadline", daemon=True)
                self._thread.start()
            elif armed.deadline < self._next_look and not self._woken:
                # Sleeping past this deadline (idle, or the budget just became shorter): wake it.
                self._woken = True
                self._wakeup.release()
        return armed

    def disarm(self, token: int) -> bool:
        """End the evaluation ``token``; True if the watchdog fired at it (its exception is no longer pending)."""
        with self._lock:
            armed = self._armed.pop(token, None)
            if armed is None or not armed.fired:
                return False
            _set_async_exc(ctypes.c_ulong(armed.thread_id), None)
            return True

    def _watch(self) -> None:
        while True:
            with self._lock:
                self._woken = False
                timeout = self._fire_due()
                self._next_look = math.inf if timeout < 0 else time.monotonic() + timeout
            self._wakeup.acquire(timeout=timeout)

    def _fire_due(self) -> float:
        """Fire at evaluations past their budget; seconds until the next look (-1: none armed)."""
        now = time.monotonic()
        for armed in self._armed.values():
            if armed.deadline > now:
                continue
            if armed.collecting_since:
                # Never inside a collection: there the exception would land in some
                # object's finaliser and be lost; the collection's time is not charged anyway.
                armed.deadline = now + _REFIRE_SECONDS
                continue
            left = 0.0 if armed.fired else armed.cpu_left()
            if left > 0:  # it waited for a core; look again when it could have used its budget
                armed.deadline = now + left
                continue
            _set_async_exc(ctypes.c_ulong(armed.thread_id), ctypes.py_object(DeadlineExceeded))
            armed.fired = True
            armed.deadline = now + _REFIRE_SECONDS
        if not self._armed:
            return -1
        return max(0.0, min(a.deadline for a in self._armed.values()) - now)

    def after_fork(self) -> None:
        # The child has no watchdog thread; the next arm starts one.
        self.__init__()


_local = threading.local()
_WATCHDOG = _Watchdog()
os.register_at_fork(after_in_child=_WATCHDOG.after_fork)


def _collecting(phase: str, info: dict[str, Any]) -> None:
    """A full garbage collection walks the whole heap: its cost belongs to the node, not to
    the expression that happened to allocate last, so it extends the budget."""
    if info.get("generation") != 2:
        return
    armed = getattr(_local, "armed", None)
    if armed is None or armed.clock is None:
        return
    now = time.clock_gettime(armed.clock)
    if phase == "start":
        armed.collecting_since = now
    elif armed.collecting_since:
        armed.budget += now - armed.collecting_since
        armed.collecting_since = 0.0


gc.callbacks.append(_collecting)


def run_with_deadline(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` stopped after the configured time budget with LimitExceeded.

    Nested calls share the budget of the outermost one.
    """
    if getattr(_local, "armed", None) is not None:
        return function(*args)
    budget, inline = limits.current().timeout, getattr(_local, "inline", None)
    moving = inline is not None and inline < budget
    exceeded = OffLoop if moving else limits.time_exceeded
    armed = _WATCHDOG.arm(inline if moving else budget)
    _local.armed = armed
    fired = False
    try:
        try:
            value = function(*args)
        finally:
            fired = _WATCHDOG.disarm(armed.token)
            _local.armed = None
    except DeadlineExceeded:
        # Delivered, possibly before the `finally` above could disarm.
        _WATCHDOG.disarm(armed.token)
        _local.armed = None
        raise exceeded() from None
    except BaseException:
        if fired:  # the library turned our exception into one of its own
            raise exceeded() from None
        raise
    if fired:  # fired just as the function returned, or was swallowed
        raise exceeded()
    return value
