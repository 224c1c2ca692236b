"""Speed and accuracy of the layer-design page ("Layer design on Fashion-MNIST").

Prints:
* time per epoch for the course's model (Flatten → Dense(100, relu) → Dense(10, softmax),
  RMSprop, batch 32) on the full 48,000-image training split: through the engine
  (``lib.lessons.design.lab.train_design``, cold and warm) next to plain ``model.fit`` in one run
  (the issue's target: engine ≤ 1.1 × plain fit),
* the validation accuracy after 5 epochs for ReLU and for sigmoid on the full split
  (the course reports about 0.87–0.88),
* the page's default experiments on this machine's default subsample, and one AppTest rerun
  after moving the first slider.

Run: ``python tests/bench/bench_design.py`` (about two minutes on 2 CPU cores).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from lib.lessons.design import compare as sr  # noqa: E402
from lib.lessons.design import lab  # noqa: E402

EPOCHS = 5


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.times.append(time.perf_counter() - self.start)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.times: list[float] = []


def plain_fit(fd: lab.FashionData) -> tuple[float, float, list[float]]:
    """The course's notebook: build, compile with the default optimizer, fit on numpy arrays."""
    start = time.perf_counter()
    model = keras.Sequential([
        keras.Input(shape=fd.image_shape),
        keras.layers.Flatten(),
        keras.layers.Dense(100, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # RMSprop by default
    timer = EpochTimer()
    history = model.fit(fd.x_train, fd.y_train, epochs=EPOCHS, validation_data=(fd.x_val, fd.y_val), verbose=0,
                        callbacks=[timer])
    return time.perf_counter() - start, history.history["val_accuracy"][-1], timer.times


def engine_run(fd: lab.FashionData, activation: str, seed: int) -> tuple[float, float, list[float]]:
    times: list[float] = []
    last = [time.perf_counter()]

    def report(kind: str, payload: object) -> None:
        if kind == "progress":  # one event per epoch
            now = time.perf_counter()
            times.append(now - last[0])
            last[0] = now

    spec = lab.DesignSpec(images=lab.TOTAL_IMAGES, hidden=(lab.Hidden(100, activation),), epochs=EPOCHS, seed=seed)
    start = time.perf_counter()
    last[0] = start
    result = lab.train_design(spec, report)
    return time.perf_counter() - start, result.history["val_accuracy"][-1], times


def page_rerun_ms() -> tuple[float, float]:
    """(first page load, rerun after moving the first slider) in AppTest, milliseconds."""
    from tests.apptest import open_page

    start = time.perf_counter()
    at = open_page("design", "en")
    first = (time.perf_counter() - start) * 1000
    at.slider(key="fm_example").set_value(2)
    start = time.perf_counter()
    at.run()
    return first, (time.perf_counter() - start) * 1000


def main() -> None:
    print(f"device: {lab.DEVICE.label}")
    start = time.perf_counter()
    fd = lab.fashion_split(lab.TOTAL_IMAGES)
    print(f"full split {fd.x_train.shape[0]:,} / {fd.x_val.shape[0]:,} images from {fd.source} "
          f"in {time.perf_counter() - start:.1f} s")

    plain_total, plain_acc, plain_epochs = plain_fit(fd)
    cold_total, _, cold_epochs = engine_run(fd, "relu", 0)
    warm_total, relu_acc, warm_epochs = engine_run(fd, "relu", 1)
    plain_ep, warm_ep = statistics.median(plain_epochs), statistics.median(warm_epochs)
    print(f"\nCourse model, 48,000 images, batch 32, {EPOCHS} epochs (seconds):")
    print(f"  plain model.fit          total {plain_total:6.2f}   per epoch median {plain_ep:5.2f}"
          f"   first epoch {plain_epochs[0]:5.2f}")
    print(f"  engine, cold (traces)    total {cold_total:6.2f}   per epoch median "
          f"{statistics.median(cold_epochs):5.2f}   first epoch {cold_epochs[0]:5.2f}")
    print(f"  engine, warm (new seed)  total {warm_total:6.2f}   per epoch median {warm_ep:5.2f}"
          f"   first epoch {warm_epochs[0]:5.2f}")
    print(f"  engine ÷ plain fit per epoch: {warm_ep / plain_ep:.2f}×  (target ≤ 1.1×); "
          f"whole cold run ÷ plain run: {cold_total / plain_total:.2f}×")

    _, sigmoid_acc, _ = engine_run(fd, "sigmoid", 0)
    _, relu0_acc, _ = engine_run(fd, "relu", 0)
    print(f"\nValidation accuracy after {EPOCHS} epochs, RMSprop (course: about 0.87–0.88):")
    print(f"  relu    seed 0 {relu0_acc:.4f}   seed 1 {relu_acc:.4f}   (plain fit, unseeded: {plain_acc:.4f})")
    print(f"  sigmoid seed 0 {sigmoid_acc:.4f}")

    print(f"\nPage defaults on this machine ({lab.DEFAULT_IMAGES:,} images):")
    start = time.perf_counter()
    lab.train_design(lab.DesignSpec(seed=7))
    print(f"  designer run (warm structure)            {time.perf_counter() - start:5.2f} s")
    start = time.perf_counter()
    sr.run_compare(sr.CompareSpec(seeds=3))
    print(f"  sigmoid vs ReLU, 3 seeds (6 runs)         {time.perf_counter() - start:5.2f} s")
    start = time.perf_counter()
    sr.layer_gradients(sr.GradientSpec(), lab.fashion_split(lab.DEFAULT_IMAGES))
    print(f"  per-layer gradients, depth 8              {time.perf_counter() - start:5.2f} s")
    first, moved = page_rerun_ms()
    print(f"  AppTest: first page load {first:.0f} ms (trains its default runs); "
          f"first slider moved: rerun {moved:.0f} ms")


if __name__ == "__main__":
    main()
