"""Which device trains, found once at import.

GPU memory growth must be set before TensorFlow touches a GPU, so this module is
imported by the engine before anything builds a tensor.

A device's ``label`` is a record, the same in every process and language ("CPU (2 cores)",
"NVIDIA A100 (GPU × 1)"): results carry it from the worker that trained them. What a learner
reads is ``shown_label(label, lang)`` (or ``DEVICE.label_in(lang)``), in the catalogue's words.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep server logs readable

import tensorflow as tf  # noqa: E402


@dataclass(frozen=True)
class DeviceInfo:
    kind: str  # "GPU" or "CPU"
    name: str  # tf device string, e.g. "/GPU:0"
    label: str  # the record, e.g. "NVIDIA A100 (GPU × 1)" or "CPU (2 cores)"; learners read label_in(lang)
    count: int  # GPUs found (0 on CPU)

    def label_in(self, lang: str) -> str:
        """This device as a learner reads it in ``lang``."""
        return shown_label(self.label, lang)


_CPU_LABEL = re.compile(r"CPU \((\d+) cores\)")


def shown_label(label: str, lang: str) -> str:
    """A device label (this server's, or one a result carries) in the learner's language.

    A CPU's label is said in the catalogue's words (``common.device_cpu``); a GPU's model
    name and count read the same in every language, and any other label is shown as it is.
    """
    from lib.core.i18n import translate

    match = _CPU_LABEL.fullmatch(label)
    return translate(lang, "common.device_cpu", cores=int(match[1])) if match else label


def _enable_memory_growth(gpus: list) -> None:
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except (RuntimeError, ValueError):  # already initialised: keep going
            pass


def detect(gpus: list | None = None) -> DeviceInfo:
    """The device to train on: the first GPU if there is one, else the CPU."""
    gpus = tf.config.list_physical_devices("GPU") if gpus is None else gpus
    if gpus:
        _enable_memory_growth(gpus)
        try:
            details = tf.config.experimental.get_device_details(gpus[0])
            model = details.get("device_name") or "GPU"
        except Exception:  # details are cosmetic; never fail on them
            model = "GPU"
        return DeviceInfo("GPU", "/GPU:0", f"{model} (GPU × {len(gpus)})", len(gpus))
    return DeviceInfo("CPU", "/CPU:0", f"CPU ({os.cpu_count() or 1} cores)", 0)


DEVICE = detect()


def time_matmul(n: int, repeats: int = 3, device: str | None = None) -> dict[str, float | str]:
    """Multiply two n×n random matrices on the training device; the best of ``repeats``.

    Returns seconds, GFLOP/s (2·n³ floating-point operations per product) and the device.
    """
    import time

    device = device or DEVICE.name
    with tf.device(device):
        a = tf.random.normal((n, n), seed=1)
        b = tf.random.normal((n, n), seed=2)
        (a @ b).numpy()  # warm-up: kernels and memory are set up outside the timing
        best = float("inf")
        for _ in range(max(1, repeats)):
            start = time.perf_counter()
            (a @ b).numpy()  # .numpy() waits for the device to finish
            best = min(best, time.perf_counter() - start)
    return {"seconds": best, "gflops": 2 * n**3 / best / 1e9, "device": device}
