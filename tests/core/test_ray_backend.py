"""Training on Ray (``lib.core.ray_backend``), on a private local Ray instance and a real ``ray start`` head.

CI installs Ray (``requirements-ray.txt``), so these run for real; without Ray the module
is skipped. One local instance per test process (``COURSE_RAY_ADDRESS=local`` semantics,
2 CPUs), shut down at the end; two xdist workers may each start one (each with its own
session folder, ports and token).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ray")

from lib.core import engine, workers  # noqa: E402
from lib.core import ray_backend as rb  # noqa: E402
from lib.core.progress import Progress  # noqa: E402
from lib.core.specs import DataSpec, FitSpec, RunSpec, dense_stack  # noqa: E402
from tests.core import worker_jobs as jobs  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xdist_group("ray")  # one Ray per run where the suite groups (--dist loadgroup)


def count(n: int, report) -> int:
    """A job with many events: they must arrive in order, all before the answer."""
    for i in range(n):
        report("progress", {"done": i, "pid": os.getpid()})
    return n


@pytest.fixture(scope="module")
def backend():
    # A job's budget, not a measurement: it counts from submission, and a Ray worker starting beside
    # a CPU burner on two cores took more than 60 s before it ran a job that takes milliseconds.
    b = rb.RayBackend("local", local_cpus=2, prepare=None, job_seconds=600)
    yield b
    b.stop()


def _until(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_job_runs_in_a_ray_worker_and_its_events_arrive_in_order(backend):
    events = []
    assert backend.run(count, 60, lambda kind, payload: events.append((kind, payload))) == 60
    assert [payload["done"] for _, payload in events] == list(range(60))
    assert {kind for kind, _ in events} == {"progress"}
    assert events[0][1]["pid"] != os.getpid()
    answer = backend.run(jobs.echo, 21)
    assert answer["twice"] == 42 and answer["pid"] != os.getpid()


def test_the_jobs_exception_reaches_the_caller_as_itself(backend):
    with pytest.raises(ValueError, match="bad value x"):
        backend.run(jobs.fail, "x")
    with pytest.raises(RuntimeError, match="pickle"):  # an answer that cannot travel
        backend.run(jobs.unpicklable, None)
    with pytest.raises(RuntimeError, match="pickle|Pickl"):  # a job that cannot travel
        backend.run(lambda arg, report: arg, 1)
    assert backend.run(jobs.echo, 1)["twice"] == 2


def test_cancelling_a_running_job_cancels_its_task(backend, tmp_path):
    cancelled, answer = threading.Event(), []

    def run() -> None:
        try:
            backend.run(jobs.wait_for, str(tmp_path / "never"), cancelled=cancelled)
        except BaseException as exc:  # noqa: BLE001 - what the caller gets
            answer.append(exc)

    caller = threading.Thread(target=run)
    caller.start()
    _until(lambda: backend.pids())  # it started in a Ray worker
    start = time.monotonic()
    cancelled.set()
    caller.join(10)
    assert isinstance(answer[0], workers.JobCancelled) and time.monotonic() - start < 5
    assert backend.pids() == []
    already = threading.Event()
    already.set()
    with pytest.raises(workers.JobCancelled):
        backend.run(jobs.echo, 1, cancelled=already)


def test_a_job_waiting_for_the_cluster_learns_its_place_and_can_be_cancelled(backend, tmp_path):
    marker = str(tmp_path / "go")
    holders = [threading.Thread(target=backend.run, args=(jobs.wait_for, marker)) for _ in range(2)]
    for holder in holders:
        holder.start()
    _until(lambda: len(backend.pids()) == 2)  # both CPUs of the local instance are taken
    time.sleep(0.3)  # the cluster's view of its free resources follows within ~0.1 s
    first, second, gone = [], [], threading.Event()
    waiter = threading.Thread(target=lambda: first.append(backend.run(jobs.echo, 3, lambda k, p: first.append((k, p)))))
    waiter.start()
    _until(lambda: ("queued", 1) in first)

    def run_second() -> None:
        try:
            backend.run(jobs.echo, 4, lambda k, p: second.append((k, p)), gone)
        except workers.JobCancelled:
            second.append("cancelled")

    other = threading.Thread(target=run_second)
    other.start()
    _until(lambda: ("queued", 2) in second)
    gone.set()
    other.join(10)
    assert second == [("queued", 2), "cancelled"]
    Path(marker).write_text("go")
    for thread in (*holders, waiter):
        thread.join(30)
    assert first[0] == ("queued", 1) and first[-1]["twice"] == 6


def test_a_crash_is_retried_once_then_it_is_worker_died(backend, tmp_path):
    events = []
    pid = backend.run(jobs.crash_once, str(tmp_path / "marker"), lambda kind, payload: events.append((kind, payload)))
    assert pid != os.getpid() and events == [("retry", "crashed")] and backend.retried >= 1
    with pytest.raises(workers.WorkerDied) as died:
        backend.run(jobs.crash, None)
    assert died.value.failure == "crashed"
    assert backend.run(jobs.echo, 2)["twice"] == 4


def test_real_training_on_ray_gives_the_numbers_of_this_process(backend):
    spec = RunSpec(data=DataSpec("digits", subsample=200), model=dense_stack((16,), seed=3), fit=FitSpec(epochs=3))
    events = []
    there = backend.run(engine.run, spec, lambda kind, payload: events.append((kind, payload)))
    here = engine.run(spec)
    assert there.history.keys() == here.history.keys()
    for key in here.history:
        np.testing.assert_allclose(there.history[key], here.history[key], rtol=1e-5)
    np.testing.assert_allclose(there.val_pred, here.val_pred, rtol=1e-4, atol=1e-6)
    progress = [payload for kind, payload in events if kind == "progress"]
    assert all(isinstance(p, Progress) for p in progress) and [p.done for p in progress] == [1, 2, 3]


def test_a_lost_connection_is_made_again_for_the_retry(backend):
    import ray

    backend.run(jobs.echo, 1)
    ray.shutdown()  # what a restarted head looks like from here: every call on the old connection fails
    events = []
    assert backend.run(jobs.echo, 2, lambda kind, payload: events.append((kind, payload)))["twice"] == 4
    assert events[0] == ("retry", "crashed") and ray.is_initialized()


def test_from_env_chooses_ray_only_when_the_address_is_set():
    chosen = workers.from_env({"COURSE_RAY_ADDRESS": "ray://head:10001", "COURSE_GPU_PER_JOB": "0.25",
                               "COURSE_WORKER_JOBS": "7", "COURSE_JOB_SECONDS": "60"})
    assert isinstance(chosen, rb.RayBackend) and chosen.address == "ray://head:10001"
    assert chosen.gpu_per_job == 0.25 and chosen.max_jobs == 7 and chosen.job_seconds == 60.0
    assert chosen.pids() == []  # nothing connected until asked
    assert isinstance(workers.from_env({"COURSE_RAY_ADDRESS": " "}), workers.Backend)
    assert workers.from_env({"COURSE_BACKEND": "inline", "COURSE_RAY_ADDRESS": "local"}) is None
    for text, share in (("", None), ("0", 0.0), ("0.5", 0.5), ("2", 2.0), ("1.5", None), ("x", None),
                        ("nan", None), ("-1", None)):
        assert rb.from_env({"COURSE_RAY_ADDRESS": "auto", "COURSE_GPU_PER_JOB": text}).gpu_per_job == share


def test_without_the_address_nothing_about_ray_is_imported():
    probe = (
        "import sys, types\n"
        "sys.modules['lib.core.device'] = types.SimpleNamespace(DEVICE=types.SimpleNamespace(count=0))  # no TF\n"
        "from lib.core import workers\n"
        "assert type(workers.from_env({})).__name__ == 'Backend'\n"
        "before = sorted(m for m in sys.modules if m.split('.')[0] == 'ray')\n"
        "workers.from_env({'COURSE_RAY_ADDRESS': 'local'})\n"
        "after = any(m.split('.')[0] == 'ray' for m in sys.modules)\n"
        "print(before, after)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "RAY_"))}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env={**env, "TF_CPP_MIN_LOG_LEVEL": "3"},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["[]", "True"]  # the probe sees Ray once the address is set


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CLIENT = """
import json, os, sys
from lib.core import workers
from tests.core import worker_jobs as jobs
b = workers.from_env({"COURSE_RAY_ADDRESS": sys.argv[1]})
events = []
answer = b.run(jobs.echo, 5, lambda kind, payload: events.append([kind, payload]))
try:
    b.run(jobs.fail, "y")
except ValueError as exc:
    raised = str(exc)
b.stop()
print(json.dumps({"type": type(b).__name__, "answer": answer, "events": events, "raised": raised, "pid": os.getpid()}))
"""


def test_a_web_process_trains_through_ray_client_on_a_head_with_token_auth():
    """What deploy/compose.yaml does: ``ray start --head`` with token auth, ``ray://head:10001`` from a web process."""
    temp = tempfile.mkdtemp(prefix="rayh-", dir="/tmp")  # short: Ray's socket paths live below it
    port, client_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "RAY_"))}
    env.update(PYTHONPATH=str(ROOT), RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=os.urandom(32).hex(),
               RAY_USAGE_STATS_ENABLED="0", TF_CPP_MIN_LOG_LEVEL="3")
    head = subprocess.Popen([sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--block",
                             f"--port={port}", f"--ray-client-server-port={client_port}", "--num-cpus=1",
                             "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        _until(lambda: socket.socket().connect_ex(("127.0.0.1", client_port)) == 0, 60)
        out = subprocess.run([sys.executable, "-c", CLIENT, f"ray://127.0.0.1:{client_port}"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-3000:]
        seen = json.loads(out.stdout.strip().splitlines()[-1])
        assert seen["type"] == "RayBackend" and seen["answer"]["twice"] == 10
        assert seen["answer"]["pid"] != seen["pid"]  # trained by the cluster's worker, not the client
        assert seen["events"] == [["progress", 0], ["progress", 1], ["progress", 2]]
        assert seen["raised"] == "bad value y"
    finally:  # this head's process group only; never ``ray stop``, which stops every Ray on the machine
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(3)  # its processes end at once; ``ray start`` itself lingers for ~30 s
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait(10)
        shutil.rmtree(temp, ignore_errors=True)
