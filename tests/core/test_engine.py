"""The engine: determinism, fast path vs fit, pooling, device fallback, the gate."""

import threading
import time

import numpy as np
import pytest

from lib.core import engine
from lib.core.device import DEVICE, detect
from lib.core.gate import Gate, default_capacity
from lib.core.specs import DataSpec, FitSpec, OptimizerSpec, RunSpec, dense_stack

# TensorFlow results against NumPy, the shown code and each other: run again with oneDNN off in CI.
pytestmark = pytest.mark.numerics

SMALL = RunSpec(
    data=DataSpec("moons", n_samples=200, noise=0.2, seed=1),
    model=dense_stack((8,), seed=3),
    optimizer=OptimizerSpec("adam", 0.01),
    fit=FitSpec(epochs=4, batch_size=16, seed=5),
)


def test_same_spec_same_numbers():
    a, b = engine.run(SMALL), engine.run(SMALL)
    assert a.history == b.history
    for wa, wb in zip(a.weights, b.weights, strict=True):
        np.testing.assert_array_equal(wa, wb)


def test_seed_changes_numbers():
    from dataclasses import replace

    other = replace(SMALL, model=dense_stack((8,), seed=4))
    assert engine.run(SMALL).history["loss"] != engine.run(other).history["loss"]


@pytest.mark.parametrize("task_data", [DataSpec("moons", n_samples=200, seed=1), DataSpec("digits", subsample=300)])
def test_fast_path_agrees_with_fit(task_data):
    from dataclasses import replace

    spec = replace(SMALL, data=task_data)
    fast, fit = engine.run(spec.with_path("fast")), engine.run(spec.with_path("fit"))
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(fast.history[key], fit.history[key], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fast.val_pred, fit.val_pred, rtol=1e-4, atol=1e-5)


def test_result_is_plain_numpy_and_complete():
    r = engine.run(SMALL)
    assert r.epochs_run == 4 and len(r.history["val_loss"]) == 4
    assert all(isinstance(w, np.ndarray) for w in r.weights)
    assert r.val_pred.shape == (40, 1) and r.y_val.shape == (40,)
    assert r.param_count == 2 * 8 + 8 + 8 + 1
    assert r.device == DEVICE.label and r.seconds > 0 and not r.diverged  # the device this machine has


def test_regression_and_multiclass_tasks():
    reg = engine.run(RunSpec(data=DataSpec("advertising"), model=dense_stack((10,)),
                             optimizer=OptimizerSpec("adam", 0.05), fit=FitSpec(epochs=3, batch_size=32)))
    assert "mae" in reg.history and reg.val_pred.shape == (40, 1)
    multi = engine.run(RunSpec(data=DataSpec("digits", subsample=200), fit=FitSpec(epochs=2)))
    assert multi.val_pred.shape == (40, 10)
    np.testing.assert_allclose(multi.val_pred.sum(axis=1), 1.0, rtol=1e-5)


def test_divergence_is_reported_not_raised():
    spec = RunSpec(data=DataSpec("advertising"), model=dense_stack((10,)),
                   optimizer=OptimizerSpec("sgd", 50.0), fit=FitSpec(epochs=30, batch_size=32))
    for path in ("fast", "fit"):
        r = engine.run(spec.with_path(path))
        assert r.diverged
        assert r.epochs_run < 30  # stopped early instead of drawing NaN for every epoch


def test_pool_reuses_traced_models():
    from dataclasses import replace

    engine.run(SMALL)
    before, takes = engine.pool_size(), engine.POOL.takes
    engine.run(replace(SMALL, optimizer=OptimizerSpec("adam", 0.02), fit=replace(SMALL.fit, seed=9)))
    assert engine.POOL.takes == takes + 1 and engine.pool_size() == before  # taken from the pool and given back


def test_epoch_orders_are_permutations():
    orders = engine.epoch_orders(10, 3, seed=1)
    assert orders.shape == (3, 10)
    for row in orders:
        assert sorted(row) == list(range(10))
    np.testing.assert_array_equal(orders, engine.epoch_orders(10, 3, seed=1))


def test_cpu_fallback_when_no_gpu():
    info = detect(gpus=[])
    assert info.kind == "CPU" and info.name == "/CPU:0" and info.count == 0


def test_gpu_detected_uses_first_gpu(monkeypatch):
    import tensorflow as tf

    calls = []
    monkeypatch.setattr(tf.config.experimental, "set_memory_growth", lambda gpu, on: calls.append((gpu, on)))
    monkeypatch.setattr(tf.config.experimental, "get_device_details", lambda gpu: {"device_name": "Test GPU"})
    info = detect(gpus=["gpu0", "gpu1"])
    assert info.kind == "GPU" and info.name == "/GPU:0" and info.count == 2
    assert "Test GPU" in info.label
    assert calls == [("gpu0", True), ("gpu1", True)]  # memory growth on every GPU


def test_gate_capacity_from_environment():
    assert default_capacity(0, {}) == 2
    assert default_capacity(1, {}) == 1
    assert default_capacity(4, {}) == 4
    assert default_capacity(0, {"COURSE_MAX_JOBS": "3"}) == 3
    assert default_capacity(0, {"COURSE_MAX_JOBS": "zero"}) == 2
    assert default_capacity(0, {"COURSE_MAX_JOBS": "-1"}) == 2


def test_gate_bounds_concurrency_and_reports_place():
    gate = Gate(1)
    peak, running, places = [0], [0], []
    lock = threading.Lock()

    def job(i):
        with gate.slot(on_wait=lambda place: places.append((i, place)), poll=0.01):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=job, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
        time.sleep(0.005)
    for th in threads:
        th.join()
    assert peak[0] == 1
    assert places and all(place >= 1 for _, place in places)
    assert max(place for _, place in places) >= 2  # someone waited behind another waiter
    assert gate.running() == 0 and gate.waiting() == 0


def test_engine_reports_epochs_to_callback():
    seen = []
    engine.run(SMALL, on_epoch=lambda kind, payload: seen.append((kind, payload)))
    progress = [(p.done, p.total, p.unit) for k, p in seen if k == "progress"]
    assert progress == [(1, 4, "epoch"), (2, 4, "epoch"), (3, 4, "epoch"), (4, 4, "epoch")]


def test_a_run_waiting_for_the_gate_reports_its_place():
    """When every slot is busy, the learner's run reports its place in the queue, then trains."""
    release = threading.Event()
    holding = threading.Barrier(engine.GATE.capacity + 1)

    def hold():
        with engine.GATE.slot():
            holding.wait()
            release.wait(10)

    holders = [threading.Thread(target=hold) for _ in range(engine.GATE.capacity)]
    for th in holders:
        th.start()
    holding.wait()
    events = []
    runner = threading.Thread(target=lambda: engine.run(SMALL, on_epoch=lambda k, p: events.append((k, p))))
    runner.start()
    deadline = time.time() + 10
    while not events and time.time() < deadline:
        time.sleep(0.01)
    assert events[0] == ("queued", 1)
    release.set()
    runner.join(30)
    for th in holders:
        th.join()
    assert [k for k, _ in events].count("progress") == 4


def test_dropout_masks_repeat_on_a_pooled_model():
    """A pooled model must draw the same dropout masks for the same spec every time."""
    from lib.core.specs import LayerSpec, ModelSpec

    spec = RunSpec(data=DataSpec("moons", n_samples=200, seed=1),
                   model=ModelSpec(layers=(LayerSpec(units=16), LayerSpec(kind="dropout", rate=0.5)), seed=2),
                   fit=FitSpec(epochs=3, batch_size=16))
    first, second = engine.run(spec), engine.run(spec)
    assert first.history == second.history
