"""Small Keras callbacks that watch the real ones, for the callbacks lesson.

The lesson runs Keras' own EarlyStopping, ModelCheckpoint, ReduceLROnPlateau and
TensorBoard unchanged; these helpers only read what those did (the learning rate
in the optimizer, a callback's ``wait`` counter, the files written) so the page
can draw it. ``EpochProgress`` and ``BatchProgress`` are the callbacks behind this
app's live progress bar and chart: they send ``lib.core.progress`` events, in epochs
or in batches. ``DiskCap`` stops the callbacks that write files (ModelCheckpoint,
TensorBoard) before they would pass the learner's disk cap. No Streamlit here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from lib.core.progress import Reporter, report_progress

# The hooks fit() calls, in the order they first fire within an epoch.
HOOKS = ("on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_train_batch_end", "on_test_begin",
         "on_test_batch_begin", "on_test_batch_end", "on_test_end", "on_epoch_end", "on_train_end")


def current_lr(model: keras.Model) -> float:
    """The learning rate the optimizer holds right now (a variable ReduceLROnPlateau assigns to)."""
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def resolved_mode(callback: Any) -> str:
    """What a monitor callback compares with after fit: Keras resolves ``mode="auto"`` from the metric."""
    op = getattr(callback, "monitor_op", None)
    if op is None:
        return callback.mode
    return "min" if op is keras.ops.less else "max"


class EpochLR(keras.callbacks.Callback):
    """Reads the optimizer's learning rate as each epoch starts (the rate that epoch trains with) and times epochs."""

    def __init__(self) -> None:
        super().__init__()
        self.lr: list[float] = []
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.lr.append(current_lr(self.model))
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._start)


class StateWatch(keras.callbacks.Callback):
    """Listed right after ``target``: copies some of its counters after each of its epoch ends."""

    def __init__(self, target: keras.callbacks.Callback, names: tuple[str, ...]) -> None:
        super().__init__()
        self.target, self.names = target, names
        self.rows: list[tuple] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        row = []
        for name in self.names:
            value = getattr(self.target, name, None)
            row.append(None if value is None else float(value))
        self.rows.append(tuple(row))


class LastWeights(keras.callbacks.Callback):
    """Listed before EarlyStopping, so its on_train_end runs first: it keeps the weights before the restore."""

    def __init__(self) -> None:
        super().__init__()
        self.weights: list[np.ndarray] | None = None

    def on_train_end(self, logs: dict | None = None) -> None:
        self.weights = [np.array(w) for w in self.model.get_weights()]


class CheckpointWatch(keras.callbacks.Callback):
    """Listed right after a ModelCheckpoint with ``{epoch}`` in its file name: which files did it write?"""

    def __init__(self, checkpoint: keras.callbacks.ModelCheckpoint) -> None:
        super().__init__()
        self.checkpoint = checkpoint
        self.written: list[tuple[int, float, str, int]] = []  # (epoch from 1, monitored value, file, bytes)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        path = self.checkpoint.filepath.format(epoch=epoch + 1, **logs)
        if os.path.exists(path):
            value = float(logs.get(self.checkpoint.monitor, float("nan")))
            self.written.append((epoch + 1, value, os.path.basename(path), os.path.getsize(path)))


# --------------------------------------------------------------------------- the disk cap


def _skip(*args: Any, **kwargs: Any) -> None:
    """A muted hook: the callback no longer writes."""


class DiskCap(keras.callbacks.Callback):
    """Listed before the callbacks that write files: mutes them once their next write might pass the cap.

    ``budget.room()`` says how many more bytes the folder may take (``lib.core.scratch.Budget``).
    Before the writers' epoch end, the next write is expected to be as large as the
    largest growth of the folder between two epoch ends so far, and at least
    ``first_write`` (an estimate of one file); if the room is smaller, every writing hook of every
    writer is muted for the rest of the run (``on_train_end`` still runs, so the
    TensorBoard writers are closed). Training itself goes on.
    """

    def __init__(self, budget: Any, writers: list[keras.callbacks.Callback], first_write: int) -> None:
        super().__init__()
        self.budget, self.writers, self.first_write = budget, writers, first_write
        self.largest = 0  # the largest growth seen between two checks
        self.used: int | None = None
        self.stopped_epoch: int | None = None  # from 0: the first epoch whose files were not written
        self.reason, self.cap = "", 0  # which cap stopped the writing ("session" or "shared"), its bytes

    def _check(self, epoch: int, measure: bool = True) -> None:
        if self.stopped_epoch is not None:
            return
        room = self.budget.room()
        if measure:  # growth from one epoch end to the next: one epoch's writes
            if self.used is not None:
                self.largest = max(self.largest, self.budget.used - self.used)
            self.used = self.budget.used
        if room < max(self.largest, self.first_write):
            self.stopped_epoch, self.reason, self.cap = epoch, self.budget.reason, self.budget.cap
            for writer in self.writers:
                mute(writer)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._check(0, measure=False)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._check(epoch)


def mute(callback: keras.callbacks.Callback) -> None:
    """Every hook but ``on_train_end`` does nothing from now on (on this object only)."""
    for hook in HOOKS:
        if hook != "on_train_end":
            setattr(callback, hook, _skip)
    callback.muted = True


# --------------------------------------------------------------------------- the app's own progress callback


class EpochProgress(keras.callbacks.Callback):
    """Reports every epoch's logs to the page, which draws the progress bar and the live loss chart."""

    def __init__(self, report: Reporter | None) -> None:
        super().__init__()
        self.report = report
        self.updates: list[tuple[int, int, float]] = []  # (epoch, batch or -1, loss)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = {k: float(v) for k, v in (logs or {}).items()}
        self.updates.append((epoch, -1, logs.get("loss", float("nan"))))
        # One unit of progress per epoch: epoch + 1 of the epochs fit was asked to run.
        report_progress(self.report, epoch + 1, self.params.get("epochs"), logs, unit="epoch")


class BatchProgress(keras.callbacks.Callback):
    """Reports after every batch. Keras' batch logs hold the running mean of the loss since the epoch began."""

    def __init__(self, report: Reporter | None) -> None:
        super().__init__()
        self.report = report
        self.updates: list[tuple[int, int, float]] = []
        self.epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = float((logs or {}).get("loss", float("nan")))
        self.updates.append((self.epoch, batch, loss))
        # One unit of progress per batch: fit runs ``steps`` batches in each of its ``epochs``.
        total = self.params.get("epochs", 0) * (self.params.get("steps") or 0) or None
        report_progress(self.report, len(self.updates), total, {"loss": loss}, unit="batch")


# --------------------------------------------------------------------------- the order of events


def _effect(inner: Any, hook: str, before: dict, logs: dict | None) -> tuple[str, tuple]:
    """What a course callback just did, as a code and numbers for the page to put into words."""
    name = type(inner).__name__
    if getattr(inner, "muted", False) and hook == "on_epoch_end" and name in ("ModelCheckpoint", "TensorBoard"):
        return "capped", ()
    if hook == "on_epoch_end":
        if name == "EarlyStopping":
            if inner.model.stop_training and not before["stop"]:
                return "stop", (inner.wait, inner.patience)
            return ("improved", (float(inner.best),)) if inner.wait == 0 else ("waiting", (inner.wait, inner.patience))
        if name == "ReduceLROnPlateau":
            lr = current_lr(inner.model)
            if lr != before["lr"]:
                return "lr_cut", (before["lr"], lr)
            if inner.cooldown_counter > 0:
                return "cooldown", (inner.cooldown_counter,)
            return ("improved", (float(inner.best),)) if inner.wait == 0 else ("waiting", (inner.wait, inner.patience))
        if name == "ModelCheckpoint":
            stamp = _mtime(inner.filepath)
            return ("saved", (float((logs or {}).get(inner.monitor, np.nan)),)) if stamp != before["file"] else (
                "not_saved", ())
        if name == "TensorBoard":
            keys = set(logs or {})  # train logs plus the learning rate, and the val_ logs
            return "wrote", (len({k for k in keys if not k.startswith("val_")} | {"learning_rate"})
                             + len({k for k in keys if k.startswith("val_")}),)
    if hook == "on_train_end" and name == "EarlyStopping" and inner.restore_best_weights:
        return "restored", (inner.best_epoch + 1,)
    return "", ()


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except (OSError, ValueError, KeyError):
        return 0


class Traced(keras.callbacks.Callback):
    """Passes every hook to a real callback and writes down, in call order, the hooks it implements.

    A recorder around the real object: the wrapped callback runs exactly as it
    would on its own (same hooks, same model, same arguments).
    """

    def __init__(self, inner: keras.callbacks.Callback, log: list[tuple]) -> None:
        super().__init__()
        self.inner, self.log = inner, log
        self.epoch = -1
        # Only the hooks the real class overrides: those are the moments it acts.
        self.hooks = {h for h in HOOKS if getattr(type(inner), h) is not getattr(keras.callbacks.Callback, h)}

    def set_model(self, model: keras.Model) -> None:
        super().set_model(model)
        self.inner.set_model(model)

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        self.inner.set_params(params)

    def _call(self, hook: str, *args: Any, **kwargs: Any) -> None:
        if hook == "on_epoch_begin":
            self.epoch = args[0]
        before = {"stop": bool(getattr(self.model, "stop_training", False)),
                  "lr": current_lr(self.model) if hook == "on_epoch_end" else 0.0,
                  "file": _mtime(getattr(self.inner, "filepath", ""))}
        getattr(self.inner, hook)(*args, **kwargs)
        if hook in self.hooks:
            logs = kwargs.get("logs", args[-1] if args and isinstance(args[-1], dict) else None)
            code, values = _effect(self.inner, hook, before, logs)
            self.log.append((self.epoch, hook, type(self.inner).__name__, code, values))


def _forward(hook: str) -> Callable[..., None]:
    def method(self: Traced, *args: Any, **kwargs: Any) -> None:
        self._call(hook, *args, **kwargs)

    method.__name__ = hook
    return method


for _hook in HOOKS:
    setattr(Traced, _hook, _forward(_hook))
