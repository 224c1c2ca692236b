"""lib.core.isolated: a job in a child process that is killed when it runs too long or grows too big."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from lib.core import isolated
from tests.processes import pid_alive


def square(x):
    return x * x


def sleep_for(seconds):
    time.sleep(seconds)
    return "woke"


def grow(step_mb, steps):
    """Touch memory bit by bit: only the parent's watch can stop this."""
    kept = []
    for _ in range(steps):
        kept.append(np.ones(step_mb * 2**20 // 8))
        time.sleep(0.01)
    return len(kept)


def one_huge(mb):
    """One allocation far past the limit: the child's RLIMIT_AS refuses it at once."""
    return float(np.ones(mb * 2**20 // 8).sum())


def fail():
    raise ValueError("no such thing " + "x" * 1000)


def die():
    os._exit(3)


def my_pid():
    return os.getpid()


@pytest.fixture(scope="module")
def worker():
    w = isolated.Worker(timeout=5.0, memory_mb=200)
    yield w
    w.stop()


def test_a_job_runs_in_another_process_and_comes_back_as_plain_data(worker):
    out = worker.run(square, 7)
    assert out.ok and out.value == 49 and out.failure == "" and out.seconds > 0
    pid = worker.run(my_pid).value
    assert pid != os.getpid() and worker.run(my_pid).value == pid  # one warm child, reused


def test_an_exception_comes_back_as_text(worker):
    out = worker.run(fail)
    assert not out.ok and out.failure == "error"
    assert isinstance(out.message, str) and out.message.startswith("ValueError: no such thing")
    assert len(out.message) <= 330
    assert worker.run(square, 3).value == 9  # the child carries on


def test_too_long_is_killed_and_replaced(worker):
    pid = worker.run(my_pid).value
    out = worker.run(sleep_for, 60, timeout=0.5)
    assert not out.ok and out.failure == "timeout"
    assert not pid_alive(pid)  # killed, not left to sleep out its 60 s
    assert worker.run(my_pid).value != pid  # a fresh child took over
    assert worker.run(square, 4).value == 16


def test_growing_memory_is_killed(worker):
    before = isolated.process_memory()[1]
    out = worker.run(grow, 20, 100, memory_mb=150)  # would reach 2 GB
    assert not out.ok and out.failure == "memory"
    assert out.peak_mb - worker.baseline_mb < 150 + 120  # stopped close to the limit
    assert isolated.process_memory()[1] - before < 50  # nothing of it reached this process
    assert worker.run(square, 5).value == 25


def test_one_huge_allocation_fails_at_once(worker):
    out = worker.run(one_huge, 8192)
    assert not out.ok and out.failure == "memory"
    assert worker.run(square, 6).value == 36


def test_a_crash_is_reported_and_the_worker_recovers(worker):
    out = worker.run(die)
    assert not out.ok and out.failure == "crashed" and "3" in out.message
    assert worker.run(square, 2).value == 4


def test_unpicklable_job_is_an_error_not_a_crash(worker):
    out = worker.run(lambda: 1)
    assert not out.ok and out.failure == "error"
    assert worker.run(square, 8).value == 64


def test_memory_reading():
    virtual, resident = isolated.process_memory()
    assert virtual >= resident > 10
    assert isolated.process_memory(2**22 + 12345) == (0.0, 0.0)


def test_start_keeps_a_live_child(worker):
    pid = worker.run(my_pid).value
    worker.start()
    assert worker.run(my_pid).value == pid and worker.pid == pid
    worker.stop()
    assert worker.pid is None and worker.run(square, 9).value == 81  # a stopped worker starts again on demand


def test_a_child_starts_whatever_main_module_the_parent_runs(monkeypatch, tmp_path):
    """Under Streamlit or AppTest ``__main__`` is a script file; the child must not run it."""
    import sys
    import types

    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('the child ran the parent script')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    fresh = isolated.Worker(timeout=5.0, memory_mb=200)
    try:
        assert fresh.run(square, 3).value == 9
    finally:
        fresh.stop()
    assert sys.modules["__main__"] is main
