"""Pausing Python's cyclic garbage collector while a large document is parsed off the event loop.

Parsing a 20,000-task workflow builds about a million short-lived objects. Each
full collection the parse triggers walks all of them while holding the GIL, so
the event loop stalls for up to a second even though the parse runs on a
thread. The parse makes no reference cycles worth collecting early, so the
collector is paused until the last concurrent parse ends (only for large
documents: registry.definitions.parse_off_loop).

What the parse leaves alive (the stored mapping and its spec, hundreds of
thousands of objects kept as long as the definition is cached) would then be
walked by the next collection in one go, a stall of its own; so the objects
alive at that moment are moved to the collector's permanent generation
(`gc.freeze`), where no collection walks them. They are still freed by
reference counting; only a reference cycle among them outlives its use,
which the long-lived rows and specs of this node do not form.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0
_paused_by_us = False


@contextmanager
def paused() -> Iterator[None]:
    global _depth, _paused_by_us
    with _lock:
        if _depth == 0 and gc.isenabled():
            gc.disable()
            _paused_by_us = True
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _paused_by_us:
                _paused_by_us = False
                gc.freeze()
                gc.enable()
