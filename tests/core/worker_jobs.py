"""Jobs for tests/core/test_workers.py: module-level, so a spawned worker can import them."""

from __future__ import annotations

import os
from pathlib import Path


def echo(arg: int, report) -> dict:
    for i in range(3):
        report("progress", i)
    return {"twice": 2 * arg, "pid": os.getpid()}


def fail(arg: str, report) -> None:
    raise ValueError(f"bad value {arg}")


def crash_once(marker: str, report) -> int:
    """Dies the first time (leaving ``marker``), answers the second: a retry on a fresh worker."""
    path = Path(marker)
    if not path.exists():
        path.write_text("crashed")
        os._exit(3)
    return os.getpid()


def crash(arg: object, report) -> None:
    os._exit(4)


def hog(mb: int, report) -> int:
    block = bytearray(mb * 2**20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    return len(block)


def wait_for(marker: str, report) -> int:
    """Holds its worker until ``marker`` exists (another job queues meanwhile)."""
    import time

    deadline = time.monotonic() + 30
    while not Path(marker).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return os.getpid()


def unpicklable(arg: object, report):
    return lambda: None


def ticks(spec: tuple, report) -> int:
    """A run that cannot finish within any test's wait: ``spec = (name, log path, steps)``, one progress
    event every 20 ms; each step first writes "<pid> <time>" to the log, so a test sees whether the
    worker process still works after a cancel, whatever the page shows."""
    import time

    from lib.core.progress import Progress

    _, log, steps = spec
    for i in range(steps):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()} {time.time()}\n")
        report("progress", Progress(i + 1, steps, "epoch", {"loss": 1.0 / (i + 1)}))
        time.sleep(0.02)
    return steps


def answer(spec: object, report) -> str:
    """A job that answers at once: what a page cache that holds no result for ``spec`` hands back."""
    return "fresh"


# Inline jobs travel through pickle too (``workers.as_a_worker_gets_it``): module-level, with
# what they share with the test in module state.
SEEN: list[int] = []
STOP = __import__("threading").Event()


def count_to_five(stop_after: int | None, report) -> str:
    """Reports 0..4, setting ``STOP`` after ``stop_after``; records what it reached in ``SEEN``."""
    for i in range(5):
        report("progress", i)
        SEEN.append(i)
        if i == stop_after:
            STOP.set()
    return "finished"
