"""The callbacks lesson: Keras' own callbacks on a model that overfits on purpose.

``Setup`` is the experiment every section shares: a small Fashion-MNIST (or
digits) subsample split in half, a wide one-hidden-layer MLP and Adam, trained
with the real ``model.fit`` through ``lib.core.engine`` (same batches, same seeded
weights as every other lesson). Each section adds one callback spec:

* ``EarlyStop``   -> keras.callbacks.EarlyStopping
* ``Checkpoint``  -> keras.callbacks.ModelCheckpoint (every file loaded back and scored)
* ``Plateau``     -> keras.callbacks.ReduceLROnPlateau
* ``Board``       -> keras.callbacks.TensorBoard (logs read back and zipped)
* ``Progress``    -> this app's own progress callback, per batch or per epoch
* ``CourseList``  -> the course's four callbacks together, every hook call recorded

``run_experiment(Experiment, report)`` is what ``ui.train`` caches: it trains through
``engine.train_on`` (a gate slot, a pooled model, the engine's progress events unless
the section's own callback reports them) and returns an ``Outcome`` of numpy, floats
and bytes only. Checkpoints are scored in a model from ``engine.model_session``.

Files go into a temporary run folder of ``lib.core.scratch``, removed after the run:
checkpoints are loaded back and scored before it goes (the page shows those scores, so
a result holds no file and serves every learner), TensorBoard logs are read back and
zipped. ``trace.DiskCap`` stops ModelCheckpoint
and TensorBoard before they would pass the cap, and ``Outcome.disk_cap`` says so. No
Streamlit in this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from lib.core import engine, scratch
from lib.core.device import DEVICE
from lib.core.models import TASK_LOSS, TASK_METRIC, build_model
from lib.core.progress import Reporter
from lib.lessons.callbacks import files, trace
from lib.lessons.callbacks.specs import (  # noqa: F401  (re-exported: pages and tests use lab.Setup etc.)
    CHECKPOINT_BUDGET,
    DIGITS_ROWS,
    HISTORY_KEYS,
    VALIDATION_SPLIT,
    Board,
    Callback,
    Checkpoint,
    CourseList,
    EarlyStop,
    Experiment,
    Plateau,
    Progress,
    Setup,
    checkpoint_bytes,
    checkpoint_too_big,
)


@dataclass
class Outcome:
    """A finished run as plain numbers (cached by ``ui.train`` and shared by every learner asking the same)."""

    history: dict[str, list[float]]
    lr: list[float]  # the optimizer's learning rate during each epoch, read as the epoch began
    epoch_seconds: list[float]  # wall time of each epoch (the first one includes tracing)
    epochs_run: int
    seconds: float
    diverged: bool
    notice: str | None
    val_pred: np.ndarray
    score: dict[str, float] = field(default_factory=dict)  # the final weights evaluated on validation
    score_before: dict[str, float] = field(default_factory=dict)  # EarlyStopping: before restoring
    mode: str = ""  # "min"/"max": what Keras compared with
    stopped_epoch: int = 0  # Keras' EarlyStopping.stopped_epoch (from 0; 0 = never stopped)
    best_epoch: int | None = None  # Keras' best_epoch (from 0)
    best: float | None = None
    states: list[tuple] = field(default_factory=list)  # per epoch: the watched callback's counters
    checkpoints: list[tuple[int, float, str, int]] = field(default_factory=list)  # (epoch from 1, value, file, bytes)
    loaded: dict[int, dict[str, float]] = field(default_factory=dict)  # epoch -> the file loaded back, scored
    board: files.BoardLogs | None = None
    updates: list[tuple[int, int, float]] = field(default_factory=list)  # (epoch, batch or -1, loss)
    events: list[tuple] = field(default_factory=list)  # (epoch, hook, callback, effect, values)
    # The disk cap stopped the writing: (which cap: "session"/"shared", first epoch from 1 not written, cap bytes)
    disk_cap: tuple[str, int, int] | None = None

    @property
    def epoch_ms(self) -> float:
        """Median milliseconds per epoch: the first epoch's tracing does not count."""
        times = self.epoch_seconds[1:] or self.epoch_seconds
        return float(np.median(times)) * 1000 if times else math.nan

    @property
    def curve(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(self.history.get(k, []), float) for k in HISTORY_KEYS}


# --------------------------------------------------------------------------- running


def val_dataset(s: engine.Split) -> tf.data.Dataset:
    """The validation data exactly as fit sees it (one big batch)."""
    return tf.data.Dataset.from_tensor_slices((s.x_val, s.y_val)).batch(engine.EVAL_BATCH)


def evaluate(model: keras.Model, s: engine.Split) -> dict[str, float]:
    scores = model.evaluate(val_dataset(s), verbose=0, return_dict=True)
    return {k: float(v) for k, v in scores.items()}


def _build(exp: Experiment, workdir: Path, report: Reporter | None) -> tuple[list, dict]:
    """The Keras callbacks of one section plus the watchers that read what they did."""
    cb, parts = exp.callback, {}
    if isinstance(cb, EarlyStop):
        before = trace.LastWeights()
        es = keras.callbacks.EarlyStopping(monitor=cb.monitor, min_delta=cb.min_delta, patience=cb.patience,
                                           mode=cb.mode, restore_best_weights=cb.restore_best_weights,
                                           start_from_epoch=cb.start_from_epoch)
        watch = trace.StateWatch(es, ("wait", "best", "best_epoch"))
        parts.update(before=before, main=es, watch=watch)
        return [before, es, watch], parts
    if isinstance(cb, Checkpoint):
        mc = keras.callbacks.ModelCheckpoint(str(workdir / cb.pattern), monitor=cb.monitor, mode=cb.mode,
                                             save_best_only=cb.save_best_only,
                                             save_weights_only=cb.save_weights_only)
        watch = trace.CheckpointWatch(mc)
        parts.update(main=mc, files=watch, writers=[mc])
        return [mc, watch], parts
    if isinstance(cb, Plateau):
        rlr = keras.callbacks.ReduceLROnPlateau(monitor=cb.monitor, factor=cb.factor, patience=cb.patience,
                                                min_lr=cb.min_lr, cooldown=cb.cooldown)
        watch = trace.StateWatch(rlr, ("wait", "cooldown_counter", "best"))
        parts.update(main=rlr, watch=watch)
        return [rlr, watch], parts
    if isinstance(cb, Board):
        board = tensorboard_callback(str(workdir / "logs"), 1 if cb.histograms else 0)
        parts.update(main=board, writers=[board])
        return [board], parts
    if isinstance(cb, Progress):
        progress = trace.BatchProgress(report) if cb.per_batch else trace.EpochProgress(report)
        parts.update(main=progress)
        return [progress], parts
    if isinstance(cb, CourseList):
        log: list[tuple] = []
        real = [
            keras.callbacks.ModelCheckpoint(str(workdir / "best_model.keras"), monitor="val_loss",
                                            save_best_only=True),
            keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=cb.es_patience),
            keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=cb.lr_factor, patience=cb.lr_patience),
            tensorboard_callback(str(workdir / "logs"), 0),
        ]
        parts.update(log=log, main=real[1], writers=[real[0], real[3]])
        return [trace.Traced(c, log) for c in real], parts
    return [], parts


def tensorboard_callback(log_dir: str, histogram_freq: int) -> keras.callbacks.TensorBoard:
    board = keras.callbacks.TensorBoard(log_dir=log_dir, histogram_freq=histogram_freq)
    board._summary_module = files.summary_module()  # TF's own tf.summary when TensorBoard is installed
    return board


def queued_only(report: Reporter | None) -> Reporter | None:
    """The engine's reporter while a section's own callback reports the progress: only the queue place passes."""
    if report is None:
        return None

    def relay(kind: str, payload: object) -> None:
        if kind == "queued":
            report(kind, payload)

    return relay


def run_experiment(exp: Experiment, report: Reporter | None = None) -> Outcome:
    """Train the setup with the section's callback through the one training API (``ui.train`` caches this).

    ``report`` gets ("queued", place) and ``lib.core.progress`` events: from the engine in
    epochs, or, in the progress section, from the section's own callback (in batches
    when it reports per batch).
    """
    spec = exp.setup.run_spec()
    s, notice = engine.split(spec)
    own_progress = isinstance(exp.callback, Progress)
    # Per-batch progress needs one batch per graph call: with a whole epoch per call (the
    # engine's default for fit) Keras calls batch hooks once per epoch.
    per_batch = own_progress and exp.callback.per_batch
    with scratch.temporary() as workdir:  # a run folder under the scratch root, removed after the run
        callbacks, parts = _build(exp, workdir, report)
        guard = None
        if parts.get("writers"):
            guard = trace.DiskCap(scratch.Budget(workdir), parts["writers"], first_write(exp))
            callbacks = [guard, *callbacks]
        lr_watch = trace.EpochLR()
        result = engine.train_on(spec, s, queued_only(report) if own_progress else report, [lr_watch, *callbacks],
                                 notice, use=lambda model: _measure(model, s, parts), per_batch=per_batch)
        out = _outcome(result, lr_watch, parts)
        if guard is not None and guard.stopped_epoch is not None:
            out.disk_cap = (guard.reason, guard.stopped_epoch + 1, guard.cap)
        _collect_files(exp, out, workdir)
    return out


def first_write(exp: Experiment) -> int:
    """About the bytes one epoch's files take before any was seen: a checkpoint (weights plus Adam's
    two moments, in a weights file too) or a few TensorBoard records, plus room for headers."""
    headers = 64 * 1024
    if isinstance(exp.callback, Checkpoint | CourseList):
        return checkpoint_bytes(exp.setup) + headers
    return headers


def _measure(model: keras.Model, s: engine.Split, parts: dict) -> dict:
    """What the trained model itself says (before it goes back to the pool): predictions and scores."""
    score = evaluate(model, s)
    measured = {"val_pred": np.asarray(model.predict(val_dataset(s).map(lambda x, y: x), verbose=0)),
                "score": score, "score_before": score}
    before = parts.get("before")
    if before is not None and before.weights is not None:  # EarlyStopping: the weights before the restore
        after = model.get_weights()
        model.set_weights(before.weights)
        measured["score_before"] = evaluate(model, s)
        model.set_weights(after)
    return measured


def _outcome(result: engine.RunResult, lr_watch: trace.EpochLR, parts: dict) -> Outcome:
    history = {k: result.history.get(k, []) for k in HISTORY_KEYS}
    measured = result.used
    out = Outcome(
        history=history, lr=lr_watch.lr, epoch_seconds=lr_watch.seconds, epochs_run=len(history["loss"]),
        seconds=result.seconds,
        diverged=any(not math.isfinite(v) for vals in history.values() for v in vals), notice=result.notice,
        val_pred=measured["val_pred"], score=measured["score"],
    )
    main = parts.get("main")
    if isinstance(main, keras.callbacks.EarlyStopping):
        out.mode, out.stopped_epoch = trace.resolved_mode(main), int(main.stopped_epoch)
        out.best = None if main.best is None else float(main.best)
        out.best_epoch = int(main.best_epoch) if main.best is not None else None
        out.score_before = measured["score_before"]
    elif main is not None and hasattr(main, "monitor_op"):
        out.mode = trace.resolved_mode(main)
    if "watch" in parts:
        out.states = parts["watch"].rows
    if "files" in parts:
        out.checkpoints = parts["files"].written
    if isinstance(main, trace.EpochProgress | trace.BatchProgress):
        out.updates = main.updates
    if "log" in parts:
        out.events = parts["log"]
    return out


def _collect_files(exp: Experiment, out: Outcome, workdir: Path) -> None:
    if isinstance(exp.callback, Checkpoint):  # "check the accuracy midway": every file, loaded back
        weights_only = exp.callback.save_weights_only
        out.loaded = {epoch: evaluate_checkpoint(str(workdir / name), exp.setup, weights_only)
                      for epoch, _, name, _ in out.checkpoints}
    logs = workdir / "logs"
    if logs.is_dir():
        out.board = files.read_events(logs)
        out.board.zip_bytes = files.zip_folder(logs, "logs")


# --------------------------------------------------------------------------- loading a checkpoint


def _fresh_model(setup: Setup, s: engine.Split) -> keras.Model:
    """The setup's model, compiled, with its optimizer built so a weights file's optimizer state fits in."""
    spec = setup.run_spec()
    model = build_model(spec.model, tuple(s.x_train.shape[1:]), s.task, s.n_classes)
    model.compile(optimizer=keras.optimizers.Adam(setup.learning_rate), loss=TASK_LOSS[s.task],
                  metrics=[TASK_METRIC[s.task]])
    model.optimizer.build(model.trainable_variables)
    return model


def load_checkpoint(path: str, setup: Setup, weights_only: bool) -> keras.Model:
    """A new model from a checkpoint file: weights into a freshly built model, or the whole saved model."""
    if not weights_only:
        return keras.models.load_model(path)
    model = _fresh_model(setup, engine.split(setup.run_spec())[0])
    model.load_weights(path)
    return model


def evaluate_checkpoint(path: str, setup: Setup, weights_only: bool) -> dict[str, float]:
    """Load one checkpoint and score it on the validation set ("check the accuracy midway").

    A weights file goes into a pooled model of the setup's structure (its evaluate step
    is traced once per structure); a whole saved model brings its own.
    """
    s, _ = engine.split(setup.run_spec())
    if not weights_only:
        with tf.device(DEVICE.name):
            return evaluate(keras.models.load_model(path), s)
    key = ("callbacks", "checkpoint", setup.data, setup.units)
    with engine.model_session(key, lambda: _fresh_model(setup, s)) as pooled:
        pooled.model.load_weights(path)
        return evaluate(pooled.model, s)


# --------------------------------------------------------------------------- reading an outcome


def best_index(values: list[float] | np.ndarray, mode: str, start: int = 0) -> int | None:
    """The first epoch (from 0, not before ``start``) with the lowest (min) or highest (max) finite value."""
    v = np.asarray(values, float)[start:]
    if not v.size or not np.isfinite(v).any():
        return None
    v = np.where(np.isfinite(v), v, np.inf if mode == "min" else -np.inf)
    return start + int(np.argmin(v) if mode == "min" else np.argmax(v))


START_LOSS = math.log(10)  # cross-entropy of a uniform guess over 10 classes: where training starts


def peak_loss(out: Outcome) -> float:
    loss = out.curve["loss"]
    finite = loss[np.isfinite(loss)]
    return float(finite.max()) if finite.size else math.inf


def exploded(out: Outcome) -> bool:
    """The training loss went far above where it started: a learning rate too large (Adam rarely reaches NaN)."""
    return out.diverged or peak_loss(out) > 3 * START_LOSS


def lr_cuts(lr: list[float]) -> list[tuple[int, float, float]]:
    """(epoch from 1 that trained with the new rate, old, new) for every change of the rate."""
    return [(i + 1, lr[i - 1], lr[i]) for i in range(1, len(lr)) if lr[i] != lr[i - 1]]


def fmt_lr(value: float) -> str:
    """A learning rate as the page and the code write it: ``0.001``, ``10``, ``1.00e-05``.

    Not ``lib.core.numbers.fmt_lr`` (``10.0``, ``1e-05``): the page's texts say "the learning rate 10".
    """
    return f"{value:.6g}" if value >= 1e-4 or value == 0 else f"{value:.2e}"
