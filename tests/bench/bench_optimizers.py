"""Speed of the optimizers page ("Optimizers compared").

Prints:
* the surface paths: 6 real Keras optimizers × 200 steps (traced loops, warm) plus the two figures,
  with a new learning rate every time (a cache miss, what a slider move costs); target ≤ 0.5 s,
* the race: 6 optimizers × 50 epochs on the 2-D toy set (moons, 400 samples, 16-16 MLP, batch 32)
  through the engine, warm (pooled, already traced models, new learning rates); target ≤ 3 s,
* the learning-rate comparison (3 × model.fit with TerminateOnNaN, 30 epochs), warm,
* a whole page in AppTest: first open, and a rerun after moving the first slider.

Run: ``python tests/bench/bench_optimizers.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("COURSE_OFFLINE", "1")

from lib.core.specs import DEFAULT_LR, OPTIMIZERS  # noqa: E402
from lib.lessons.optimizers import figures as figs  # noqa: E402
from lib.lessons.optimizers import (
    lab,  # noqa: E402
    race,  # noqa: E402
)

REPEATS = 5
LABELS = {"x": "x", "y": "y", "start": "s", "minimum": "m", "step": "step", "diverged": "d"}


def surface_redraw(surface: str, shift: float) -> float:
    """Seconds for 6 optimizers × 200 steps on ``surface`` plus both figures, learning rates shifted by ``shift``."""
    start = time.perf_counter()
    walks = {}
    for name in OPTIMIZERS:
        lr = lab.lr_from_exponent(lab.SURFACE_LR_EXPONENT[name] + shift)
        spec = lab.PathSpec(surface, lab.optimizer_spec(name, lr), lab.SURFACES[surface].start, 200)
        walks[name] = lab.run_path(spec)
    xs, ys, zs = lab.surface_grid(surface)
    figs.surface_figure(xs, ys, zs, [{"key": n, "label": n, "positions": w.positions} for n, w in walks.items()],
                        lab.SURFACES[surface].minima, 200, LABELS)
    figs.loss_steps_figure([{"key": n, "label": n, "losses": w.losses, "diverged": False} for n, w in walks.items()],
                           LABELS, at_step=200)
    return time.perf_counter() - start


def race_seconds(spec: race.RaceSpec, factor: float) -> tuple[float, float]:
    """(wall seconds, sum of the engine's own timings) for one race with every rate scaled by ``factor``."""
    start = time.perf_counter()
    engine_time = 0.0
    optimizers = tuple(race.race_optimizers({n: (DEFAULT_LR[n] * factor, 0.9) for n in OPTIMIZERS}))
    for result in race.run_race(race.Race(spec, optimizers)).values():  # one job, as the page runs it
        engine_time += result.seconds
    return time.perf_counter() - start, engine_time


def rates_seconds(factor: float) -> float:
    start = time.perf_counter()
    for lr in (0.001, 0.01, 1.5):
        race.run_rate(race.RateSpec(lab.optimizer_spec("sgd", lr * factor), epochs=30))
    return time.perf_counter() - start


def page_ms() -> tuple[float, float]:
    """(first open, median rerun after moving the first slider, sf_steps) in AppTest, milliseconds."""
    from tests.apptest import open_page

    start = time.perf_counter()
    at = open_page("optimizers", "en")
    first = (time.perf_counter() - start) * 1000
    times = []
    for steps in range(210, 210 + 10 * REPEATS, 10):  # a new step count each time: six walks recomputed
        start = time.perf_counter()
        at.slider(key="sf_steps").set_value(steps).run()
        times.append((time.perf_counter() - start) * 1000)
    assert not at.exception
    return first, statistics.median(times)


def main() -> None:
    import keras

    print(f"Keras {keras.__version__}, {os.cpu_count()} CPU cores")
    for surface in lab.SURFACE_NAMES:
        cold = surface_redraw(surface, 0.0)  # traces the six loops for this surface
        warm = [surface_redraw(surface, 0.05 * (k + 1)) for k in range(REPEATS)]
        print(f"surface paths, {surface:10s} 6 optimizers × 200 steps + figures: first {cold:5.2f} s, "
              f"warm median {statistics.median(warm):5.3f} s (max {max(warm):5.3f})  [target ≤ 0.5 s]")

    spec = race.RaceSpec(data="moons", samples=400, layers=2, units=16, epochs=50, batch_size=32)
    cold, _ = race_seconds(spec, 1.0)  # traces one model per optimizer
    warm = [race_seconds(spec, 1.0 + 0.1 * (k + 1)) for k in range(3)]
    print(f"race, moons 400 samples, 6 optimizers × 50 epochs: first {cold:5.2f} s, warm median "
          f"{statistics.median(w for w, _ in warm):5.2f} s (engine time {statistics.median(e for _, e in warm):5.2f} s)"
          "  [target ≤ 3 s]")

    cold = rates_seconds(1.0)
    warm = [rates_seconds(1.0 + 0.1 * (k + 1)) for k in range(3)]
    print(f"learning-rate comparison, 3 × model.fit 30 epochs + TerminateOnNaN: first {cold:5.2f} s, "
          f"warm median {statistics.median(warm):5.2f} s")

    first, rerun = page_ms()
    print(f"AppTest: open the page {first:7.0f} ms (race cached from above), "
          f"rerun after moving sf_steps: {rerun:5.0f} ms")


if __name__ == "__main__":
    main()
