"""Training on a Ray cluster: the backend ``lib.core.workers`` chooses when ``COURSE_RAY_ADDRESS`` is set.

Same interface as :class:`lib.core.workers.Backend` (``run``, ``start``, ``stop``, ``pids``), so
``ui.train`` and the result store do not know which one trains. Only ``workers.from_env``
imports this module, and only when the variable is set: without it Ray is never imported.

- ``COURSE_RAY_ADDRESS``: ``ray://head:10001`` (Ray Client), ``auto`` or ``host:6379`` (this
  machine is a Ray node), or ``local``: a private Ray instance of this process (``COURSE_WORKERS``
  CPUs, default 2; no dashboard; a token of its own).
- A job is one Ray task with ``num_cpus=1`` and ``num_gpus=COURSE_GPU_PER_JOB`` (0.25: four jobs
  share a GPU; unset: 1 if the cluster has GPUs, else 0). A task with a GPU share turns on
  TensorFlow's memory growth before the job is unpickled (``lib.core.device`` does it again), so
  jobs sharing a card take what they use. A Ray worker process serves ``COURSE_WORKER_JOBS`` jobs
  (TensorFlow stays warm), then is replaced: give each Ray node one GPU, or set it to 1 (a reused
  process keeps the card it first saw). A job may run ``COURSE_JOB_SECONDS``.
- Progress: the task puts each ``report(kind, payload)`` into a small actor (:class:`Events`: no
  CPU, no TensorFlow, payloads as pickled bytes) that the waiting caller drains, so events arrive
  in order and before the answer. ``("queued", place)``: when the cluster had no free CPU (or GPU
  share) at submission and the job has not started half a second later; ``place`` counts this
  process's waiting jobs in submission order (other replicas' jobs may wait too: a lower bound,
  never a made-up number).
- The job's exception is raised here as itself (pickled without its frames); one that cannot
  travel, or an answer that cannot, is a RuntimeError with its text. Setting ``cancelled``
  cancels the task (``ray.cancel(force=True)`` kills its worker) and raises ``JobCancelled``. A
  dead worker or node, Ray's memory monitor, the time limit or a lost connection (reconnected):
  the job runs once more (``report("retry", failure)``); a second failure is ``WorkerDied``.

Results come back to the caller; ``live.stored_job`` puts them in the result store, which must
be a path every web replica shares (``COURSE_RESULT_STORE`` on a volume). The cluster runs the
same code (the same image): a job's function and argument travel by reference. No Streamlit here.
"""

from __future__ import annotations

import gc
import itertools
import logging
import math
import os
import pickle
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# A Ray call made after a disconnect must fail, not quietly start a default Ray instance (all
# CPUs, a dashboard) in the web process; Ray reads this when it is first imported.
os.environ.setdefault("RAY_ENABLE_AUTO_CONNECT", "0")

import ray
import ray.exceptions

try:  # Ray was imported before this module (a test, a notebook): the variable came too late
    from ray._private import auto_init_hook

    auto_init_hook.enable_auto_connect = False
except (ImportError, AttributeError):  # another Ray: the variable above still holds
    pass

from lib.core.workers import JobCancelled, Reporter, WorkerDied, _int_env, warm_up

log = logging.getLogger(__name__)

LOCAL = "local"
POLL_SECONDS = 0.05  # how often a waiting caller drains its job's events
QUEUE_GRACE_SECONDS = 0.5  # a job that waits for the cluster says so only when it is not started by then
CONNECT_ATTEMPTS = 3
LOCAL_OBJECT_STORE_MB = 256  # results are a few MB at most; Ray's default is 30% of the RAM
_STARTED = "_started"  # every job's first event: it has left the queue (payload: its pid)


def _short(text: object, limit: int = 300) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- in the cluster


@ray.remote(num_cpus=0)
class Events:
    """Events of running jobs, by job id, as opaque bytes, in the order they were put."""

    def __init__(self) -> None:
        self.queues: dict[str, tuple[float, list[bytes]]] = {}

    def put(self, job: str, blob: bytes) -> None:
        self.queues.setdefault(job, (time.monotonic(), []))[1].append(blob)
        if len(self.queues) > 1000:  # a killed job's last events, put after it was forgotten
            old = time.monotonic() - 3600
            self.queues = {k: v for k, v in self.queues.items() if v[0] > old}

    def take(self, job: str) -> list[bytes]:
        return self.queues.pop(job, (0.0, []))[1]

    def forget(self, job: str) -> None:
        self.queues.pop(job, None)


def _raised(exc: BaseException) -> tuple:
    """The job's exception as pickled bytes (without its frames) when it can travel, else its text."""
    text = f"{type(exc).__name__}: {_short(exc)}"
    try:
        blob = pickle.dumps(exc.with_traceback(None))
        pickle.loads(blob)  # some exceptions pickle but cannot be rebuilt
        return ("raised", blob, text)
    except Exception:
        return ("error", text)


def _job(events: Any, job_id: str, blob: bytes, gpu: bool) -> tuple:
    """One job in a Ray worker: ``fn(arg, report)`` with events to ``events``; its pickled answer."""
    if gpu:  # before TensorFlow can touch the card: the job's modules are unpickled below
        os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    last = [events.put.remote(job_id, pickle.dumps((_STARTED, os.getpid())))]

    def report(kind: str, payload: Any) -> None:
        last[0] = events.put.remote(job_id, pickle.dumps((kind, payload)))

    try:
        fn, arg = pickle.loads(blob)
        value = fn(arg, report)
    except Exception as exc:  # sent back; KeyboardInterrupt and SystemExit (a cancel) still end the task
        answer = _raised(exc)
    else:
        try:
            answer = ("ok", pickle.dumps(value, protocol=5))
        except Exception as exc:  # an answer that cannot travel
            answer = ("error", f"the answer cannot be pickled: {type(exc).__name__}: {_short(exc)}")
        del value
    try:
        ray.get(last[0])  # one caller, one actor: every event has arrived before the answer leaves
    except ray.exceptions.RayError:  # the events actor is gone: the answer still goes back
        pass
    return answer


# --------------------------------------------------------------------------- the caller's side


class _Failed(Exception):
    """A job's worker, node, connection or time limit failed it (not the job's own exception): retried once."""

    def __init__(self, failure: str, message: str, lost: bool = False) -> None:
        super().__init__(message)
        self.failure, self.message, self.lost = failure, message, lost  # lost: the connection is gone


@dataclass(frozen=True)
class _Link:
    """One connection to the cluster: its number, the events actor, the job task with its resources."""

    generation: int
    events: Any
    task: Any


class RayBackend:
    """Jobs as Ray tasks; ``run`` submits one and waits for its answer, streaming its events."""

    def __init__(self, address: str, gpu_per_job: float | None = None, max_jobs: int = 200,
                 job_seconds: float = 900.0, local_cpus: int = 2,
                 prepare: Callable[[], None] | None = warm_up) -> None:
        self.address = address.strip()
        self.gpu_per_job = gpu_per_job  # None: decided on connecting (1 if the cluster has GPUs, else 0)
        self.max_jobs, self.job_seconds, self.local_cpus, self.prepare = max_jobs, job_seconds, local_cpus, prepare
        self.retried = 0  # jobs run again after a worker, node or time limit failed them
        self._lock = threading.Lock()  # the lists of waiting and running jobs
        self._connection = threading.Lock()  # connecting and disconnecting
        self._generation = 0  # connections made so far: a failed job drops only the one it ran on
        self._ids = itertools.count(1)
        self._prefix = secrets.token_hex(4)
        self._waiting: list[str] = []  # this process's jobs submitted and not started, in order
        self._running: dict[str, int] = {}  # job id -> pid of its Ray worker
        self._link: _Link | None = None  # the connection jobs use now
        self._keeper: tuple[threading.Thread, threading.Event] | None = None  # the driver thread, its stop flag

    # ------------------------------------------------------------------ connection

    def _init_kwargs(self) -> dict[str, Any]:
        if self.address.lower() != LOCAL:
            return {"address": self.address, "log_to_driver": False, "logging_level": logging.WARNING}
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        if not os.environ.get("RAY_AUTH_TOKEN"):
            # Ray (2.59+) turns token authentication on for a local instance: give it a token of
            # its own (its processes inherit it), not the shared ~/.ray/auth_token that two
            # servers (or two test processes) starting at once would both write.
            os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
        return {"address": LOCAL, "num_cpus": self.local_cpus, "include_dashboard": False,
                "log_to_driver": False, "logging_level": logging.WARNING,
                "object_store_memory": LOCAL_OBJECT_STORE_MB * 2**20}

    def _keep(self, ready: threading.Event, release: threading.Event, problem: list[BaseException]) -> None:
        # Ray ties the processes of a local instance to the thread that started it: this
        # thread lives until ``stop``, whatever thread asked first.
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                ray.init(**self._init_kwargs())
                break
            except ConnectionError as exc:  # a head still starting, or Ray Client's first session failing
                log.warning("Ray backend: connecting to %s failed (%s), attempt %d", self.address, exc, attempt)
                ray.shutdown()
                if attempt == CONNECT_ATTEMPTS:
                    problem.append(exc)
                else:
                    time.sleep(2.0 * attempt)
            except BaseException as exc:  # handed to the thread that asked
                problem.append(exc)
                break
        ready.set()
        if not problem:
            release.wait()
            ray.shutdown()

    def _connect(self) -> _Link:
        """Connect (once, thread-safe): the events actor, the task with its resources, the connection's number."""
        with self._connection:
            if self._link is not None:
                return self._link
            if not ray.is_initialized():
                gc.collect()  # handles of a dropped connection go before the next one starts
                ready, release, problem = threading.Event(), threading.Event(), []
                keeper = threading.Thread(target=self._keep, args=(ready, release, problem), name="ray-driver",
                                          daemon=True)
                keeper.start()
                ready.wait()
                if problem:
                    raise problem[0]
                self._keeper = (keeper, release)
            if self.gpu_per_job is None:
                self.gpu_per_job = 1.0 if ray.cluster_resources().get("GPU", 0) > 0 else 0.0
            elif self.gpu_per_job > 0 and ray.cluster_resources().get("GPU", 0) <= 0:
                log.warning("COURSE_GPU_PER_JOB=%s but the Ray cluster has no GPU (yet): jobs wait for one",
                            self.gpu_per_job)
            self._generation += 1
            self._link = _Link(self._generation, Events.remote(),
                               ray.remote(num_cpus=1, num_gpus=self.gpu_per_job, max_retries=0,
                                          max_calls=self.max_jobs)(_job))
            return self._link

    def start(self) -> None:
        """Connect in the background (returns at once); with ``prepare``, one Ray worker per local
        CPU (one on a cluster) imports TensorFlow before the first learner's job."""

        def connect_and_warm() -> None:
            try:
                self._connect()
                if self.prepare is not None:
                    warm = ray.remote(num_cpus=1, num_gpus=self.gpu_per_job, max_calls=self.max_jobs)(self.prepare)
                    for _ in range(self.local_cpus if self.address.lower() == LOCAL else 1):
                        warm.remote()
            except Exception as exc:  # the first job connects again and raises it there
                log.warning("Ray backend: could not connect to %s (%s)", self.address, exc)

        threading.Thread(target=connect_and_warm, name="ray-connect", daemon=True).start()

    def stop(self) -> None:
        """Disconnect; a local instance this backend started is shut down."""
        self._disconnect()

    def _disconnect(self, generation: int | None = None) -> None:
        """Drop the connection (only if it is still number ``generation``, when given); the next job connects."""
        with self._connection:
            if generation not in (None, self._generation):
                return
            link, keeper = self._link, self._keeper
            self._link = self._keeper = None
            try:
                ray.kill(link.events)
            except Exception:  # no link, or its actor went with its cluster
                pass
            if keeper is not None:
                keeper[1].set()
                keeper[0].join(60)

    def pids(self) -> list[int]:
        """Process ids of the Ray workers running this process's jobs now (on their own nodes)."""
        with self._lock:
            return list(self._running.values())

    # ------------------------------------------------------------------ jobs

    def run(self, fn: Callable[[Any, Reporter], Any], arg: Any, report: Reporter | None = None,
            cancelled: threading.Event | None = None) -> Any:
        """``fn(arg, report)`` as a Ray task; its return value, or its exception raised here."""
        report = report or (lambda kind, payload: None)
        cancelled = cancelled or threading.Event()
        if cancelled.is_set():
            raise JobCancelled()
        try:
            blob = pickle.dumps((fn, arg))
        except Exception as exc:  # a lambda, a local function, an argument that cannot travel
            raise RuntimeError(f"{type(exc).__name__}: {_short(exc)}") from None
        for attempt in (1, 2):
            link = self._connect()
            try:
                return self._attempt(link, blob, report, cancelled)
            except _Failed as failed:
                failure, message, lost = failed.failure, failed.message, failed.lost
            generation, link = link.generation, None  # no Ray handle may outlive its connection
            if lost:  # the cluster restarted or the connection broke: the next attempt connects again
                self._disconnect(generation)
            if attempt == 2:
                raise WorkerDied(failure, message)
            self.retried += 1
            _tell(report, "retry", failure)
        raise AssertionError("unreachable")

    def _attempt(self, link: _Link, blob: bytes, report: Reporter, cancelled: threading.Event) -> Any:
        job_id = f"{self._prefix}-{next(self._ids)}"
        full = not self._room_for_one_more()  # then this job waits for the cluster: it learns its place
        with self._lock:
            self._waiting.append(job_id)
        submitted, started, place, done, ref = time.monotonic(), 0.0, 0, False, None
        try:
            ref = link.task.remote(link.events, job_id, blob, bool(self.gpu_per_job))
            while True:
                ready, _ = ray.wait([ref], timeout=POLL_SECONDS)
                for kind, payload in _take(link.events, job_id):
                    if kind == _STARTED:
                        started = time.monotonic()
                        with self._lock:
                            self._waiting.remove(job_id)
                            self._running[job_id] = payload
                    else:
                        _tell(report, kind, payload)
                if ready:
                    break
                if cancelled.is_set():
                    ray.cancel(ref, force=True)
                    raise JobCancelled()
                now = time.monotonic()
                if started and now - started > self.job_seconds:
                    ray.cancel(ref, force=True)
                    raise _Failed("timeout", f"more than {self.job_seconds:g} s")
                if full and not started and now - submitted > QUEUE_GRACE_SECONDS:
                    with self._lock:
                        now_place = self._waiting.index(job_id) + 1 if job_id in self._waiting else 0
                    if now_place and now_place != place:
                        place = now_place
                        _tell(report, "queued", place)
            answer = ray.get(ref)
            done = True
        except ray.exceptions.RayTaskError as exc:  # our task itself failed (its answer could not be stored)
            raise RuntimeError(_short(exc.cause if exc.cause is not None else exc)) from None
        except ray.exceptions.RayError as exc:  # the worker or its node died, or the memory monitor killed it
            failure = "memory" if isinstance(exc, ray.exceptions.OutOfMemoryError) else "crashed"
            lost = isinstance(exc, (ray.exceptions.RaySystemError, ray.exceptions.LocalRayletDiedError))
            raise _Failed(failure, _short(exc), lost) from None
        except ConnectionError as exc:  # Ray Client lost the head
            raise _Failed("crashed", _short(exc), lost=True) from None
        finally:
            with self._lock:
                if job_id in self._waiting:
                    self._waiting.remove(job_id)
                self._running.pop(job_id, None)
            if not done:
                try:
                    link.events.forget.remote(job_id)
                except Exception:  # the connection is gone, and the actor with it
                    pass
            # A traceback keeps this frame: Ray objects of a connection that is later dropped must not
            # be freed after the next one starts (Ray aborts the process on an unknown handle).
            ref = link = None
        return _answer(answer)

    def _room_for_one_more(self) -> bool:
        """Whether the cluster's free CPUs (and GPU shares), less what this process's waiting jobs
        will take, hold one more job."""
        try:
            free = ray.available_resources()
        except Exception:  # no answer: say nothing rather than a made-up place
            return True
        with self._lock:
            ahead = len(self._waiting)
        gpu = self.gpu_per_job or 0.0
        return free.get("CPU", 0) - ahead >= 1 and free.get("GPU", 0) - ahead * gpu >= gpu


def _take(events: Any, job_id: str) -> list[tuple[str, Any]]:
    try:
        blobs = ray.get(events.take.remote(job_id))
    except ray.exceptions.RayActorError as exc:  # the events actor is gone: the job still answers
        log.warning("Ray backend: progress events lost (%s)", _short(exc))
        return []
    return [pickle.loads(blob) for blob in blobs]


def _tell(report: Reporter, kind: str, payload: Any) -> None:
    try:
        report(kind, payload)
    except JobCancelled:
        raise
    except Exception:  # a reporter's trouble must not lose the job
        log.exception("Ray backend: a progress reporter failed")


def _answer(answer: tuple) -> Any:
    kind = answer[0]
    if kind == "ok":
        return pickle.loads(answer[1])
    if kind == "raised":
        try:
            exc = pickle.loads(answer[1])
        except Exception:
            raise RuntimeError(answer[2]) from None
        raise exc
    raise RuntimeError(answer[1])


def _gpu_per_job(text: str) -> float | None:
    """``COURSE_GPU_PER_JOB``: a share of one GPU (0 < x < 1) or a whole number; None (automatic) otherwise."""
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if math.isfinite(value) and (0 <= value < 1 or value == int(value) >= 0):
        return value
    log.warning("COURSE_GPU_PER_JOB=%r is not a GPU share (0.25, 0.5, 1, 2): chosen automatically", text)
    return None


def from_env(env: dict[str, str] | None = None) -> RayBackend:
    """The Ray backend the settings ask for (``COURSE_RAY_ADDRESS`` must be set); it connects on first use."""
    env = dict(os.environ if env is None else env)
    address = env.get("COURSE_RAY_ADDRESS", "").strip()
    if not address:
        raise ValueError("COURSE_RAY_ADDRESS is not set")
    return RayBackend(address, gpu_per_job=_gpu_per_job(env.get("COURSE_GPU_PER_JOB", "")),
                      max_jobs=_int_env("COURSE_WORKER_JOBS", 200, env),
                      job_seconds=float(_int_env("COURSE_JOB_SECONDS", 900, env)),
                      local_cpus=_int_env("COURSE_WORKERS", 2, env))
