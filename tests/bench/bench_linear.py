"""Speed of the linear-classifier lesson: what a slider move costs.

The issue's target: a slider change redraws in at most 0.3 s (warm) for the default
2000 points x 40 steps. Prints, as median and min over several slider moves:

* ``lab.train`` alone for a new seed (new data, new random start, 40 eager steps);
* building the page's figures;
* the whole page script after a slider move, timed inside the script (what the
  server spends), for a move that trains (the seed: two runs, main and comparison)
  and for the step scrubber (both runs cached);
* the same moves as AppTest wall time, which adds the test harness's own overhead.

Run: ``python tests/bench/bench_linear.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from lib.core.device import DEVICE  # noqa: E402
from lib.lessons.linear import figures as figs  # noqa: E402
from lib.lessons.linear import lab  # noqa: E402

REPEATS = 7


def _summary(name: str, seconds: list[float]) -> str:
    return f"{name:44s} median {statistics.median(seconds) * 1000:6.1f} ms   min {min(seconds) * 1000:6.1f} ms"


def train_times() -> list[float]:
    lab.train(lab.LinearSpec())  # first eager run: kernels and the fresh-graph seed path warm up
    out = []
    for seed in range(1, REPEATS + 1):
        start = time.perf_counter()
        lab.train(lab.LinearSpec(seed=seed))  # a new seed: new points, new start, 40 steps
        out.append(time.perf_counter() - start)
    return out


def figure_times() -> list[float]:
    run = lab.train(lab.LinearSpec())
    inputs, targets = lab.dataset(run.spec)
    box = lab.plot_box(inputs)
    labels = dict(neg="0", pos="1", x="x1", y="x2", line="line", region="region", play="play", frame="step {step}")
    axes = {"x": "step", "y": "loss"}
    out = []
    for k in range(REPEATS + 1):
        start = time.perf_counter()
        figs.data_figure(inputs, targets, box, labels).to_json()
        figs.loss_figure([("loss", run.losses, "main")], axes).to_json()
        figs.accuracy_figure([("accuracy", run.accuracies, "main")], axes).to_json()
        figs.boundary_figure(inputs, targets, run.w, run.b, k, box, labels).to_json()
        figs.loss_figure([("a", run.full_losses, "dashed"), ("b", run.full_losses, "main")], axes).to_json()
        figs.accuracy_figure([("a", run.accuracies, "dashed"), ("b", run.accuracies, "main")], axes).to_json()
        out.append(time.perf_counter() - start)
    return out[1:]


def _page_script():
    # Runs the real page file and reports how long the script took on the server side.
    import time
    from pathlib import Path

    import streamlit as st

    start = time.perf_counter()
    source = Path("pages/linear.py").read_text(encoding="utf-8")
    exec(compile(source, "pages/linear.py", "exec"), {"__name__": "__main__"})  # noqa: S102
    st.text(f"script_ms={(time.perf_counter() - start) * 1000:.3f}")


def page_times() -> dict[str, tuple[list[float], list[float]]]:
    """{move: (script seconds, AppTest wall seconds)} for slider moves on a warm page."""
    from streamlit.testing.v1 import AppTest

    os.chdir(ROOT)
    at = AppTest.from_function(_page_script, default_timeout=120)
    at.run()  # cold: imports, first traces
    assert not at.exception, at.exception
    at.slider(key="rng").set_value(50).run()  # warm the path once more
    moves = {"seed slider (trains 2 x 40 steps)": [("rng", 11 + i) for i in range(REPEATS)],
             "step scrubber (cache hits)": [("step", 5 + i) for i in range(REPEATS)]}
    out = {}
    for name, values in moves.items():
        script, wall = [], []
        for key, value in values:
            start = time.perf_counter()
            at.slider(key=key).set_value(value).run()
            wall.append(time.perf_counter() - start)
            assert not at.exception, at.exception
            script.append(float(at.text[-1].value.split("=")[1]) / 1000)
        out[name] = (script, wall)
    return out


def main() -> None:
    print(f"device: {DEVICE.label}; default data 2 x 1000 points, 40 full-batch steps at learning rate 0.1")
    print(_summary("lab.train, new seed (eager, the course's loop)", train_times()))
    print(_summary("the page's six figures, built + JSON", figure_times()))
    for name, (script, wall) in page_times().items():
        print(_summary(f"page script: {name}", script))
        print(_summary(f"AppTest wall: {name}", wall))


if __name__ == "__main__":
    main()
