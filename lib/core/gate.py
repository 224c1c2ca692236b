"""A process-wide gate on concurrent training jobs, first come first served.

One server trains for every learner; without a bound, ten slider moves at once
would make every run ten times slower. Waiting jobs learn their place in line.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def default_capacity(gpu_count: int, env: dict[str, str] | None = None) -> int:
    """``COURSE_MAX_JOBS`` if set to a positive integer, else 1 per GPU or 2 on CPU."""
    env = os.environ if env is None else env
    try:
        value = int(env.get("COURSE_MAX_JOBS", ""))
        if value > 0:
            return value
    except ValueError:
        pass
    return gpu_count if gpu_count > 0 else 2


class Gate:
    """At most ``capacity`` holders at once; the rest wait in arrival order."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(1, int(capacity))
        self._cond = threading.Condition()
        self._tickets = itertools.count()
        self._waiting: list[int] = []
        self._running = 0
        self.admitted = 0  # jobs that got a slot so far (tests check runs went through the gate)

    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)

    def running(self) -> int:
        with self._cond:
            return self._running

    @contextmanager
    def slot(self, on_wait: Callable[[int], None] | None = None, poll: float = 0.2) -> Iterator[None]:
        """Hold a slot for the ``with`` body; ``on_wait(place)`` reports the 1-based place in line."""
        with self._cond:
            ticket = next(self._tickets)
            self._waiting.append(ticket)
            last_place = None
            while not (self._running < self.capacity and self._waiting[0] == ticket):
                place = self._waiting.index(ticket) + 1
                if on_wait is not None and place != last_place:
                    on_wait(place)
                    last_place = place
                self._cond.wait(timeout=poll)
            self._waiting.pop(0)
            self._running += 1
            self.admitted += 1
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify_all()
