"""Speed of the training page ("How training works").

Prints, in milliseconds or seconds:
* the forward/backward/update of the 2-2-1 network (what a slider move in sections 1-2 costs on a miss),
* gradient descent on the 1-D curve (section 4) for 15 and 50 steps,
* the model.fit check of section 3 (``lab.run_batches``: a model from the engine's pool, keyed by its
  steps per graph call, so only a key's first run builds and traces) with steps_per_execution, next to a
  plain fit without it, and at the live cap of ``MAX_FIT_ITERATIONS`` steps,
* the figure builders, and a whole page rerun in AppTest after moving the first slider.

Run: ``python tests/bench/bench_training.py``.
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

from lib.lessons.training import figures as figs  # noqa: E402
from lib.lessons.training import lab  # noqa: E402

REPEATS = 5


def ms(fn, repeats: int = REPEATS) -> float:
    """Median wall time of ``fn()`` in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def plain_fit(spec: lab.BatchSpec) -> float:
    """The same fit without steps_per_execution (one Python round trip per step)."""
    x, y = lab.batch_data(spec)
    start = time.perf_counter()
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy")
    model.fit(x, y, batch_size=spec.batch_size, epochs=spec.epochs, shuffle=False, verbose=0)
    return time.perf_counter() - start


def page_rerun_ms() -> tuple[float, float]:
    """(first page load, median rerun after moving the first slider) in AppTest, milliseconds."""
    from tests.apptest import open_page

    start = time.perf_counter()
    at = open_page("training", "en")
    first = (time.perf_counter() - start) * 1000
    values = [0.1 * k for k in range(-10, 11)]  # a fresh value each time: the forward pass is a cache miss
    times = []
    for value in values[:REPEATS * 2]:
        start = time.perf_counter()
        at.slider(key="x1").set_value(round(value, 1)).run()
        times.append((time.perf_counter() - start) * 1000)
    assert not at.exception
    return first, statistics.median(times)


def main() -> None:
    print(f"TensorFlow/Keras {keras.__version__}, {os.cpu_count()} CPU cores")
    lab.forward_backward(lab.NetSpec())  # warm-up: TensorFlow kernels
    specs = iter([lab.NetSpec(x1=round(0.1 * k - 1, 1)) for k in range(REPEATS)])
    print(f"forward + tape + update (2-2-1 network): {ms(lambda: lab.forward_backward(next(specs))):7.1f} ms")
    for steps in (15, 50):
        print(f"gradient descent, {steps:2d} Keras SGD steps:     "
              f"{ms(lambda s=steps: lab.descend(lab.DescentSpec(steps=s))):7.1f} ms")

    ws, losses = lab.loss_curve(*lab.W0_RANGE)
    run = lab.descend(lab.DescentSpec(lr=0.8, steps=50))
    labels = {"epoch": "epoch {epoch}", "full": "f", "last": "l", "x": "x", "more": "+{count}",
              "hover": "{batch} {start} {stop} {size} {iteration}"}
    net_labels = {n: n for n, *_ in figs.EDGES}
    curve_labels = dict.fromkeys(["curve", "path", "start", "end", "w", "loss", "step", "escaped"], "")
    network = ms(lambda: figs.network_figure(net_labels, {}, dict.fromkeys(figs.NODES, ""), {}, "L"))
    batches = ms(lambda: figs.batches_figure(1000, 30, 5, labels))
    many = ms(lambda: figs.batches_figure(5000, 1, 20, labels))
    descent = ms(lambda: figs.descent_figure(ws, losses, run.path_w, run.path_loss, curve_labels))
    print(f"figures: network {network:.1f} ms, batches 1000/30 {batches:.1f} ms, batches 5000/1 {many:.1f} ms, "
          f"descent {descent:.1f} ms")

    print("model.fit check (median of 3 seeds; the pool reuses the traced model after the first):")
    lab.run_batches(lab.BatchSpec(n=100, batch_size=10, epochs=1))  # warm-up
    for n, b, e in ((1000, 100, 5), (1000, 10, 20), (5000, 5, 20)):
        spec = lab.BatchSpec(n=n, batch_size=b, epochs=e)
        times = [lab.run_batches(lab.BatchSpec(n=n, batch_size=b, epochs=e, seed=s)).seconds for s in range(3)]
        line = f"  n={n:5d} b={b:3d} epochs={e:2d} ({spec.total:6d} steps): {statistics.median(times):5.2f} s"
        if spec.total <= 2000:
            line += f"   plain fit without steps_per_execution: {plain_fit(spec):5.2f} s"
        print(line)

    first, rerun = page_rerun_ms()
    print(f"AppTest: open the page {first:7.0f} ms (includes the fit check), rerun after moving x1: {rerun:5.0f} ms")


if __name__ == "__main__":
    main()
