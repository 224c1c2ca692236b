"""The regression lesson's model and training: ``Sequential`` -> ``compile`` -> ``fit``, then
``evaluate`` and ``predict`` on the test rows, as the script ``lib.lessons.regression.code`` writes.

Training goes through the course's one training API: ``engine.model_session`` hands out a
pooled, compiled model (its training step already traced) reset to a fresh build's
state, inside a job (a gate slot). No Streamlit in this module.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from lib.core import engine
from lib.core.device import DEVICE
from lib.core.models import build_optimizer
from lib.core.numbers import fmt
from lib.core.progress import Reporter
from lib.core.progress_callback import ProgressCallback
from lib.core.specs import check
from lib.lessons.regression.lab import VERBOSE_MODES, RegressionSpec, all_finite, split, train_dataset

# --------------------------------------------------------------------------- 3. model, compile, fit


def build_model(spec: RegressionSpec, x_train: np.ndarray) -> keras.Sequential:
    """Optional Normalization (adapted on the training rows), the hidden Dense layers, Dense(1).

    Each Dense layer gets its own seeded initializer (seed, seed + 1, ...): the same
    spec starts from the same weights whatever else the server runs.
    """
    seed = spec.data.seed
    layers: list[keras.layers.Layer] = [keras.Input(shape=(len(spec.data.features),))]
    if spec.scale:
        normalizer = keras.layers.Normalization()
        normalizer.adapt(x_train)
        layers.append(normalizer)
    for i, units in enumerate(spec.hidden):
        layers.append(keras.layers.Dense(units, activation=spec.activation,
                                         kernel_initializer=keras.initializers.GlorotUniform(seed=seed + i)))
    output_init = keras.initializers.GlorotUniform(seed=seed + len(spec.hidden))
    layers.append(keras.layers.Dense(1, kernel_initializer=output_init))
    return keras.Sequential(layers)


def layer_rows(spec: RegressionSpec) -> list[tuple[str, str, int]]:
    """(layer, output shape, parameters) without building anything: what ``model.summary()`` lists."""
    n = len(spec.data.features)
    rows: list[tuple[str, str, int]] = []
    if spec.scale:
        rows.append(("Normalization", f"(None, {n})", 2 * n + 1))  # mean, variance, count: not trained
    width = n
    for units in spec.hidden:
        rows.append((f'Dense({units}, activation="{spec.activation}")', f"(None, {units})", width * units + units))
        width = units
    rows.append(("Dense(1)", "(None, 1)", width + 1))
    return rows


def layer_frame(spec: RegressionSpec) -> pd.DataFrame:
    """``layer_rows`` as a table with columns layer, shape, params."""
    return pd.DataFrame(layer_rows(spec), columns=["layer", "shape", "params"])


def trainable_params(spec: RegressionSpec) -> int:
    rows = layer_rows(spec)
    return sum(p for name, _, p in rows if name != "Normalization")


@dataclass
class FitResult:
    """A finished run as plain numpy (picklable, cacheable by ``lib.core.ui.train``)."""

    history: dict[str, list[float]]
    epoch_seconds: list[float]
    steps_per_epoch: int
    test_mse: float  # model.evaluate on the test set
    y_test: np.ndarray
    pred: np.ndarray  # model.predict on the test set, flattened
    param_count: int
    seconds: float
    device: str
    diverged: bool = False

    @property
    def epochs_run(self) -> int:
        return len(self.history.get("loss", []))


class _EpochTimer(keras.callbacks.Callback):
    """How long each epoch took (the Keras log on the page shows it per step)."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._start)


def steps_per_epoch(n_train: int, spec: RegressionSpec) -> int:
    return -(-n_train // spec.data.batch_size)


def pool_key(spec: RegressionSpec, n_train: int) -> tuple:
    """What names a pooled model's structure: a new seed, learning rate or number of epochs
    re-initialises a model whose training step is already traced (tracing is most of a short
    run's time). A Normalization layer bakes its adapted mean and variance into the traced
    step as constants, so with scaling on the data split is part of the key; the steps per
    graph call (one epoch's batches) are part of the compiled model."""
    data_key = spec.data if spec.scale else len(spec.data.features)
    return ("regression", data_key, spec.hidden, spec.activation, spec.scale, spec.optimizer.name,
            spec.optimizer.momentum, steps_per_epoch(n_train, spec))


def compiled_model(spec: RegressionSpec, x_train: np.ndarray) -> keras.Sequential:
    """``build_model`` compiled with the spec's optimizer and the mean squared error, one graph
    call per epoch (``steps_per_execution``: the same steps, less Python between them)."""
    model = build_model(spec, x_train)
    model.compile(loss="mean_squared_error", optimizer=build_optimizer(spec.optimizer),
                  steps_per_execution=steps_per_epoch(len(x_train), spec))
    return model


def train(spec: RegressionSpec, report: Reporter | None = None) -> FitResult:
    """Build, compile, fit, evaluate and predict, exactly like the generated script.

    ``report(kind, payload)`` receives ("queued", place) and ("progress", Progress) after
    every epoch, the events ``lib.core.ui.train`` draws as live progress.
    """
    s = split(spec.data)
    timer = _EpochTimer()
    build = lambda: compiled_model(spec, s.x_train)  # noqa: E731
    with engine.model_session(pool_key(spec, len(s.x_train)), build, report,
                              learning_rate=spec.optimizer.lr) as pooled:
        start = time.perf_counter()
        model = pooled.model
        train_ds = train_dataset(s.x_train, s.y_train, spec.data)
        val_ds = tf.data.Dataset.from_tensor_slices((s.x_val, s.y_val)).batch(spec.data.batch_size)
        history = model.fit(train_ds, validation_data=val_ds, epochs=spec.epochs, verbose=0,
                            callbacks=[keras.callbacks.TerminateOnNaN(), timer, ProgressCallback(report, spec.epochs)])
        test_mse = float(model.evaluate(s.x_test, s.y_test, verbose=0))
        pred = np.asarray(model.predict(s.x_test, verbose=0), dtype=np.float32).ravel()
        params = int(model.count_params())
        seconds = time.perf_counter() - start
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    diverged = not (all(all_finite(v) for v in hist.values()) and all_finite(test_mse) and all_finite(pred))
    return FitResult(
        history=hist,
        epoch_seconds=timer.seconds,
        steps_per_epoch=steps_per_epoch(len(s.x_train), spec),
        test_mse=test_mse,
        y_test=np.asarray(s.y_test, dtype=np.float32).copy(),
        pred=pred,
        param_count=params,
        seconds=seconds,
        device=DEVICE.label,
        diverged=diverged,
    )


def _keras_number(value: float) -> str:
    # Keras' progress bar writes 4 decimals, and scientific notation for tiny values.
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.4e}"


def keras_log(result: FitResult, verbose: int, total_epochs: int, head: int = 3, tail: int = 2) -> str:
    """What ``fit(..., verbose=…)`` prints for this run, rebuilt from its history (shortened in the middle).

    verbose=0 prints nothing; 1 draws a progress bar per epoch; 2 writes one line per epoch.
    """
    check(verbose in VERBOSE_MODES, "verbose must be 0, 1 or 2")
    if verbose == 0:
        return ""
    steps = result.steps_per_epoch
    n = result.epochs_run
    shown = list(range(n)) if n <= head + tail else [*range(head), -1, *range(n - tail, n)]
    lines: list[str] = []
    for epoch in shown:
        if epoch < 0:
            lines.append("…")
            continue
        secs = result.epoch_seconds[epoch] if epoch < len(result.epoch_seconds) else 0.0
        per_step = f"{max(1, round(secs / steps * 1000))}ms/step"
        losses = " - ".join(f"{k}: {_keras_number(result.history[k][epoch])}"
                            for k in ("loss", "val_loss") if k in result.history)
        lines.append(f"Epoch {epoch + 1}/{total_epochs}")
        if verbose == 1:
            lines.append(f"{steps}/{steps} ━━━━━━━━━━━━━━━━━━━━ {round(secs)}s {per_step} - {losses}")
        else:
            lines.append(f"{steps}/{steps} - {round(secs)}s - {per_step} - {losses}")
    return "\n".join(lines)


def loss_status(result: FitResult, baseline: float | None = None) -> str:
    """How training went, for the page's explanation.

    "diverged": NaN/inf. "grew": the training loss ended above where it started.
    "huge": it ended more than 10× above ``baseline`` (the MSE of predicting the mean):
    the first steps threw the weights far off. "ok" otherwise.
    """
    if result.diverged:
        return "diverged"
    loss = result.history.get("loss", [])
    if len(loss) > 1 and loss[-1] > loss[0]:
        return "grew"
    if baseline is not None and loss and loss[-1] > 10 * baseline:
        return "huge"
    return "ok"


def fmt_loss(value: float) -> str:
    """A loss or score for the page: 4 decimals (``lib.core.numbers.fmt``), ``1.600e+10`` once it is huge.

    Huge losses keep four significant digits (the shared ``sci`` form keeps three), and
    NaN reads ``nan`` as Keras prints it.
    """
    if math.isfinite(value) and abs(value) >= 1e5:
        return f"{value:.3e}"
    return fmt(value, 4, undefined="nan")


def first_bad_epoch(result: FitResult) -> int | None:
    """The 1-based epoch whose training loss was NaN or infinite, if any."""
    for i, value in enumerate(result.history.get("loss", [])):
        if not math.isfinite(value):
            return i + 1
    return None
