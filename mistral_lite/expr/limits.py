"""The budget of one expression evaluation: how long it may run, how large a value it may build.

Expressions are evaluated inside an engine step, on the node's event loop, so
an expression that runs for seconds or builds gigabytes stops the whole node.
Every YAQL and Jinja evaluation is therefore bounded:

* time: ``timeout`` seconds of CPU time (option ``expression-timeout``),
  enforced by :mod:`mistral_lite.expr.deadline`;
* size: ``max_size`` bytes (option ``expression-max-size``) for any one
  string, list, map or parsed document an expression builds, counted the way
  Python counts memory (a list costs 8 bytes per item, a string one byte per
  character). Operations that would build a larger value in one C call
  (``'x' * n``, ``[1] * n``, ``pow``, shifts) are checked *before* they run,
  because no deadline can interrupt a single C call;
* integers: at most :data:`MAX_INT_DIGITS` decimal digits, the most Python
  itself will write as text (so the number could never be stored anyway);
  big multiplications and powers are refused before they are computed.

The node sets the budget once at start with :func:`configure_limits`; the
engine stays pure and never reads configuration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mistral_lite.expr.errors import ExpressionError

DEFAULT_TIMEOUT = 2.0
DEFAULT_MAX_SIZE = 16 * 1024 * 1024

# CPython's own bound for int <-> str conversion (sys.get_int_max_str_digits).
MAX_INT_DIGITS = 4300
MAX_INT_BITS = int(MAX_INT_DIGITS * math.log2(10)) - 1  # 2**MAX_INT_BITS has at most MAX_INT_DIGITS digits

# A list or tuple costs at least one pointer per item.
POINTER_BYTES = 8


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    max_size: int = DEFAULT_MAX_SIZE

    @property
    def max_items(self) -> int:
        """The longest collection that fits the size budget."""
        return max(1, self.max_size // POINTER_BYTES)


class LimitExceeded(ExpressionError):
    """An evaluation was stopped at one of its limits; the message names the limit and its option."""


_limits = Limits()


def configure_limits(timeout: float | None = None, max_size: int | None = None) -> Limits:
    """Set the budget of every later evaluation (None keeps a value as it is)."""
    global _limits
    new = Limits(
        timeout=_limits.timeout if timeout is None else float(timeout),
        max_size=_limits.max_size if max_size is None else int(max_size),
    )
    if new.timeout <= 0 or new.max_size <= 0:
        raise ValueError(f"expression limits must be positive, got {new}")
    _limits = new
    return new


def current() -> Limits:
    return _limits


def time_exceeded() -> LimitExceeded:
    return LimitExceeded(
        f"Expression exceeded the time limit of {_limits.timeout:g} s of CPU time (option expression-timeout)"
    )


def size_exceeded() -> LimitExceeded:
    return LimitExceeded(
        f"A value exceeded the limit of {_limits.max_size:,} bytes (option expression-max-size)"
    )


def items_exceeded() -> LimitExceeded:
    return LimitExceeded(
        f"A collection exceeded {_limits.max_items:,} items, the most that fit in the limit of "
        f"{_limits.max_size:,} bytes (option expression-max-size)"
    )


def check_size(what: str, size: int) -> None:
    """Refuse to build ``what`` when it would take ``size`` bytes, more than the size budget."""
    if size > _limits.max_size:
        raise LimitExceeded(
            f"{what} would take {size:,} bytes, more than the limit of {_limits.max_size:,} bytes "
            "(option expression-max-size)"
        )


def check_items(what: str, count: int) -> None:
    """Refuse a collection of ``count`` items, more than fit in the size budget."""
    if count > _limits.max_items:
        raise LimitExceeded(
            f"{what} has more than {_limits.max_items:,} items, the most that fit in the limit of "
            f"{_limits.max_size:,} bytes (option expression-max-size)"
        )


def check_int_bits(what: str, bits: float) -> None:
    if bits > MAX_INT_BITS:
        raise LimitExceeded(
            f"{what} would have more than {MAX_INT_DIGITS} digits, the largest integer an expression may build"
        )


def repeated_size(sequence: object, times: int) -> int | None:
    """Bytes ``sequence * times`` would take, or None when it is not a sequence repetition."""
    if isinstance(sequence, str):
        # Python stores up to 4 bytes per character; the widest one decides.
        width = 1 if sequence.isascii() else 4
        return len(sequence) * max(times, 0) * width
    if isinstance(sequence, (bytes, bytearray)):
        return len(sequence) * max(times, 0)
    if isinstance(sequence, (list, tuple)):
        return len(sequence) * max(times, 0) * POINTER_BYTES
    return None


def safe_multiply(left: object, right: object) -> object:
    """``left * right`` after checking the result fits (repetitions and big integers)."""
    for sequence, times in ((left, right), (right, left)):
        if isinstance(times, int) and not isinstance(times, bool):
            size = repeated_size(sequence, times)
            if size is not None:
                check_size("The repeated value", size)
    if _is_int(left) and _is_int(right):
        check_int_bits("The product", left.bit_length() + right.bit_length())
    return left * right


def safe_power(base: object, exponent: object, modulo: object = None) -> object:
    """``pow(base, exponent, modulo)`` after checking an integer result fits."""
    if modulo is None and _is_int(base) and _is_int(exponent) and exponent > 0 and abs(base) > 1:
        check_int_bits("The power", exponent * math.log2(abs(base)))
    return pow(base, exponent, modulo)


def safe_shift_left(value: int, bits: int) -> int:
    if value and bits > 0:
        check_int_bits("The shifted value", value.bit_length() + bits)
    return value << bits


def check_replace(string: str, old: str, new: str, count: object = -1) -> None:
    """Refuse ``string.replace(old, new, count)`` when its result would not fit (each replacement may grow it)."""
    if len(new) > len(old):
        found = len(string) + 1 if old == "" else string.count(old)
        if isinstance(count, int) and count >= 0:
            found = min(found, count)
        width = 1 if string.isascii() and new.isascii() else 4
        check_size("The replaced string", (len(string) + found * (len(new) - len(old))) * width)


def safe_replace(string: str, old: str, new: str, count: int = -1) -> str:
    check_replace(string, old, new, count)
    return string.replace(old, new, count)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
