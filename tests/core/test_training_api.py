"""The one training API: jobs on the gate, pooled model sessions, honest progress."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lib.core import engine
from lib.core.progress import Progress, part, report_progress
from lib.core.progress_callback import ProgressCallback

# TensorFlow results against NumPy, the shown code and each other: run again with oneDNN off in CI.
pytestmark = pytest.mark.numerics

X = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
Y = (X.sum(axis=1, keepdims=True) > 0).astype("float32")


def _build(lr: float = 0.05, seed: int = 7, dropout: float = 0.5):
    def build() -> keras.Model:
        model = keras.Sequential([
            keras.Input(shape=(3,)),
            keras.layers.Dense(8, activation="relu", kernel_initializer=keras.initializers.GlorotUniform(seed)),
            keras.layers.Dropout(dropout, seed=seed),
            keras.layers.Dense(1, activation="sigmoid", kernel_initializer=keras.initializers.GlorotUniform(seed + 1)),
        ])
        model.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy")
        return model

    return build


def _fit(lr: float = 0.05, seed: int = 7, report=None) -> list[float]:
    with engine.model_session(("test", "api", 3, 8), _build(lr, seed), report) as pooled:
        hist = pooled.model.fit(X, Y, epochs=3, batch_size=16, shuffle=False, verbose=0,
                                callbacks=[ProgressCallback(report)])
        return [float(v) for v in hist.history["loss"]]


def test_job_holds_one_slot_and_is_reentrant():
    before = engine.GATE.admitted
    with engine.job():
        assert engine.GATE.running() >= 1
        with engine.job():  # nested: no second slot, so it cannot wait for itself
            pass
    assert engine.GATE.admitted == before + 1


def test_a_session_reuses_the_pooled_model_and_starts_it_fresh():
    takes = engine.POOL.takes
    first, second = _fit(), _fit()
    assert engine.POOL.takes == takes + 2
    assert first == second  # same weights, same dropout masks, fresh optimizer
    fresh = _build()()  # an unpooled model, trained the same way
    direct = fresh.fit(X, Y, epochs=3, batch_size=16, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(first, direct, rtol=1e-5)


def test_a_session_takes_the_learning_rate_of_its_build():
    _fit(lr=0.05)
    with engine.model_session(("test", "api", 3, 8), _build(lr=0.2)) as pooled:
        assert float(keras.ops.convert_to_numpy(pooled.optimizer.learning_rate)) == pytest.approx(0.2)
    with engine.model_session(("test", "api", 3, 8), _build(lr=0.2), learning_rate=0.01) as pooled:
        assert float(keras.ops.convert_to_numpy(pooled.optimizer.learning_rate)) == pytest.approx(0.01)


def test_progress_counts_epochs_of_the_job():
    seen = []
    _fit(report=lambda kind, payload: seen.append(payload))
    progress = [p for p in seen if isinstance(p, Progress)]
    assert [(p.done, p.total, p.unit) for p in progress] == [(1, 3, "epoch"), (2, 3, "epoch"), (3, 3, "epoch")]
    assert progress[-1].fraction == 1.0 and "loss" in progress[-1].logs


def test_parts_of_a_job_add_up():
    seen = []
    report = lambda kind, payload: seen.append((kind, payload))  # noqa: E731
    for i, name in enumerate(("relu", "sigmoid")):
        sub = part(report, offset=3 * i, total=6, prefix=f"{name} ")
        for epoch in range(3):
            report_progress(sub, epoch + 1, 3, {"loss": 1.0})
    sub("queued", 2)
    assert [(p.done, p.total) for k, p in seen if k == "progress"] == [(i, 6) for i in range(1, 7)]
    assert list(seen[3][1].logs) == ["sigmoid loss"]
    assert seen[-1] == ("queued", 2)
    with pytest.raises(ValueError):
        Progress(1, 2, "fortnight")


def test_run_lets_a_lesson_use_the_trained_model():
    from lib.core.specs import DataSpec, FitSpec, RunSpec, dense_stack

    spec = RunSpec(data=DataSpec("moons", n_samples=120), model=dense_stack((4,)), fit=FitSpec(epochs=2, path="fit"))
    result = engine.run(spec, use=lambda model: model.count_params())
    assert result.used == result.param_count
    per_batch = engine.run(spec, per_batch=True)
    assert per_batch.history == result.history  # one step per graph call: the same numbers


def test_light_work_borrows_from_its_own_pool_outside_the_gate():
    admitted, takes, light = engine.GATE.admitted, engine.POOL.takes, engine.LIGHT.takes
    built = []
    for _ in range(2):
        with engine.borrowed(("test", "light"), lambda: built.append(1) or object()) as helper:
            assert helper is not None
    assert built == [1]  # built once, then reused
    assert engine.LIGHT.takes == light + 2
    assert (engine.GATE.admitted, engine.POOL.takes) == (admitted, takes)  # not a training job


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_the_code_for_an_optimizer_builds_the_same_optimizer(name):
    from lib.core.models import build_optimizer, optimizer_call
    from lib.core.specs import OptimizerSpec

    spec = OptimizerSpec(name, 0.05, momentum=0.8)
    shown = eval(optimizer_call(spec), {"keras": keras})  # noqa: S307  (our own generated code)
    config, built = shown.get_config(), build_optimizer(spec).get_config()
    assert {k: v for k, v in config.items() if k != "name"} == {k: v for k, v in built.items() if k != "name"}
