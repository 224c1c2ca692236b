"""Speed of the regression lesson: the Advertising fit and the page's redraw.

Default lesson settings (3 features, Normalization, Dense(10, relu) -> Dense(1),
Adam 0.1, 50 epochs, batch 32, 128 training rows). Prints:

* the course's way: build, compile, fit, evaluate, predict a new model each time;
* ``lib.lessons.regression.training.train`` cold (pool emptied: traces its model) and warm
  (a new learning rate each run: a pooled model whose training step is traced);
* the cheap parts a slider move redraws without training (split, first batch,
  least squares), and a cache-hit rerun of the whole page through AppTest.

Run: ``python tests/bench/bench_regression.py``. Numbers depend on the machine's load,
which is printed first.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import warnings  # noqa: E402

warnings.filterwarnings("ignore")  # Keras' "shuffle=True ignored for a tf.data.Dataset" notice

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from lib.core import engine  # noqa: E402
from lib.core.device import DEVICE  # noqa: E402
from lib.core.specs import OptimizerSpec  # noqa: E402
from lib.lessons.regression import evaluation, lab, training  # noqa: E402

SPEC = lab.RegressionSpec()
REPEATS = 4
RATES = (0.1, 0.03, 0.01, 0.3, 0.003, 1.0)


def course_way(spec: lab.RegressionSpec) -> float:
    """A fresh model per run, as a notebook (and the code panel) does it."""
    s = lab.split(spec.data)
    start = time.perf_counter()
    normalizer = keras.layers.Normalization()
    normalizer.adapt(s.x_train)
    model = keras.Sequential([
        keras.Input(shape=(3,)),
        normalizer,
        keras.layers.Dense(10, activation="relu", kernel_initializer=keras.initializers.GlorotUniform(seed=42)),
        keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed=43)),
    ])
    model.compile(loss="mean_squared_error", optimizer=keras.optimizers.Adam(learning_rate=spec.optimizer.lr))
    train_ds = lab.train_dataset(s.x_train, s.y_train, spec.data)
    val_ds = tf.data.Dataset.from_tensor_slices((s.x_val, s.y_val)).batch(spec.data.batch_size)
    model.fit(train_ds, validation_data=val_ds, epochs=spec.epochs, verbose=0)
    model.evaluate(s.x_test, s.y_test, verbose=0)
    model.predict(s.x_test, verbose=0)
    return time.perf_counter() - start


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def with_rate(rate: float) -> lab.RegressionSpec:
    return replace(SPEC, optimizer=OptimizerSpec("adam", rate))


def page_rerun_ms() -> tuple[float, float]:
    """(first page run incl. training, median cache-hit rerun) in ms, through the real entry point."""
    from tests.apptest import open_page

    start = time.perf_counter()
    at = open_page("regression", "en")
    first = (time.perf_counter() - start) * 1000
    reruns = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        at.run()
        reruns.append((time.perf_counter() - start) * 1000)
    assert not at.exception
    return first, statistics.median(reruns)


def line(name: str, seconds: list[float]) -> None:
    print(f"{name:44s} median {statistics.median(seconds):6.3f} s   min {min(seconds):6.3f} s")


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"device: {DEVICE.label}; load average {load:.1f}; {REPEATS} runs each (median, min)")
    print(f"settings: {SPEC.epochs} epochs x {lab.split(SPEC.data).x_train.shape[0] // 32} batches of 32, "
          "validation every epoch")
    course_way(SPEC)  # TensorFlow's own first-use costs, outside the timings
    training.train(SPEC)
    course, cold, warm = [], [], []
    for i in range(REPEATS):  # interleaved, so a burst of load on a shared machine hits all three alike
        course.append(course_way(SPEC))
        engine.POOL.clear()
        cold.append(timed(training.train, with_rate(RATES[i % len(RATES)])))
        warm.append(timed(training.train, with_rate(RATES[(i + 1) % len(RATES)])))
    line("course way: new model, fit, evaluate, predict", course)
    line("training.train cold (pool empty: traces)", cold)
    line("training.train warm (pooled, new learning rate)", warm)
    result = training.train(SPEC)
    ols = evaluation.least_squares(SPEC.data)
    print(f"default run: test MSE {result.test_mse:.4f} vs least squares {ols.scores.mse:.4f}; "
          f"fit alone {sum(result.epoch_seconds):.3f} s of {result.seconds:.3f} s")

    def redraw(seed: int) -> None:  # what a move of the split sliders recomputes before training
        spec = replace(SPEC.data, seed=seed)
        lab.split(spec)
        lab.batch_demo(spec)
        evaluation.least_squares(spec)

    line("split + first batch + least squares (new seed)", [timed(redraw, 90 + i) for i in range(REPEATS)])
    first, rerun = page_rerun_ms()
    print(f"page through AppTest: first run {first:.0f} ms (trains if not cached); cache-hit rerun {rerun:.0f} ms")


if __name__ == "__main__":
    main()
