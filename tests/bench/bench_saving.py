"""Speed of the save/load/predict page ("Save, load, predict").

Prints:
* ``lib.lessons.saving.lab.train_and_save`` for the page's default model, cold (first use of the
  structure: tracing) and warm (another epoch count), split into training and the
  save / load / predict part,
* what the save/load part is made of: ``model.save`` (.keras), ``save_weights``,
  legacy ``.h5``, ``load_model(safe_mode=True)``, ``predict`` and ``evaluate``,
* the upload checks: how long each ready-made bad file takes to be refused and the
  page's own file to be loaded and run on the validation images,
* the page in AppTest: first load, and the rerun after moving the first slider
  (``sv_epochs``, a retrain), then a rerun that moves nothing heavy (``sv_first``).

Run: ``python tests/bench/bench_saving.py`` (about a minute on 2 CPU cores).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("COURSE_OFFLINE", "1")

import logging  # noqa: E402

logging.getLogger("absl").setLevel(logging.ERROR)  # the legacy .h5 warning, once per save

import keras  # noqa: E402

from lib.lessons.saving import (
    files,  # noqa: E402
    lab,  # noqa: E402
)


def timed(fn):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def parts_of_saving(spec: lab.SavingSpec) -> dict[str, float]:
    """Seconds of each step after training, on a fresh model with the page's weights (median of 3)."""
    run = lab.train_and_save(spec)
    split = lab.data_split(spec.images)
    results: dict[str, list[float]] = {}
    for _ in range(3):
        with files.private_folder("bench") as folder:
            (tmp := Path(folder) / "m.keras").write_bytes(run.keras_bytes)
            m, t_load = timed(lambda p=tmp: keras.models.load_model(p, safe_mode=True))
            _, t_keras = timed(lambda m=m, f=folder: m.save(os.path.join(f, "a.keras")))
            _, t_weights = timed(lambda m=m, f=folder: m.save_weights(os.path.join(f, "a.weights.h5")))
            _, t_h5 = timed(lambda m=m, f=folder: m.save(os.path.join(f, "a.h5")))
        _, t_predict = timed(lambda m=m: m.predict(split.x_val, verbose=0))
        _, t_evaluate = timed(lambda m=m: m.evaluate(split.x_val, split.y_val, verbose=0))
        for key, value in (("save .keras", t_keras), ("save_weights", t_weights), ("save .h5", t_h5),
                           ("load_model", t_load), ("predict (first call)", t_predict),
                           ("evaluate (first call)", t_evaluate)):
            results.setdefault(key, []).append(value)
    return {k: sorted(v)[1] for k, v in results.items()}


def page_times_ms() -> tuple[float, float, float]:
    """(first page load, rerun after moving the first slider, rerun after moving sv_first) in AppTest."""
    from tests.apptest import open_page

    start = time.perf_counter()
    at = open_page("saving", "en")
    first = (time.perf_counter() - start) * 1000
    at.slider(key="sv_epochs").set_value(lab.DEFAULT_EPOCHS + 1)
    start = time.perf_counter()
    at.run()
    moved = (time.perf_counter() - start) * 1000
    at.slider(key="sv_first").set_value(10)
    start = time.perf_counter()
    at.run()
    return first, moved, (time.perf_counter() - start) * 1000


def main() -> None:
    from lib.core.device import DEVICE

    print(f"device: {DEVICE.label}")
    _, t_data = timed(lambda: lab.data_split(lab.DEFAULT_IMAGES))
    print(f"data ({lab.DEFAULT_IMAGES:,} images, first read): {t_data:.2f} s")

    print("\ntrain_and_save, the page's default model (seconds):")
    for label, spec in (("cold (traces the structure)", lab.SavingSpec()),
                        ("warm (another epoch count)", lab.SavingSpec(epochs=lab.DEFAULT_EPOCHS + 1)),
                        ("warm (another seed)", lab.SavingSpec(seed=1))):
        run, total = timed(lambda s=spec: lab.train_and_save(s))
        print(f"  {label:30s} total {total:5.2f}   training {run.seconds:5.2f}   save/load/predict "
              f"{run.save_seconds:5.2f}   val_accuracy {run.final['val_accuracy']:.4f}   "
              f"identical after loading: {run.identical}")
    print("  file sizes: " + ", ".join(f"{lab.FILENAMES[k]} {v / 1024:,.0f} KB" for k, v in run.sizes.items()))

    print("\nThe save/load part, step by step (median of 3, seconds):")
    for key, value in parts_of_saving(lab.SavingSpec()).items():
        print(f"  {key:24s} {value:6.3f}")

    print("\nUploads (seconds, including the checks):")
    own = lab.train_and_save(lab.SavingSpec()).keras_bytes
    for kind in lab.SAMPLES[1:]:
        name, blob = lab.sample_file(kind, own)
        start = time.perf_counter()
        try:
            result = lab.open_upload(blob, name, lab.DEFAULT_IMAGES, "bench")
            outcome = f"loaded, accuracy {result.accuracy:.4f}"
        except files.Refused as refusal:
            outcome = f"refused: {refusal.code}"
        print(f"  {kind:10s} {len(blob) / 1024:8,.0f} KB  {time.perf_counter() - start:6.3f}   {outcome}")

    first, moved, light = page_times_ms()
    print(f"\nAppTest: first page load {first:.0f} ms; after moving the first slider (sv_epochs, a retrain) "
          f"{moved:.0f} ms; after moving sv_first (no training) {light:.0f} ms")


if __name__ == "__main__":
    main()
