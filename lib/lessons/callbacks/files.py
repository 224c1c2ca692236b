"""Files of the callbacks lesson: per-session folders, TensorBoard logs written and read back, zips.

* ``SessionFolder``: a private folder below a given root, removed when the object
  is collected, and ``sweep`` of such folders left unused. The page itself uses
  ``lib.core.scratch`` (a ``Lease`` on the session's scratch folder, under the
  per-session and shared disk caps); these two remain for folders outside it.
* ``summary_module``: what ``keras.callbacks.TensorBoard`` writes with. It is
  ``tf.summary`` when the ``tensorboard`` package is installed; without it (TF
  2.21 no longer depends on it) the same scalar and histogram records are written
  through TensorFlow's core summary op, so the event files are the same format.
* ``read_events``: scalars and histograms back out of the event files, with
  TensorFlow's own record reader (no TensorBoard needed).

No Streamlit here.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import time
import weakref
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf
from tensorflow.core.util import event_pb2

from lib.core import scratch

STALE_SECONDS = 6 * 3600
HISTOGRAM_BUCKETS = 30  # TensorBoard's default


def sweep(root: Path, max_age: float = STALE_SECONDS) -> int:
    """Remove session folders nobody touched for ``max_age`` seconds; returns how many went."""
    removed = 0
    if not root.is_dir():
        return 0
    now = time.time()
    for child in root.iterdir():
        try:
            if child.is_dir() and now - child.stat().st_mtime > max_age:
                shutil.rmtree(child, ignore_errors=True)
                removed += 1
        except OSError:  # another process removed it first
            continue
    return removed


class SessionFolder:
    """A temporary folder only one session knows about (random name, mode 0700), removed with the session."""

    def __init__(self, root: Path | None = None) -> None:
        root = scratch.root() if root is None else root
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        sweep(root)
        self.path = Path(tempfile.mkdtemp(prefix="session-", dir=root))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def touch(self) -> None:
        """Mark the folder as in use, so the sweep of abandoned folders leaves it alone."""
        try:
            os.utime(self.path)
        except OSError:
            self.path.mkdir(parents=True, exist_ok=True)

    def cleanup(self) -> None:
        self._finalizer()

    @property
    def alive(self) -> bool:
        return self._finalizer.alive


def folder_size(path: str | os.PathLike[str]) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def zip_folder(path: str | os.PathLike[str], prefix: str) -> bytes:
    """The folder as a zip whose entries start with ``prefix/`` (what a learner unpacks)."""
    buffer = io.BytesIO()
    root = Path(path)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            archive.write(file, f"{prefix}/{file.relative_to(root).as_posix()}")
    return buffer.getvalue()


# --------------------------------------------------------------------------- writing TensorBoard records


def _metadata(plugin: str) -> Any:
    meta = tf.compat.v1.SummaryMetadata()
    meta.plugin_data.plugin_name = plugin
    meta.plugin_data.content = b""  # version 0 of the plugin's data, as TensorBoard writes it
    return meta


class CoreSummary:
    """``tf.summary`` with ``scalar`` and ``histogram`` written through TF's core ``tf.summary.write``.

    Everything else (writers, ``record_if``, the graph) is TensorFlow's own.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(tf.summary, name)

    def scalar(self, name: str, data: Any, step: Any = None, description: str | None = None) -> Any:
        with tf.summary.experimental.summary_scope(name, "scalar_summary", values=[data, step]) as (tag, _):
            return tf.summary.write(tag=tag, tensor=tf.cast(data, tf.float32), step=step,
                                    metadata=_metadata("scalars"))

    def histogram(self, name: str, data: Any, step: Any = None, buckets: int | None = None,
                  description: str | None = None) -> Any:
        values = np.asarray(keras_numpy(data), np.float64).ravel()
        with tf.summary.experimental.summary_scope(name, "histogram_summary", values=[step]) as (tag, _):
            return tf.summary.write(tag=tag, tensor=tf.constant(histogram_tensor(values, buckets)), step=step,
                                    metadata=_metadata("histograms"))


def keras_numpy(data: Any) -> np.ndarray:
    return data.numpy() if hasattr(data, "numpy") else np.asarray(data)


def histogram_tensor(values: np.ndarray, buckets: int | None = None) -> np.ndarray:
    """TensorBoard's histogram layout: one row per bucket, (left edge, right edge, count)."""
    if values.size == 0:
        return np.zeros((0, 3))
    lo, hi = float(values.min()), float(values.max())
    if lo == hi:  # one value: a single bucket around it
        return np.array([[lo - 0.5, hi + 0.5, float(values.size)]])
    counts, edges = np.histogram(values, bins=buckets or HISTOGRAM_BUCKETS, range=(lo, hi))
    return np.column_stack((edges[:-1], edges[1:], counts.astype(np.float64)))


def tensorboard_installed() -> bool:
    try:
        import tensorboard.summary.v2  # noqa: F401
    except ImportError:
        return False
    return True


def summary_module() -> Any:
    """What the TensorBoard callback should write with on this server."""
    return tf.summary if tensorboard_installed() else CoreSummary()


# --------------------------------------------------------------------------- reading them back


@dataclass
class BoardLogs:
    """Everything read back from a log folder, as numpy (picklable)."""

    # run (sub-folder) -> tag -> (steps, values)
    scalars: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    # run -> tag -> (steps, one (buckets x 3) array per step: left edge, right edge, count)
    histograms: dict[str, dict[str, tuple[np.ndarray, list[np.ndarray]]]] = field(default_factory=dict)
    files: list[tuple[str, int]] = field(default_factory=list)  # (path inside the folder, bytes)
    zip_bytes: bytes = b""


def read_events(log_dir: str | os.PathLike[str]) -> BoardLogs:
    """Scalars and histograms of every event file below ``log_dir``, keyed by run (sub-folder) and tag."""
    root = Path(log_dir)
    scalars: dict[str, dict[str, list]] = {}
    hists: dict[str, dict[str, list]] = {}
    files = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        files.append((path.relative_to(root).as_posix(), path.stat().st_size))
        if "tfevents" not in path.name:
            continue
        run = path.parent.relative_to(root).as_posix()
        for record in tf.data.TFRecordDataset(str(path)):
            event = event_pb2.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.HasField("tensor"):
                    array = tf.make_ndarray(value.tensor)
                elif value.HasField("simple_value"):
                    array = np.asarray(value.simple_value)
                else:
                    continue
                if array.dtype.kind not in "fiu":  # the model's JSON, graphs: not numbers
                    continue
                if array.ndim == 0:
                    scalars.setdefault(run, {}).setdefault(value.tag, []).append((event.step, float(array)))
                elif array.ndim == 2 and array.shape[1] == 3:
                    hists.setdefault(run, {}).setdefault(value.tag, []).append((event.step, array.astype(np.float64)))
    out = BoardLogs(files=files)
    for run, tags in scalars.items():
        out.scalars[run] = {}
        for tag, points in tags.items():
            points.sort(key=lambda p: p[0])
            out.scalars[run][tag] = (np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    for run, tags in hists.items():
        out.histograms[run] = {}
        for tag, points in tags.items():
            points.sort(key=lambda p: p[0])
            out.histograms[run][tag] = (np.array([p[0] for p in points]), [p[1] for p in points])
    return out
