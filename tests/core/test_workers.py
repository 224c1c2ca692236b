"""Training in worker processes (``lib.core.workers``): answers, progress, queue, crashes, recycling."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from lib.core import engine, workers
from lib.core.specs import DataSpec, FitSpec, RunSpec, dense_stack
from tests.core import worker_jobs as jobs


@pytest.fixture(scope="module")
def backend():
    b = workers.Backend(size=1, max_jobs=1000, prepare=None, job_mb=300, job_seconds=30)
    b.start()
    yield b
    b.stop()


def test_a_job_runs_in_another_process_and_streams_its_progress(backend):
    events = []
    answer = backend.run(jobs.echo, 21, lambda kind, payload: events.append((kind, payload)))
    assert answer["twice"] == 42 and answer["pid"] != os.getpid()
    assert events == [("progress", 0), ("progress", 1), ("progress", 2)]


def test_the_jobs_exception_is_raised_here_and_the_worker_stays(backend):
    pid = backend.run(jobs.echo, 1)["pid"]
    with pytest.raises(ValueError, match="bad value x"):
        backend.run(jobs.fail, "x")
    assert backend.run(jobs.echo, 1)["pid"] == pid


def test_an_answer_that_cannot_travel_is_a_clear_error(backend):
    with pytest.raises(RuntimeError, match="pickle|Pickl"):
        backend.run(jobs.unpicklable, None)


def test_a_crash_is_retried_once_on_a_fresh_worker(backend, tmp_path):
    events = []
    pid = backend.run(jobs.crash_once, str(tmp_path / "marker"), lambda kind, payload: events.append((kind, payload)))
    assert pid != os.getpid() and ("retry", "crashed") in events
    assert backend.retried >= 1


def test_a_second_death_is_worker_died_not_a_hang(backend):
    with pytest.raises(workers.WorkerDied) as died:
        backend.run(jobs.crash, None)
    assert died.value.failure == "crashed"
    assert backend.run(jobs.echo, 2)["twice"] == 4  # the next job gets a fresh worker


def test_a_job_past_its_memory_budget_is_stopped(backend):
    with pytest.raises(workers.WorkerDied) as died:
        backend.run(jobs.hog, 900)  # 900 MB against a 300 MB budget, twice
    assert died.value.failure == "memory"


def test_a_waiting_job_learns_its_place(backend, tmp_path):
    marker = tmp_path / "go"
    first = threading.Thread(target=backend.run, args=(jobs.wait_for, str(marker)))
    first.start()
    while backend.gate.running() == 0:
        threading.Event().wait(0.01)
    events = []
    second = threading.Thread(target=lambda: events.append(backend.run(jobs.echo, 3, lambda k, p: events.append(k))))
    second.start()
    while "queued" not in events:
        threading.Event().wait(0.01)
    marker.write_text("go")
    first.join(30)
    second.join(30)
    assert events[0] == "queued" and events[-1]["twice"] == 6


def test_a_worker_is_replaced_after_its_job_count():
    b = workers.Backend(size=1, max_jobs=2, prepare=None, job_seconds=30)
    try:
        pids = [b.run(jobs.echo, i)["pid"] for i in range(5)]
    finally:
        b.stop()
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]
    assert b.retired == 2


def test_a_worker_past_its_memory_is_replaced_between_jobs():
    b = workers.Backend(size=1, worker_mb=1, prepare=None, job_seconds=30)  # every child holds more than 1 MB
    try:
        pids = [b.run(jobs.echo, i)["pid"] for i in range(3)]
    finally:
        b.stop()
    assert len(set(pids)) == 3 and b.retired == 3


def test_settings_come_from_the_environment():
    assert workers.from_env({"COURSE_BACKEND": "inline"}) is None
    b = workers.from_env({"COURSE_WORKERS": "3", "COURSE_WORKER_JOBS": "7", "COURSE_WORKER_MB": "900",
                          "COURSE_JOB_SECONDS": "bad"})
    assert len(b.workers) == 3 and b.max_jobs == 7 and b.worker_mb == 900 and b.job_seconds == 900.0
    assert b.pids() == []  # nothing started until asked


def test_real_training_in_a_worker_gives_the_numbers_of_this_process():
    spec = RunSpec(data=DataSpec("digits"), model=dense_stack((16,), seed=3), fit=FitSpec(epochs=2))
    b = workers.Backend(size=1, job_seconds=300)
    try:
        events = []
        there = b.run(engine.run, spec, lambda kind, payload: events.append(kind))
    finally:
        b.stop()
    here = engine.run(spec)
    np.testing.assert_allclose(there.history["loss"], here.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(there.val_pred, here.val_pred, rtol=1e-4, atol=1e-6)
    assert events.count("progress") >= 2


# --------------------------------------------------------------------------- the store in front of the backend

_calls: list[int] = []


def _counted(arg: int, report):
    _calls.append(arg)
    return {"value": arg * 3}


class _Fallback:
    notice = "fashion_unavailable"


def _with_notice(arg: int, report):
    _calls.append(arg)
    return _Fallback()


def test_a_stored_run_is_not_trained_again(monkeypatch, tmp_path):
    from lib.core import ui

    monkeypatch.setenv("COURSE_RESULT_STORE", str(tmp_path / "results"))
    _calls.clear()
    first = ui.stored_job(5, "", _counted, lambda kind, payload: None)
    again = ui.stored_job(5, "", _counted, lambda kind, payload: None)
    other = ui.stored_job(6, "", _counted, lambda kind, payload: None)
    assert first == again == {"value": 15} and other == {"value": 18}
    assert _calls == [5, 6]  # the second request for 5 came from disk
    assert len(list((tmp_path / "results").glob("*.pkl"))) == 2


def test_a_run_that_fell_back_to_other_data_is_not_stored(monkeypatch, tmp_path):
    from lib.core import ui

    monkeypatch.setenv("COURSE_RESULT_STORE", str(tmp_path / "results"))
    _calls.clear()
    ui.stored_job(1, "", _with_notice, lambda kind, payload: None)
    ui.stored_job(1, "", _with_notice, lambda kind, payload: None)
    assert _calls == [1, 1]


# --------------------------------------------------------------------------- cancelling


def test_cancelling_a_running_job_replaces_its_worker(backend, tmp_path):
    cancelled = threading.Event()
    threading.Timer(0.5, cancelled.set).start()
    with pytest.raises(workers.JobCancelled):
        backend.run(jobs.wait_for, str(tmp_path / "never"), cancelled=cancelled)
    assert backend.run(jobs.echo, 4)["twice"] == 8  # a fresh worker takes the next job


def test_a_job_cancelled_before_its_turn_never_runs(backend):
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(workers.JobCancelled):
        backend.run(jobs.echo, 1, cancelled=cancelled)


def test_inline_a_job_stops_at_its_next_progress_event(monkeypatch):
    monkeypatch.setattr(workers, "_backend", [None])  # COURSE_BACKEND=inline
    jobs.SEEN.clear()
    jobs.STOP.clear()
    with pytest.raises(workers.JobCancelled):
        workers.run(jobs.count_to_five, 1, lambda kind, payload: None, jobs.STOP)
    assert jobs.SEEN == [0, 1]
    jobs.SEEN.clear()
    assert workers.run(jobs.count_to_five, None, lambda kind, payload: None) == "finished"
    assert jobs.SEEN == [0, 1, 2, 3, 4]


def test_inline_a_job_that_could_not_reach_a_worker_is_refused_too(monkeypatch):
    """Page tests train inline; a job a server could not send must fail there as well."""
    monkeypatch.setattr(workers, "_backend", [None])  # COURSE_BACKEND=inline

    def local_job(arg, report):  # a local function: a worker process cannot import it
        return arg

    with pytest.raises(workers.JobNotPicklable):
        workers.run(local_job, 1)
    with pytest.raises(workers.JobNotPicklable):
        workers.run(jobs.echo, threading.Lock())  # a spec that cannot be pickled
    assert workers.run(jobs.echo, 4, lambda kind, payload: None)["twice"] == 8


def test_a_job_goes_to_the_worker_that_last_ran_its_function():
    b = workers.Backend(size=2, prepare=None, job_seconds=30)
    try:
        first = b.run(jobs.echo, 1)["pid"]
        again = [b.run(jobs.echo, i)["pid"] for i in range(3)]
    finally:
        b.stop()
    assert again == [first] * 3  # both workers idle each time; the one whose pool knows the job is chosen
