"""Speed of the layers page ("Layers and models").

Prints:
* SimpleDense created and called twice (section 1) at the course's size and at the sliders' maximum:
  what a move of the page's first slider costs on a cache miss,
* the three Sequential styles + MySequential check (section 2),
* one side of the compile comparison (section 3: build, compile, fit 5 epochs, evaluate, predict),
  cold (first trace in the process), warm, and pooled (``engine.model_session`` reuses the traced model),
* the functional models (section 4): building them for the diagrams, and the brief training runs at the
  small sizes (page default 256 samples, 2 epochs) and at the course's sizes (1 epoch),
* a whole page in AppTest: first load (trains section 3) and a rerun after moving the first slider.

Run: ``python tests/bench/bench_layers.py`` (about a minute on 2 CPU cores).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from lib.lessons.layers import compiling as cmp  # noqa: E402
from lib.lessons.layers import functional as fn  # noqa: E402
from lib.lessons.layers import lab  # noqa: E402

REPEATS = 5


def ms(make, repeats: int = REPEATS) -> float:
    """Median wall time in milliseconds of ``make(i)`` for i = 0..repeats-1."""
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        make(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def seconds(make) -> float:
    start = time.perf_counter()
    make()
    return time.perf_counter() - start


def page_times() -> tuple[float, float]:
    """(first page load, median rerun after moving the first slider) in AppTest, milliseconds."""
    from tests.apptest import open_page

    start = time.perf_counter()
    at = open_page("layers", "en")
    first = (time.perf_counter() - start) * 1000
    times = []
    for value in range(129, 129 + 2 * REPEATS):  # a new batch size each time: a cache miss in section 1
        start = time.perf_counter()
        at.slider(key="sd_batch").set_value(value).run()
        times.append((time.perf_counter() - start) * 1000)
    assert not at.exception
    return first, statistics.median(times)


def main() -> None:
    import keras

    from lib.core.device import DEVICE

    print(f"device: {DEVICE.label}; Keras {keras.__version__}; {os.cpu_count()} CPU cores")
    lab.anatomy(lab.DenseSpec(batch=2, features=3, units=4))  # warm-up: kernels, Keras internals

    print("\nSection 1, SimpleDense created + called twice (median ms):")
    print(f"  course size 128×784 → 512        {ms(lambda i: lab.anatomy(lab.DenseSpec(batch=128 + i))):7.1f}")
    biggest = lab.DenseSpec(batch=1024, features=2048, units=2048)
    print(f"  slider maximum 1024×2048 → 2048  {ms(lambda i: lab.anatomy(biggest), 3):7.1f}")

    print("\nSection 2, three styles + MySequential check (median ms):")
    print(f"  784 → Dense(100) → Dense(10)     {ms(lambda i: lab.sequential_models(lab.SeqSpec(units=100 + i))):7.1f}")

    print("\nSection 3, one compile side (digits, 5 epochs, fit + evaluate + predict) (s):")
    print(f"  strings, cold                    {seconds(lambda: cmp.train_compiled(cmp.CompileSpec())):7.2f}")
    print(f"  objects, warm                    "
          f"{seconds(lambda: cmp.train_compiled(cmp.CompileSpec(form='object', learning_rate=0.01))):7.2f}")
    print(f"  objects, own loss and metric     "
          f"{seconds(lambda: cmp.train_compiled(cmp.CompileSpec(form='object', loss='custom', metric='custom'))):7.2f}")
    print(f"  objects, pooled (new rate, seed) "
          f"{seconds(lambda: cmp.train_compiled(cmp.CompileSpec(form='object', learning_rate=0.1, seed=1))):7.2f}")

    print("\nSection 4, functional API (s):")
    for scale in fn.SCALES:
        print(f"  build both for the diagrams, {scale:6s} "
              f"{seconds(lambda s=scale: (fn.describe_multi_input(s), fn.describe_multi_output(s))):7.2f}")
    small = fn.FunctionalSpec()
    print(f"  multi-input  train, small 256×2   {seconds(lambda: fn.train_multi_input(small)):7.2f}")
    print(f"  multi-output train, small 256×2   {seconds(lambda: fn.train_multi_output(small)):7.2f}")
    course = fn.FunctionalSpec(scale="course", epochs=1)
    print(f"  multi-input  train, course 256×1  {seconds(lambda: fn.train_multi_input(course)):7.2f}")
    print(f"  multi-output train, course 256×1  {seconds(lambda: fn.train_multi_output(course)):7.2f}")

    first, rerun = page_times()
    print("\nAppTest, whole page (Streamlit's cache starts empty, so the first load trains section 3's two runs):")
    print(f"  first page load {first:7.0f} ms; rerun after moving the first slider {rerun:5.0f} ms (median)")


if __name__ == "__main__":
    main()
