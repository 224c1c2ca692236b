"""Hostile uploads on the saving page: how fast each is refused, what the worker process costs, and
what its time and memory limits do when the checks before Keras are switched off.

Run: ``python tests/bench/bench_uploads.py`` (prints figures; nothing is asserted).
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("COURSE_OFFLINE", "1")

from lib.core import isolated  # noqa: E402
from lib.lessons.saving import files, lab, models  # noqa: E402
from tests.lessons.saving import test_hostile_uploads as crafted  # noqa: E402

IMAGES = lab.DEFAULT_IMAGES


def rss() -> float:
    return isolated.process_memory()[1]


def attempt(blob: bytes) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        result = lab.open_upload(blob, "model.keras", IMAGES, "bench")
        outcome = f"loaded, accuracy {result.accuracy}"
    except files.Refused as refusal:
        outcome = f"refused: {refusal.code}"
    return outcome, time.perf_counter() - start


def main() -> None:
    own = lab.train_and_save(lab.SavingSpec()).keras_bytes
    print(f"server process after training: {rss():,.0f} MB resident")

    start = time.perf_counter()
    lab.prepare_uploads()
    models.WORKER.run(isolated.process_memory)  # waits until the worker is warm
    print(f"worker warm-up (spawn + import Keras + one tiny load): {time.perf_counter() - start:.1f} s, "
          f"worker resident {models.WORKER.baseline_mb:,.0f} MB")

    times = []
    for _ in range(5):
        outcome, seconds = attempt(own)
        times.append(seconds)
    print(f"own file ({len(own) / 1024:,.0f} KB) through checks + worker: median {sorted(times)[2]:.3f} s, {outcome}")

    before = rss()
    print("\nCrafted files (size, time to refusal, answer):")
    for label, (blob, _code) in crafted.crafted(own).items():
        outcome, seconds = attempt(blob)
        print(f"  {label:28s} {len(blob) / 1024:8,.0f} KB  {seconds:6.3f} s   {outcome}")
    print(f"server process growth across all of them: {rss() - before:+.0f} MB")

    print("\nWith the checks before Keras switched off (the worker's limits alone):")
    real_scan = files.scan_config
    files.scan_config = lambda config: None
    try:
        for label, blob in (("2,505 layers", crafted.many_layers()), ("batch_shape evasion",
                                                                      crafted.batch_shape_evasion())):
            before = rss()
            outcome, seconds = attempt(blob)
            print(f"  {label:28s} {seconds:6.1f} s   {outcome}   server growth {rss() - before:+.0f} MB")
    finally:
        files.scan_config = real_scan
    print(f"worker processes started: {models.WORKER.started}, replaced after a kill: {models.WORKER.killed}")


if __name__ == "__main__":
    main()
