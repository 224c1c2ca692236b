"""Speed of the callbacks page ("Callbacks you can see").

Prints:
* every section's training run at the page's default setup (Fashion-MNIST, 300 rows, 256 units,
  40 epochs): the first run of a model structure (build + trace) and a warm run from the pool,
  with the median milliseconds per epoch,
* per-batch progress (steps_per_execution=1) against per-epoch progress,
* loading and evaluating one checkpoint, reading the TensorBoard event files back and zipping them,
* the figure builders, and an AppTest page open plus a rerun after moving the first slider
  (EarlyStopping's patience).

Run: ``python tests/bench/bench_callbacks.py``.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("COURSE_OFFLINE", "1")

import keras  # noqa: E402

from lib.lessons.callbacks import figures as figs  # noqa: E402
from lib.lessons.callbacks import (
    files,  # noqa: E402
    lab,  # noqa: E402
)

REPEATS = 5
LABELS = {k: k for k in ("train", "validation", "loss", "accuracy", "val_loss", "val_accuracy", "epoch", "lr",
                         "best", "stop", "patience", "warmup", "saved", "picked", "from_train", "from_val",
                         "updates", "count", "value", "title")}


def ms(fn, repeats: int = REPEATS) -> float:
    """Median wall time of ``fn()`` in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def timed(exp: lab.Experiment) -> tuple[float, lab.Outcome]:
    start = time.perf_counter()
    out = lab.run_experiment(exp)
    return time.perf_counter() - start, out


def page_rerun_ms() -> tuple[float, float]:
    """(first page open, median rerun after moving the first slider) in AppTest, milliseconds."""
    from tests.apptest import open_page

    start = time.perf_counter()
    at = open_page("callbacks", "en")
    first = (time.perf_counter() - start) * 1000
    times = []
    for patience in (4, 6, 3, 7):  # new values: each one trains EarlyStopping again
        start = time.perf_counter()
        at.slider(key="cb_es_patience").set_value(patience).run()
        times.append((time.perf_counter() - start) * 1000)
    assert not at.exception
    return first, statistics.median(times)


def main() -> None:
    print(f"Keras {keras.__version__}, {os.cpu_count()} CPU cores, tensorboard installed: "
          f"{files.tensorboard_installed()}")
    setup = lab.Setup()
    sections = {
        "baseline (own callback, per epoch)": lab.Progress(),
        "EarlyStopping (patience 5)": lab.EarlyStop(),
        "ModelCheckpoint (best only, weights)": lab.Checkpoint(),
        "ReduceLROnPlateau": lab.Plateau(),
        "TensorBoard (scalars)": lab.Board(),
        "TensorBoard (histograms)": lab.Board(histograms=True),
        "own callback, per batch": lab.Progress(per_batch=True),
        "the course's four together": lab.CourseList(),
    }
    print(f"default setup: {setup}")
    outs = {}
    for name, callback in sections.items():
        cold, out = timed(lab.Experiment(setup, callback))
        warm, out = timed(lab.Experiment(setup, callback))
        outs[name] = out
        print(f"  {name:38s} first {cold:5.2f} s, again {warm:5.2f} s, {out.epochs_run:3d} epochs, "
              f"{out.epoch_ms:5.1f} ms/epoch")

    mc = outs["ModelCheckpoint (best only, weights)"]
    print(f"checkpoints: {len(mc.checkpoints)} files written ({mc.checkpoints[-1][3] / 1e6:.1f} MB each), "
          "each loaded back and scored inside the run (included in its time above)")
    board_out = outs["TensorBoard (histograms)"].board
    with tempfile.TemporaryDirectory() as tmp:  # the run's own folder is gone: unpack its zip to read it again
        zipfile.ZipFile(io.BytesIO(board_out.zip_bytes)).extractall(tmp)
        logs = os.path.join(tmp, "logs")
        read = ms(lambda: files.read_events(logs))
        packed = ms(lambda: files.zip_folder(logs, "logs"))
    print(f"event files ({sum(b for _, b in board_out.files) / 1e3:.0f} kB with histograms): read back {read:.1f} ms, "
          f"zip {packed:.1f} ms ({len(board_out.zip_bytes) / 1e3:.0f} kB)")

    base = outs["baseline (own callback, per epoch)"]
    es = outs["EarlyStopping (patience 5)"]
    rlr = outs["ReduceLROnPlateau"]
    hist_steps, hists = next(iter(board_out.histograms["train"].values()))
    course = outs["the course's four together"]
    names = ("ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau", "TensorBoard")
    effects = {k: k for k in figs.EFFECT_STYLE}
    print("figures (ms): "
          f"curves {ms(lambda: figs.curves_figure(es.history, LABELS, best=18, stop=23)):.1f}, "
          f"plateau {ms(lambda: figs.plateau_figure(rlr.history, rlr.lr, 'val_loss', LABELS)):.1f}, "
          f"checkpoints {ms(lambda: figs.checkpoint_figure(mc.history, 'val_loss', mc.checkpoints, 18, LABELS)):.1f}, "
          f"board {ms(lambda: figs.board_figure(board_out.scalars, base.history, LABELS)):.1f}, "
          f"histogram {ms(lambda: figs.histogram_figure(hist_steps, hists, LABELS)):.1f}, "
          f"events {ms(lambda: figs.events_figure(course.events, names, effects, LABELS, picked=3)):.1f}")

    first, rerun = page_rerun_ms()
    print(f"AppTest: open the page {first:7.0f} ms (trains every section), "
          f"rerun after moving cb_es_patience: {rerun:5.0f} ms")


if __name__ == "__main__":
    main()
