"""Pausing Python's cyclic garbage collector while a replay builds many states that live long.

A replay holds every case's state while it decodes millions of events. Each full collection walks all of those
states, and the allocations of a replay set one off every few ten thousand events: over the benchmark's log of 1.3
million events, 55 full collections took a quarter of a rebuild's time and 40 % of an as-of recompute's, and freed
20 objects in all (states and events form no reference cycles; reference counting frees them). Paused, the collector
runs again as usual once the last replay in the process ends.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    """How many blocks of this process pause the collector, and whether it ran before the first of them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0
        self.was_enabled = True


_pauses = _Pauses()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic cyclic collection until the block ends (and every other such block of this process with it)."""
    with _pauses.lock:
        if _pauses.count == 0:
            _pauses.was_enabled = gc.isenabled()
            gc.disable()
        _pauses.count += 1
    try:
        yield
    finally:
        with _pauses.lock:
            _pauses.count -= 1
            if _pauses.count == 0 and _pauses.was_enabled:
                gc.enable()
