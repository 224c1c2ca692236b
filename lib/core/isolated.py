"""Run a picklable function in a separate process that can be killed: a hard time and memory limit.

What a learner sends (an uploaded model) can make a library run for minutes or allocate
gigabytes before it fails. :class:`Worker` keeps one warm child process (``spawn``, so no
thread state is copied from the server) that runs jobs one at a time:

- **time**: the parent waits at most ``timeout`` seconds for the answer, then kills the child;
- **memory**: the child caps its own address space (``RLIMIT_AS``) once it is warm, so a
  single huge allocation fails at once, and the parent watches the child's resident memory
  and kills it when it grows more than ``memory_mb`` above what it held when it was ready;
- a killed or crashed child is replaced by a fresh one, started at once and warmed in the
  background, so the next job finds it ready.

A job's answer is an :class:`Outcome` of plain data: the function's return value, or a
failure kind and a short message (never an exception object, whose traceback could pin
the memory the job used). Jobs wait for each other (one child, one job at a time).
No Streamlit and no lesson here.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 2**20
POLL_SECONDS = 0.02
FAILURES = ("timeout", "memory", "crashed", "error", "raised", "stopped")


@dataclass(frozen=True)
class Outcome:
    """What a job came back with: ``value`` when ``ok``, else ``failure`` (one of FAILURES) and ``message``."""

    ok: bool
    value: Any = None
    failure: str = ""
    message: str = ""
    seconds: float = 0.0
    peak_mb: float = 0.0  # the child's largest resident size seen while the job ran (0: not measured)


def process_memory(pid: int | str = "self") -> tuple[float, float]:
    """(virtual, resident) size of a process in MB, from ``/proc/<pid>/statm``; (0, 0) if it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            size, resident = fh.read().split()[:2]
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(size) * PAGE / MB, int(resident) * PAGE / MB


def _short(text: object, limit: int = 300) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _answer_error(exc: BaseException, as_object: bool) -> tuple:
    if isinstance(exc, MemoryError):
        return ("memory", _short(exc) or "MemoryError")
    text = f"{type(exc).__name__}: {_short(exc)}"
    return ("raised", (exc.with_traceback(None), text)) if as_object else ("error", text)


def _serve(conn: Any, prepare: Callable[[], None] | None, address_mb: int) -> None:  # the child's main loop
    if prepare is not None:
        prepare()
    gc.collect()
    virtual, resident = process_memory()
    if address_mb > 0:  # one huge allocation fails here at once, before the parent's watch could see it
        limit = int((virtual + address_mb) * MB)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send(("ready", resident))

    def report(kind: str, payload: Any) -> None:  # streamed to the parent while the job runs
        conn.send(("event", (kind, payload)))

    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the server went away
            return
        if job is None:
            return
        fn, args, kwargs, streaming = job
        try:
            answer: tuple = ("ok", fn(*args, report, **kwargs) if streaming else fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - text, or for streaming jobs the exception without its frames
            answer = _answer_error(exc, streaming)
        del job, fn, args, kwargs
        try:
            conn.send(answer)
        except MemoryError:
            conn.send(("memory", "the answer did not fit in memory"))
        except Exception as exc:  # an answer that cannot be pickled
            conn.send(("error", f"{type(exc).__name__}: {_short(exc)}"))
        del answer
        gc.collect()


_MAIN_LOCK = threading.Lock()


@contextmanager
def _plain_main() -> Iterator[None]:
    """Start children without re-running ``__main__``.

    A spawned child imports the parent's ``__main__`` from its file first. Under Streamlit
    that is the page script being run (the whole app would run again in the child, outside
    Streamlit), under AppTest a temporary file: the child needs neither, only this module.
    """
    with _MAIN_LOCK:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main


class Worker:
    """One warm child process; ``run`` sends it a job with a time and memory limit.

    ``prepare`` (a module-level function) runs once in each new child before it takes jobs:
    imports and a warm-up, so jobs do not pay for them. ``memory_mb`` bounds how far the
    child's resident memory may grow during a job; its address space is capped at twice that
    above what it reserved when warm.
    """

    def __init__(self, prepare: Callable[[], None] | None = None, timeout: float = 20.0, memory_mb: int = 1024,
                 ready_timeout: float = 180.0, cap_address_space: bool = True) -> None:
        self.prepare, self.timeout, self.memory_mb, self.ready_timeout = prepare, timeout, memory_mb, ready_timeout
        self.cap_address_space = cap_address_space  # off for TensorFlow training (a GPU needs a huge address space)
        self.ctx = multiprocessing.get_context("spawn")
        self.lock = threading.Lock()
        self.process: Any = None
        self.conn: Any = None
        self.baseline_mb = 0.0  # resident size of the warm child
        self.ready = False
        self.started = 0  # children started so far (a killed one is replaced)
        self.killed = 0

    # ------------------------------------------------------------------ the child's life

    def start(self) -> None:
        """Start a child if there is none (returns at once; it warms itself in the background).

        Skipped while a job holds the worker: that job starts (or replaces) the child itself.
        """
        if self.lock.acquire(blocking=False):
            try:
                self._start()
            finally:
                self.lock.release()

    def _start(self) -> None:
        if self.process is not None and self.process.is_alive():
            return
        parent, child = self.ctx.Pipe()
        address_mb = 2 * self.memory_mb if self.cap_address_space else 0
        process = self.ctx.Process(target=_serve, args=(child, self.prepare, address_mb), daemon=True,
                                   name="isolated-worker")
        with _plain_main():
            process.start()
        child.close()
        self.process, self.conn, self.ready, self.started = process, parent, False, self.started + 1

    def stop(self) -> None:
        """Kill the child (if any); the next ``run`` starts a new one."""
        process, conn = self.process, self.conn
        self.process, self.conn, self.ready = None, None, False
        if conn is not None:
            conn.close()
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(5)
            process.close()

    def _replace(self) -> None:
        self.killed += 1
        self.stop()
        self._start()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.is_alive() else None

    def _wait_ready(self) -> Outcome | None:
        deadline = time.monotonic() + self.ready_timeout
        while not self.ready:
            if self.conn.poll(POLL_SECONDS):
                try:
                    kind, resident = self.conn.recv()
                except (EOFError, OSError):
                    kind, resident = "dead", 0.0
                if kind == "ready":
                    self.ready, self.baseline_mb = True, float(resident)
                    return None
            if not self.process.is_alive() or time.monotonic() > deadline:
                code = self.process.exitcode
                self._replace()
                return Outcome(False, failure="crashed", message=f"the worker did not start (exit code {code})")
        return None

    # ------------------------------------------------------------------ jobs

    def run(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None, memory_mb: int | None = None,
            on_event: Callable[[str, Any], None] | None = None, should_stop: Callable[[], bool] | None = None,
            **kwargs: Any) -> Outcome:
        """``fn(*args, **kwargs)`` in the child; ``timeout`` seconds and ``memory_mb`` MB of growth at most.

        With ``on_event``, the child calls ``fn(*args, report, **kwargs)`` and every
        ``report(kind, payload)`` reaches ``on_event`` here while the job runs; a failure
        then comes back as ``failure="raised"`` with the exception (without its frames) as
        ``value``, when it can be pickled. When ``should_stop()`` turns true the child is
        replaced and the job ends as ``failure="stopped"``.
        """
        timeout = self.timeout if timeout is None else timeout
        budget = self.memory_mb if memory_mb is None else memory_mb
        with self.lock:
            self._start()
            problem = self._wait_ready()
            if problem is not None:
                return problem
            start = time.monotonic()
            try:
                self.conn.send((fn, args, kwargs, on_event is not None))
            except Exception as exc:  # fn or its arguments cannot be pickled: nothing reached the child
                return Outcome(False, failure="error", message=f"{type(exc).__name__}: {_short(exc)}")
            pid, peak = self.process.pid, 0.0
            while True:
                if self.conn.poll(POLL_SECONDS):
                    try:
                        kind, payload = self.conn.recv()
                    except (EOFError, OSError):  # the child died: let it finish dying, then say so below
                        kind, payload = "dead", None
                        self.process.join(1)
                    if kind == "event":
                        try:
                            on_event(*payload)  # type: ignore[misc]
                        except Exception:  # a reporter's trouble must not lose the job
                            pass
                    elif kind != "dead":
                        seconds = time.monotonic() - start
                        if kind == "ok":
                            return Outcome(True, value=payload, seconds=seconds, peak_mb=peak)
                        if kind == "raised":
                            return Outcome(False, value=payload[0], failure="raised", message=payload[1],
                                           seconds=seconds, peak_mb=peak)
                        if kind == "memory":  # MemoryError in the child: its heap may be in pieces, start afresh
                            self._replace()
                        return Outcome(False, failure=kind, message=payload, seconds=seconds, peak_mb=peak)
                seconds = time.monotonic() - start
                resident = process_memory(pid)[1]
                peak = max(peak, resident)
                if not self.process.is_alive() or (resident == 0.0 and peak > 0.0):
                    self.process.join(1)  # gone from /proc but not yet reaped: wait for its exit code
                    code = self.process.exitcode
                    self._replace()
                    # An abort while allocating (std::bad_alloc under RLIMIT_AS) is a memory failure too.
                    return Outcome(False, failure="crashed", message=f"exit code {code}", seconds=seconds,
                                   peak_mb=peak)
                if resident - self.baseline_mb > budget:
                    self._replace()
                    return Outcome(False, failure="memory", message=f"more than {budget} MB", seconds=seconds,
                                   peak_mb=peak)
                if should_stop is not None and should_stop():
                    self._replace()
                    return Outcome(False, failure="stopped", message="stopped on request", seconds=seconds,
                                   peak_mb=peak)
                if seconds > timeout:
                    self._replace()
                    return Outcome(False, failure="timeout", message=f"more than {timeout:g} s", seconds=seconds,
                                   peak_mb=peak)
