"""Speed of the training engine on the issue's reference experiment.

sklearn digits, MLP 64-64-10, 20 epochs, batch 32, validation 0.2, RMSprop.
Prints plain ``model.fit`` beside the engine's two paths (warm: a new spec each
time, i.e. a slider change, including model build and weight init), and a
cache hit through ``lib.core.ui.train``. Run: ``python tests/bench/bench_engine.py``.
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

import keras  # noqa: E402

from lib.core import engine  # noqa: E402
from lib.core.specs import DataSpec, FitSpec, RunSpec, dense_stack  # noqa: E402

SPEC = RunSpec(data=DataSpec("digits"), model=dense_stack((64, 64)), fit=FitSpec(epochs=20, batch_size=32))
REPEATS = 5


def plain_fit(seed: int) -> float:
    """What a notebook does: build, compile, fit on numpy arrays."""
    s, _ = engine.split(SPEC)
    start = time.perf_counter()
    model = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    keras.utils.set_random_seed(seed)
    model.fit(s.x_train, s.y_train, epochs=20, batch_size=32, validation_data=(s.x_val, s.y_val), verbose=0)
    return time.perf_counter() - start


def engine_run(path: str, seed: int) -> tuple[float, float]:
    spec = replace(SPEC.with_path(path), model=dense_stack((64, 64), seed=seed))
    start = time.perf_counter()
    result = engine.run(spec)
    return time.perf_counter() - start, result.history["val_accuracy"][-1]


def cache_hit_ms() -> tuple[float, float]:
    """(ui.train on a hit, the whole AppTest script run) in milliseconds, medians."""
    from streamlit.testing.v1 import AppTest

    def script():
        import time

        import streamlit as st

        from lib.core import ui
        from lib.core.specs import DataSpec, FitSpec, RunSpec, dense_stack

        start = time.perf_counter()
        ui.train(RunSpec(data=DataSpec("digits"), model=dense_stack((64, 64)), fit=FitSpec(epochs=20)))
        st.text(f"{(time.perf_counter() - start) * 1000:.3f}")

    at = AppTest.from_function(script, default_timeout=120)
    at.run()  # miss: trains
    inner, whole = [], []
    for _ in range(REPEATS):
        start = time.perf_counter()
        at.run()  # hit
        whole.append((time.perf_counter() - start) * 1000)
        inner.append(float(at.text[0].value))
    return statistics.median(inner), statistics.median(whole)


def main() -> None:
    print(f"device: {engine.DEVICE.label}; {REPEATS} warm runs each, new seed every run (median, min)")
    plain_fit(0)
    plain = [plain_fit(i + 1) for i in range(REPEATS)]
    for path in ("fast", "fit"):
        engine_run(path, 0)  # first trace of this structure
    fast = [engine_run("fast", i + 1) for i in range(REPEATS)]
    fit = [engine_run("fit", i + 1) for i in range(REPEATS)]
    rows = [("plain model.fit (numpy)", plain), ("engine fit path", [t for t, _ in fit]),
            ("engine fast path", [t for t, _ in fast])]
    for name, ts in rows:
        print(f"{name:26s} median {statistics.median(ts):6.3f} s   min {min(ts):6.3f} s")
    print(f"val accuracy after 20 epochs: fast {fast[-1][1]:.4f}, fit {fit[-1][1]:.4f} (same seed: equal)")
    inner, whole = cache_hit_ms()
    print(f"cache hit: ui.train {inner:.1f} ms; whole AppTest rerun incl. harness {whole:.0f} ms")


if __name__ == "__main__":
    main()
