"""A Keras regression workflow on the Advertising data: every number the regression page shows.

pandas table -> ``train_test_split`` -> ``tf.data`` -> ``Sequential`` -> ``compile`` ->
``fit`` -> ``evaluate``/``predict``, beside a least-squares reference. Each step runs
the same operations, in the same order and with the same seeds, as the script
``lib.lessons.regression.code`` writes, so the code on the page reproduces the page's
numbers (a unit test executes it). No Streamlit in this module.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from lib.core import data as data_mod
from lib.core.device import DEVICE  # sets GPU memory growth before the first tensor is made
from lib.core.engine import GATE, EpochReporter  # GATE: one process-wide limit on concurrent training jobs
from lib.core.models import build_optimizer
from lib.core.pool import OptimizerReset, Pool
from lib.core.specs import FitSpec, OptimizerSpec

FEATURES: tuple[str, ...] = ("TV", "radio", "newspaper")
FEATURE_KEYS: dict[str, str] = {"TV": "tv", "radio": "radio", "newspaper": "news"}  # URL keys of the toggles
TARGET = "sales"
INDEX_COLUMN = "Unnamed: 0"  # what pandas calls the CSV's unnamed first column (row numbers 1..200)

# Hidden layers offered on the page (the code is what the URL holds). "10" is the course's Dense(10) -> Dense(1).
ARCHITECTURES: dict[str, tuple[int, ...]] = {
    "none": (),
    "10": (10,),
    "10-10": (10, 10),
    "32-16": (32, 16),
    "64-64": (64, 64),
}
ACTIVATIONS: tuple[str, ...] = ("relu", "linear", "tanh", "sigmoid")
OPTIMIZERS: tuple[str, ...] = ("adam", "sgd", "rmsprop", "adagrad")
LEARNING_RATES: tuple[str, ...] = ("0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1.0")
BATCH_SIZES: tuple[int, ...] = (8, 16, 32, 64)
BUFFERS: tuple[int, ...] = (1, 10, 100, 1000)
VERBOSE_MODES: tuple[int, ...] = (0, 1, 2)
SHOWN_ROWS = 10  # rows of the prediction table

Reporter = Callable[[str, object], None]


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ValueError(message)


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class SplitSpec:
    """The data side: which columns, how to split, how ``tf.data`` batches and shuffles."""

    features: tuple[str, ...] = FEATURES
    test_size: float = 0.2
    val_size: float = 0.2  # share of the training part held out for validation
    seed: int = 42
    batch_size: int = 32
    buffer: int = 1000

    def __post_init__(self) -> None:
        _check(len(self.features) > 0, "choose at least one feature column")
        unknown = [f for f in self.features if f not in FEATURES]
        _check(not unknown, f"unknown feature column(s) {unknown}; choose from {', '.join(FEATURES)}")
        _check(len(set(self.features)) == len(self.features), "each feature column may appear only once")
        _check(0.1 <= self.test_size <= 0.5, "test size must be between 0.1 and 0.5")
        _check(0.1 <= self.val_size <= 0.4, "validation share must be between 0.1 and 0.4")
        _check(0 <= self.seed < 2**31, "seed must be between 0 and 2**31 - 1")
        _check(1 <= self.batch_size <= 512, "batch size must be between 1 and 512")
        _check(1 <= self.buffer <= 100_000, "shuffle buffer must be between 1 and 100000")


@dataclass(frozen=True)
class RegressionSpec:
    """One training run: the data side plus the model, its optimizer and the number of epochs."""

    data: SplitSpec = field(default_factory=SplitSpec)
    hidden: tuple[int, ...] = (10,)
    activation: str = "relu"
    scale: bool = True
    # Keras' default Adam rate (0.001) needs thousands of epochs at 4 updates per epoch; 0.1 learns in 50.
    optimizer: OptimizerSpec = field(default_factory=lambda: OptimizerSpec("adam", 0.1))
    epochs: int = 50

    def __post_init__(self) -> None:
        _check(len(self.hidden) <= 4, "at most 4 hidden layers")
        _check(all(1 <= u <= 256 for u in self.hidden), "hidden layers need between 1 and 256 units")
        _check(self.activation in ACTIVATIONS, f"unknown activation {self.activation!r}")
        _check(self.optimizer.name in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        _check(1 <= self.epochs <= 1000, "epochs must be between 1 and 1000")

    @property
    def fit(self) -> FitSpec:
        """The fit settings in the shared vocabulary (``lib.core.ui.train`` reads ``fit.epochs`` for its bar)."""
        return FitSpec(epochs=self.epochs, batch_size=self.data.batch_size, validation_split=self.data.val_size,
                       seed=self.data.seed, path="fit")


def parse_learning_rate(code: str) -> float:
    """A learning-rate choice from the page ("0.01") as a float; ValueError for anything else."""
    _check(code in LEARNING_RATES, f"learning rate must be one of {', '.join(LEARNING_RATES)}")
    return float(code)


# --------------------------------------------------------------------------- 1. the table


@functools.lru_cache(maxsize=1)
def _raw_frame() -> pd.DataFrame:
    return pd.read_csv(data_mod.ADVERTISING_CSV)


def raw_frame() -> pd.DataFrame:
    """The CSV exactly as ``pd.read_csv`` reads it, unnamed index column included (a copy)."""
    return _raw_frame().copy()


def clean_frame() -> pd.DataFrame:
    """The table after ``drop(columns=["Unnamed: 0"])``: TV, radio, newspaper, sales."""
    return raw_frame().drop(columns=[INDEX_COLUMN])


def correlations() -> dict[str, float]:
    """Pearson correlation of each feature with sales (why newspaper helps so little)."""
    frame = clean_frame()
    return {name: float(frame[name].corr(frame[TARGET])) for name in FEATURES}


# --------------------------------------------------------------------------- 2. split and tf.data


@dataclass(frozen=True)
class Split:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@functools.lru_cache(maxsize=64)
def split(spec: SplitSpec) -> Split:
    """Test set first, then validation out of the rest: two seeded ``train_test_split`` calls."""
    from sklearn.model_selection import train_test_split

    frame = clean_frame()
    x = frame[list(spec.features)].to_numpy(dtype=np.float32)
    y = frame[TARGET].to_numpy(dtype=np.float32)
    x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=spec.test_size, random_state=spec.seed)
    x_train, x_val, y_train, y_val = train_test_split(x_rest, y_rest, test_size=spec.val_size, random_state=spec.seed)
    arrays = (x_train, y_train, x_val, y_val, x_test, y_test)
    for arr in arrays:  # shared by every caller through the cache
        arr.setflags(write=False)
    return Split(*arrays)


def train_dataset(x: np.ndarray, y: np.ndarray, spec: SplitSpec) -> tf.data.Dataset:
    """Pairs -> shuffled -> batched: the pipeline ``fit`` reads."""
    return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(spec.buffer, seed=spec.seed).batch(spec.batch_size)


@dataclass(frozen=True)
class BatchDemo:
    """The first batch of each pipeline, and whether each (x, y) is a pair that exists in the data."""

    x_pairs: np.ndarray
    y_pairs: np.ndarray
    real_pairs: np.ndarray  # bool per row
    x_apart: np.ndarray
    y_apart: np.ndarray
    real_apart: np.ndarray
    truth_apart: tuple[str, ...]  # the sales value(s) that really belong to each x of the separate pipeline

    @property
    def broken_pairs(self) -> int:
        return int((~self.real_pairs).sum())

    @property
    def broken_apart(self) -> int:
        return int((~self.real_apart).sum())


def is_real_pair(x_all: np.ndarray, y_all: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """For each row of (x, y): does some row of the data have exactly these features and this label?"""
    return np.array([bool(((x_all == xi).all(axis=1) & (y_all == yi)).any()) for xi, yi in zip(x, y, strict=True)])


def _labels_of(x_all: np.ndarray, y_all: np.ndarray, xi: np.ndarray) -> str:
    # With one or two feature columns several rows can share the same x, so list every label they carry.
    labels = sorted({float(v) for v in y_all[(x_all == xi).all(axis=1)]})
    return " / ".join(f"{v:g}" for v in labels)


def batch_demo(spec: SplitSpec) -> BatchDemo:
    """``.take(1)`` of the paired pipeline, and of X and y shuffled as two separate pipelines."""
    s = split(spec)
    x_pairs, y_pairs = (t.numpy() for t in next(iter(train_dataset(s.x_train, s.y_train, spec).take(1))))
    # Separately: each dataset draws its own order (seed and seed + 1, see the code), so the pairs break.
    x_ds = tf.data.Dataset.from_tensor_slices(s.x_train).shuffle(spec.buffer, seed=spec.seed).batch(spec.batch_size)
    y_ds = tf.data.Dataset.from_tensor_slices(s.y_train).shuffle(spec.buffer, seed=spec.seed + 1).batch(spec.batch_size)
    x_apart = next(iter(x_ds.take(1))).numpy()
    y_apart = next(iter(y_ds.take(1))).numpy()
    return BatchDemo(
        x_pairs=x_pairs,
        y_pairs=y_pairs,
        real_pairs=is_real_pair(s.x_train, s.y_train, x_pairs, y_pairs),
        x_apart=x_apart,
        y_apart=y_apart,
        real_apart=is_real_pair(s.x_train, s.y_train, x_apart, y_apart),
        truth_apart=tuple(_labels_of(s.x_train, s.y_train, xi) for xi in x_apart),
    )


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


class _Progress(EpochReporter):
    """Times each epoch and forwards its losses to the page's live chart."""

    def __init__(self, report: Reporter | None) -> None:
        super().__init__(report)
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._start)
        super().on_epoch_end(epoch, logs)


def _finite(values: object) -> bool:
    return bool(np.all(np.isfinite(np.asarray(values, dtype=np.float64))))


# Compiled models are pooled by structure: a new seed, learning rate or number of epochs
# re-initialises a model whose training step is already traced (tracing is most of a
# short run's time). A Normalization layer bakes its adapted mean and variance into the
# traced step as constants, so with scaling on the data split is part of the key.
_POOL: Pool[_Trainer] = Pool(max_keys=16)


class _Trainer:
    """A compiled model + optimizer that can be reset to any spec with the same pool key."""

    def __init__(self, spec: RegressionSpec, x_train: np.ndarray) -> None:
        self.model = build_model(spec, x_train)
        self.optimizer = build_optimizer(spec.optimizer)
        self.model.compile(loss="mean_squared_error", optimizer=self.optimizer)
        self.reset_optimizer = OptimizerReset(self.optimizer, self.model.trainable_variables)
        self.fresh = True

    def reset(self, spec: RegressionSpec, x_train: np.ndarray) -> None:
        """The initial weights of a freshly built model for ``spec``, and a fresh optimizer state."""
        if self.fresh:  # built for this very spec a moment ago
            self.fresh = False
            return
        self.model.set_weights(build_model(spec, x_train).get_weights())
        self.reset_optimizer(spec.optimizer.lr)
        self.model.stop_training = False


def _pool_key(spec: RegressionSpec) -> tuple:
    data_key = spec.data if spec.scale else len(spec.data.features)
    return (data_key, spec.hidden, spec.activation, spec.scale, spec.optimizer.name, spec.optimizer.momentum)


def clear_pool() -> None:
    """Forget every pooled model (tests compare pooled runs with fresh ones)."""
    _POOL.clear()


def train(spec: RegressionSpec, report: Reporter | None = None) -> FitResult:
    """Build, compile, fit, evaluate and predict, exactly like the generated script.

    ``report(kind, payload)`` receives ("queued", place) and ("epoch", (epoch, logs)),
    the events ``lib.core.ui.train`` draws as live progress.
    """
    s = split(spec.data)
    with GATE.slot(on_wait=(lambda place: report("queued", place)) if report else None):
        start = time.perf_counter()
        with tf.device(DEVICE.name):
            key = _pool_key(spec)
            trainer = _POOL.take(key, lambda: _Trainer(spec, s.x_train))
            try:
                trainer.reset(spec, s.x_train)
                model = trainer.model
                train_ds = train_dataset(s.x_train, s.y_train, spec.data)
                val_ds = tf.data.Dataset.from_tensor_slices((s.x_val, s.y_val)).batch(spec.data.batch_size)
                progress = _Progress(report)
                history = model.fit(train_ds, validation_data=val_ds, epochs=spec.epochs, verbose=0,
                                    callbacks=[keras.callbacks.TerminateOnNaN(), progress])
                test_mse = float(model.evaluate(s.x_test, s.y_test, verbose=0))
                pred = np.asarray(model.predict(s.x_test, verbose=0), dtype=np.float32).ravel()
                params = int(model.count_params())
            finally:
                _POOL.give_back(key, trainer)
        seconds = time.perf_counter() - start
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    diverged = not (all(_finite(v) for v in hist.values()) and _finite(test_mse) and _finite(pred))
    return FitResult(
        history=hist,
        epoch_seconds=progress.seconds,
        steps_per_epoch=-(-len(s.x_train) // spec.data.batch_size),
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
    _check(verbose in VERBOSE_MODES, "verbose must be 0, 1 or 2")
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


# --------------------------------------------------------------------------- 4. evaluate, predict, compare


@dataclass(frozen=True)
class Scores:
    mse: float
    mae: float
    rmse: float
    r2: float


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> Scores | None:
    """MSE, MAE, RMSE and R² with ``sklearn.metrics``; None when a prediction is NaN or infinite."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if not (_finite(y_pred) and np.abs(y_pred).max(initial=0.0) < 1e150):  # squares of 1e150+ overflow
        return None
    mse = float(mean_squared_error(y_true, y_pred))
    return Scores(mse=mse, mae=float(mean_absolute_error(y_true, y_pred)), rmse=math.sqrt(mse),
                  r2=float(r2_score(y_true, y_pred)))


@dataclass(frozen=True)
class LeastSquares:
    intercept: float
    coef: tuple[float, ...]
    pred: np.ndarray
    scores: Scores


def least_squares(spec: SplitSpec) -> LeastSquares:
    """``LinearRegression`` fitted on the same training rows the network learns from, scored on the test set."""
    from sklearn.linear_model import LinearRegression

    s = split(spec)
    ols = LinearRegression().fit(s.x_train, s.y_train)
    pred = ols.predict(s.x_test).astype(np.float32)
    return LeastSquares(float(ols.intercept_), tuple(float(c) for c in ols.coef_), pred, scores(s.y_test, pred))


def prediction_table(y_test: np.ndarray, pred: np.ndarray | None, ols_pred: np.ndarray,
                     rows: int = SHOWN_ROWS) -> pd.DataFrame:
    """The first test rows: label, the network's prediction and error, the least-squares prediction.

    ``pred`` is None when training diverged: those columns are then empty (NaN).
    """
    n = min(rows, len(y_test))
    pred = np.full(n, np.nan) if pred is None else pred
    y, p, o = (np.asarray(a[:n], dtype=np.float64) for a in (y_test, pred, ols_pred))
    return pd.DataFrame({"label": y, "prediction": p, "error": p - y, "least_squares": o})


def verdict(network: Scores | None, reference: Scores, tolerance: float = 0.1) -> str:
    """"beats", "matches" (within ``tolerance`` of the reference's MSE), "worse" or "diverged"."""
    if network is None:
        return "diverged"
    ratio = network.mse / reference.mse
    if ratio < 1 - tolerance:
        return "beats"
    return "matches" if ratio <= 1 + tolerance else "worse"


# --------------------------------------------------------------------------- small tables for the page


def batch_frame(x: np.ndarray, y: np.ndarray, features: tuple[str, ...]) -> pd.DataFrame:
    """One batch as a table: the feature columns and the label."""
    frame = pd.DataFrame(np.asarray(x, dtype=np.float64), columns=list(features))
    frame[TARGET] = np.asarray(y, dtype=np.float64)
    return frame.round(3)


def pairs_frame(demo: BatchDemo, features: tuple[str, ...], apart: bool, rows: int = 8) -> pd.DataFrame:
    """The first rows of one pipeline's batch: x, the y it came with, the label that belongs to x, ✓/✗.

    Columns: the features, ``y``, ``truth``, ``ok``.
    """
    if apart:
        x, y, real, truth = demo.x_apart, demo.y_apart, demo.real_apart, demo.truth_apart
    else:  # shuffled as pairs: every y is x's own label
        x, y, real = demo.x_pairs, demo.y_pairs, demo.real_pairs
        truth = tuple(f"{float(v):g}" for v in y)
    frame = batch_frame(x[:rows], y[:rows], features).rename(columns={TARGET: "y"})
    frame["truth"] = list(truth[:rows])
    frame["ok"] = ["✅" if r else "❌" for r in real[:rows]]
    return frame


def mean_baseline(spec: SplitSpec) -> float:
    """The training MSE of always predicting the average sales (the variance of y_train)."""
    return float(np.var(split(spec).y_train.astype(np.float64)))


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


def fmt(value: float) -> str:
    """A loss or score for the page: 4 decimals, scientific notation once it is huge."""
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4f}" if abs(value) < 1e5 else f"{value:.3e}"


def first_bad_epoch(result: FitResult) -> int | None:
    """The 1-based epoch whose training loss was NaN or infinite, if any."""
    for i, value in enumerate(result.history.get("loss", [])):
        if not math.isfinite(value):
            return i + 1
    return None


def score_frame(network: Scores | None, reference: Scores) -> pd.DataFrame:
    """Rows MSE, MAE, RMSE, R²; columns ``network`` and ``least_squares`` (NaN where training diverged)."""
    names = ("mse", "mae", "rmse", "r2")
    net = [getattr(network, n) if network else float("nan") for n in names]
    return pd.DataFrame({"network": net, "least_squares": [getattr(reference, n) for n in names]},
                        index=["MSE", "MAE", "RMSE", "R²"]).round(4)


def ols_formula(ls: LeastSquares, features: tuple[str, ...]) -> str:
    """The fitted plane as text: ``sales ≈ 2.642 + 0.0466·TV + …``."""
    terms = "".join(f" {'−' if c < 0 else '+'} {abs(c):.4f}·{name}" for c, name in zip(ls.coef, features, strict=True))
    return f"{TARGET} ≈ {ls.intercept:.3f}{terms}"
