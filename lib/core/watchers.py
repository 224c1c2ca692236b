"""A run's events for every learner waiting on it.

The cache trains one spec once (``st.cache_data`` locks per key): a second learner asking
for a run that another is training waits on that lock, and the run's events (its queue
place, its epochs) went only to the learner whose request started it. Here each waiting
session watches the run by its key and gets every event, including those sent before it
came (its place in the queue, the epochs done so far). No Streamlit here.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MAX_EVENTS = 2000  # replayed to a learner who comes late: a run's epochs, bounded


class _Run:
    def __init__(self) -> None:
        self.watchers: list[queue.Queue] = []
        self.events: list[tuple[str, Any]] = []


_runs: dict[str, _Run] = {}
_lock = threading.Lock()


@contextmanager
def watching(key: str) -> Iterator[queue.Queue]:
    """A queue of (kind, payload) events of the run ``key`` while the block lasts, starting
    with what it already reported. The run is forgotten when its last watcher leaves."""
    events: queue.Queue = queue.Queue()
    with _lock:
        run = _runs.setdefault(key, _Run())
        run.watchers.append(events)
        for event in run.events:
            events.put(event)
    try:
        yield events
    finally:
        with _lock:
            run.watchers.remove(events)
            if not run.watchers and _runs.get(key) is run:
                del _runs[key]


def publish(key: str, kind: str, payload: Any) -> None:
    """Hand one event of the run ``key`` to everyone watching it (nobody: dropped)."""
    with _lock:
        run = _runs.get(key)
        if run is None:
            return
        if kind == "queued":  # only the latest place matters to a learner who comes late
            run.events = [event for event in run.events if event[0] != "queued"]
        if len(run.events) < MAX_EVENTS:
            run.events.append((kind, payload))
        for events in run.watchers:
            events.put((kind, payload))


def watched() -> int:
    """How many runs have watchers now (for tests: nothing is left behind)."""
    with _lock:
        return len(_runs)
