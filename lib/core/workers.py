"""Training in worker processes: the backend behind ``lib.core.ui.train``.

Every training job of every learner leaves the web process. A bounded set of spawned
worker processes (``COURSE_WORKERS``, by default one per GPU or two on a CPU server),
each with its own TensorFlow, model pool and traced functions, takes jobs one at a
time; the web process keeps drawing pages. So:

- a TensorFlow crash or an out-of-memory kills one worker, not the server: the job is
  retried once on a fresh worker, and a second death becomes :class:`WorkerDied`, which
  the page shows as a message in the learner's language;
- memory TensorFlow keeps per process is given back: a worker is replaced (between
  jobs, warm in the background) after ``COURSE_WORKER_JOBS`` jobs or once it holds more
  than ``COURSE_WORKER_MB``; during a job it may grow at most ``COURSE_JOB_MB`` and run
  ``COURSE_JOB_SECONDS``;
- jobs wait for a free worker in arrival order and learn their place (``report("queued",
  place)``); a job's progress events stream back as they happen.

``COURSE_BACKEND=inline`` runs jobs in the calling thread instead (the test suite's
page tests, which patch lesson code in-process). A job is a module-level function
``fn(arg, report)`` and a picklable ``arg`` (a lesson's spec); what it returns must
pickle too (``st.cache_data`` needs that anyway). No Streamlit here.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable
from typing import Any

from lib.core import isolated
from lib.core.gate import Gate, default_capacity

Reporter = Callable[[str, Any], None]


class JobNotPicklable(TypeError):
    """A job (its function or its spec) that cannot travel to a worker process."""


def as_a_worker_gets_it(fn: Callable[[Any, Reporter], Any], arg: Any) -> tuple[Callable[[Any, Reporter], Any], Any]:
    """The job after a trip through pickle, as a worker process receives it.

    Inline runs take this trip too, so a job a server could not send (a lambda, a local
    function, a spec holding a lock or a model) fails in the page tests as it would on a server.
    """
    try:
        return pickle.loads(pickle.dumps((fn, arg)))
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise JobNotPicklable(f"{getattr(fn, '__qualname__', fn)!s}: {exc}") from exc


class JobCancelled(RuntimeError):
    """The learner cancelled the job (its worker was replaced, or inline: it stopped at a progress event)."""


class WorkerDied(RuntimeError):
    """A job's worker process died twice (a crash, a memory or time limit)."""

    def __init__(self, failure: str, message: str) -> None:
        super().__init__(f"{failure}: {message}")
        self.failure = failure


def _int_env(name: str, default: int, env: dict[str, str] | None = None) -> int:
    try:
        value = int((os.environ if env is None else env).get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def warm_up() -> None:
    """Runs once in each new worker before it takes jobs: TensorFlow, Keras and the engine."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from lib.core import engine  # noqa: F401  (imports TensorFlow, sets GPU memory growth)


class Backend:
    """``size`` warm workers; ``run`` hands a job to a free one and waits for its answer."""

    def __init__(self, size: int, max_jobs: int = 200, worker_mb: int = 2000, job_mb: int = 4096,
                 job_seconds: float = 900.0, prepare: Callable[[], None] | None = warm_up) -> None:
        self.max_jobs, self.worker_mb, self.job_mb, self.job_seconds = max_jobs, worker_mb, job_mb, job_seconds
        self.workers = [isolated.Worker(prepare=prepare, timeout=job_seconds, memory_mb=job_mb,
                                        cap_address_space=False) for _ in range(max(1, size))]
        self.gate = Gate(len(self.workers))  # one job per worker: the gate's queue is the job queue
        self._idle: list[isolated.Worker] = list(self.workers)  # the gate guarantees one is idle per admitted job
        self._idle_lock = threading.Lock()
        self._last_fn = {id(w): "" for w in self.workers}  # the job function each worker ran last
        self._jobs = {id(w): 0 for w in self.workers}  # jobs since each worker's child started
        self.retired = 0  # children replaced between jobs (job count or memory)
        self.retried = 0  # jobs run again after their worker died

    def start(self) -> None:
        """Start every worker's child now (returns at once; they warm in the background)."""
        for worker in self.workers:
            worker.start()

    def run(self, fn: Callable[[Any, Reporter], Any], arg: Any, report: Reporter | None = None,
            cancelled: threading.Event | None = None) -> Any:
        """``fn(arg, report)`` in a worker; its return value, or its exception raised here.

        Setting ``cancelled`` stops the job: its worker is replaced, and this raises JobCancelled.
        """
        report = report or (lambda kind, payload: None)
        cancelled = cancelled or threading.Event()
        with self.gate.slot(on_wait=lambda place: report("queued", place)):
            if cancelled.is_set():  # cancelled while it waited in the queue
                raise JobCancelled()
            worker = self._take_idle(fn)
            try:
                return self._run_on(worker, fn, arg, report, cancelled)
            finally:
                with self._idle_lock:
                    self._idle.append(worker)

    def _take_idle(self, fn: Callable) -> isolated.Worker:
        """An idle worker, preferably the one that last ran ``fn``: its pool already holds the lesson's
        traced models, so a slider move there skips tracing the structure again."""
        name = f"{fn.__module__}.{fn.__qualname__}"
        with self._idle_lock:
            chosen = next((w for w in self._idle if self._last_fn[id(w)] == name), self._idle[0])
            self._idle.remove(chosen)
        self._last_fn[id(chosen)] = name
        return chosen

    def _run_on(self, worker: isolated.Worker, fn: Callable, arg: Any, report: Reporter,
                cancelled: threading.Event) -> Any:
        for attempt in (1, 2):
            started = worker.started
            outcome = worker.run(fn, arg, on_event=report, should_stop=cancelled.is_set)
            self._jobs[id(worker)] = 1 if worker.started != started else self._jobs[id(worker)] + 1
            if outcome.failure == "stopped":
                raise JobCancelled()
            if outcome.ok:
                self._retire_if_spent(worker)
                return outcome.value
            if outcome.failure == "raised" and isinstance(outcome.value, BaseException):
                raise outcome.value
            if outcome.failure == "error":  # the job or its answer could not be pickled, or no exception object
                raise RuntimeError(outcome.message)
            if attempt == 1:  # crashed, memory, timeout: the worker was replaced; once more on the new one
                self.retried += 1
                report("retry", outcome.failure)
        raise WorkerDied(outcome.failure, outcome.message)

    def _retire_if_spent(self, worker: isolated.Worker) -> None:
        """Between jobs: a child past its job count or memory is replaced by a fresh one."""
        resident = isolated.process_memory(worker.pid)[1] if worker.pid else 0.0
        if self._jobs[id(worker)] >= self.max_jobs or resident > self.worker_mb:
            self.retired += 1
            self._jobs[id(worker)] = 0
            worker.stop()
            worker.start()

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()

    def pids(self) -> list[int]:
        return [w.pid for w in self.workers if w.pid is not None]


def from_env(env: dict[str, str] | None = None) -> Backend | None:
    """The backend the settings ask for: ``None`` for ``COURSE_BACKEND=inline``."""
    env = dict(os.environ if env is None else env)
    if env.get("COURSE_BACKEND", "workers").strip().lower() == "inline":
        return None
    if env.get("COURSE_RAY_ADDRESS", "").strip():  # a Ray cluster trains; only here is Ray imported
        from lib.core import ray_backend

        return ray_backend.from_env(env)
    from lib.core.device import DEVICE

    return Backend(size=_int_env("COURSE_WORKERS", default_capacity(DEVICE.count, env), env),
                   max_jobs=_int_env("COURSE_WORKER_JOBS", 200, env),
                   worker_mb=_int_env("COURSE_WORKER_MB", 2000, env),
                   job_mb=_int_env("COURSE_JOB_MB", 4096, env),
                   job_seconds=float(_int_env("COURSE_JOB_SECONDS", 900, env)))


_lock = threading.Lock()
_backend: list[Backend | None] = []


def backend() -> Backend | None:
    """The process's backend, made (and its workers started) on first use."""
    with _lock:
        if not _backend:
            _backend.append(from_env())
            if _backend[0] is not None:
                _backend[0].start()
        return _backend[0]


def run(fn: Callable[[Any, Reporter], Any], arg: Any, report: Reporter | None = None,
        cancelled: threading.Event | None = None) -> Any:
    """Run a training job where the settings say: a worker process, or inline.

    Inline, ``cancelled`` is checked at every event the job reports (a Keras callback
    or the engine's epoch loop), where JobCancelled then ends the job.
    """
    chosen = backend()
    if chosen is not None:
        return chosen.run(fn, arg, report, cancelled)
    fn, arg = as_a_worker_gets_it(fn, arg)
    if cancelled is None:
        return fn(arg, report)

    def checked(kind: str, payload: Any) -> None:
        if cancelled.is_set():
            raise JobCancelled()
        if report is not None:
            report(kind, payload)

    if cancelled.is_set():
        raise JobCancelled()
    return fn(arg, checked)
