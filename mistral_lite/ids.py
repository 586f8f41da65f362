"""Ids: random version-4 UUIDs, drawn without a system call each.

uuid.uuid4() reads os.urandom for every id; an engine step needs several.
A generator seeded once from the OS gives ids just as unique in practice.
"""

from __future__ import annotations

import os
import random
import threading
import uuid

_random = random.Random(os.urandom(32))
_lock = threading.Lock()
_VERSION_4 = (0x4 << 76) | (0x2 << 62)
_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)


def new_id() -> str:
    """A random UUID (version 4, RFC 4122 variant) as text."""
    with _lock:
        bits = _random.getrandbits(128)
    return str(uuid.UUID(int=(bits & _MASK) | _VERSION_4))


def reseed_after_fork() -> None:
    _random.seed(os.urandom(32))


os.register_at_fork(after_in_child=reseed_after_fork)
