"""The optimizer race and the learning-rate comparison: real training, one cached run per optimizer.

* ``RaceSpec``: a data set and an MLP; ``RaceSpec.run_spec(optimizer)`` is the
  engine's ``RunSpec`` for one racer. Every racer has the same ``ModelSpec`` seed
  (same initial weights) and the same ``FitSpec`` seed (same batches), so the only
  difference is the optimizer. ``run_racer`` trains through ``lib.core.engine`` and adds
  a fingerprint of the initial weights, so the page can show they were identical.
* ``RateSpec``: one optimizer and one learning rate on a linear regression of the
  Advertising sales (Normalization -> Dense(1)), trained with ``model.fit`` and
  ``keras.callbacks.TerminateOnNaN``; ``run_rate`` says how the run went.

No Streamlit in this module.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from lib.core import engine
from lib.core.device import DEVICE  # GPU memory growth is set when this is imported
from lib.core.models import build_model, build_optimizer
from lib.core.pool import OptimizerReset, Pool
from lib.core.specs import OPTIMIZERS, DataSpec, FitSpec, ModelSpec, OptimizerSpec, RunSpec, dense_stack
from lib.lessons.optimizers.lab import optimizer_spec

Reporter = Callable[[str, object], None]

TOY_SETS = ("moons", "circles", "xor", "spiral")
RACE_DATASETS = (*TOY_SETS, "digits", "fashion_mnist")
FULL_SIZE = {"digits": 1797, "fashion_mnist": 60000}
TOY_NOISE = 0.2
ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu")
BATCH_SIZES = (16, 32, 64, 128)
SAMPLES_RANGE = (100, 5000)
VALIDATION_SPLIT = 0.2


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ValueError(message)


def _whole(value: object, name: str, lo: int, hi: int) -> int:
    _check(isinstance(value, int | float) and math.isfinite(value) and float(value).is_integer(),
           f"{name} must be a whole number")
    _check(lo <= value <= hi, f"{name} must be between {lo} and {hi}")
    return int(value)


# =========================================================================== the race


@dataclass(frozen=True)
class RaceSpec:
    """The problem every racer trains on: data, model, epochs, batches and one seed for all of them."""

    data: str = "moons"
    samples: int = 400  # total rows of a toy set; a subsample of digits / Fashion-MNIST
    layers: int = 2
    units: int = 16
    activation: str = "relu"
    epochs: int = 30
    batch_size: int = 32
    seed: int = 0

    def __post_init__(self) -> None:
        _check(self.data in RACE_DATASETS, f"unknown data set {self.data!r}; choose one of {', '.join(RACE_DATASETS)}")
        object.__setattr__(self, "samples", _whole(self.samples, "samples", *SAMPLES_RANGE))
        object.__setattr__(self, "layers", _whole(self.layers, "hidden layers", 1, 4))
        object.__setattr__(self, "units", _whole(self.units, "units", 1, 256))
        _check(self.activation in ACTIVATIONS, f"activation must be one of {', '.join(ACTIVATIONS)}")
        object.__setattr__(self, "epochs", _whole(self.epochs, "epochs", 1, 200))
        _check(self.batch_size in BATCH_SIZES, f"batch size must be one of {BATCH_SIZES}")
        object.__setattr__(self, "seed", _whole(self.seed, "seed", 0, 2**31 - 1))

    @property
    def rows(self) -> int:
        """Rows actually used (digits has only 1797)."""
        return min(self.samples, FULL_SIZE.get(self.data, self.samples))

    def data_spec(self) -> DataSpec:
        if self.data in TOY_SETS:
            return DataSpec(self.data, n_samples=self.samples, noise=TOY_NOISE, seed=self.seed)
        subsample = None if self.samples >= FULL_SIZE[self.data] else self.samples
        return DataSpec(self.data, subsample=subsample, seed=self.seed)

    def model_spec(self) -> ModelSpec:
        return dense_stack((self.units,) * self.layers, self.activation, seed=self.seed)

    def fit_spec(self) -> FitSpec:
        return FitSpec(epochs=self.epochs, batch_size=self.batch_size, validation_split=VALIDATION_SPLIT,
                       seed=self.seed, path="fast")

    def run_spec(self, optimizer: OptimizerSpec) -> RunSpec:
        """One racer: only the optimizer differs between the racers of a race."""
        return RunSpec(data=self.data_spec(), model=self.model_spec(), optimizer=optimizer, fit=self.fit_spec())


@dataclass
class RacerResult:
    """One racer's run, numpy and floats only (cached and pickled by the page)."""

    optimizer: OptimizerSpec
    history: dict[str, list[float]]
    epochs_run: int
    seconds: float
    diverged: bool
    start_fingerprint: str  # of the initial weights: equal for every racer of a race
    notice: str | None = None
    extras: dict = field(default_factory=dict)

    def _val(self, key: str) -> np.ndarray:
        return np.asarray(self.history.get(key, []), float)

    @property
    def final_val_accuracy(self) -> float:
        acc = self._val("val_accuracy")
        return float(acc[-1]) if acc.size else math.nan

    @property
    def final_val_loss(self) -> float:
        loss = self._val("val_loss")
        return float(loss[-1]) if loss.size else math.nan

    @property
    def best_epoch(self) -> int | None:
        """1-based epoch of the best validation accuracy (the first one if tied)."""
        acc = self._val("val_accuracy")
        acc = np.where(np.isfinite(acc), acc, -np.inf)
        return int(np.argmax(acc)) + 1 if acc.size and np.isfinite(acc.max()) else None

    @property
    def best_val_accuracy(self) -> float:
        epoch = self.best_epoch
        return float(self._val("val_accuracy")[epoch - 1]) if epoch else math.nan


def initial_weights(spec: RunSpec) -> list[np.ndarray]:
    """The weights a run starts from: what ``engine`` loads into its pooled model before training."""
    s, _ = engine.split(spec)
    return build_model(spec.model, tuple(s.x_train.shape[1:]), s.task, s.n_classes).get_weights()


def fingerprint(weights: list[np.ndarray]) -> str:
    """A short hash of the exact bytes of every weight: equal fingerprints, identical weights."""
    digest = hashlib.sha1()
    for w in weights:
        digest.update(np.ascontiguousarray(w, np.float32).tobytes())
    return digest.hexdigest()[:10]


def run_racer(spec: RunSpec, report: Reporter | None = None) -> RacerResult:
    """Train one racer through the engine (``ui.train`` caches this per spec)."""
    result = engine.run(spec, on_epoch=report)
    return RacerResult(
        optimizer=spec.optimizer,
        history=result.history,
        epochs_run=result.epochs_run,
        seconds=result.seconds,
        diverged=result.diverged,
        start_fingerprint=fingerprint(initial_weights(spec)),
        notice=result.notice,
    )


def race_optimizers(settings: dict[str, tuple[float, float]]) -> list[OptimizerSpec]:
    """``{name: (learning rate, momentum)}`` -> specs, in the course's order."""
    return [optimizer_spec(name, *settings[name]) for name in OPTIMIZERS if name in settings]


# =========================================================================== learning rate: too small, right, too large

RATE_FEATURES = ("TV", "radio", "newspaper")
RATE_BATCH = 16
RATE_EPOCHS_RANGE = (5, 100)
VERDICTS = ("diverged", "unstable", "slow", "good")


@dataclass(frozen=True)
class RateSpec:
    """One optimizer at one learning rate on the Advertising linear regression."""

    optimizer: OptimizerSpec = field(default_factory=lambda: optimizer_spec("sgd", 0.1))
    epochs: int = 30
    seed: int = 0

    def __post_init__(self) -> None:
        _check(isinstance(self.optimizer, OptimizerSpec), "optimizer must be an OptimizerSpec")
        object.__setattr__(self, "epochs", _whole(self.epochs, "epochs", *RATE_EPOCHS_RANGE))
        object.__setattr__(self, "seed", _whole(self.seed, "seed", 0, 2**31 - 1))

    @property
    def fit(self) -> FitSpec:
        """The shared vocabulary (``lib.core.ui.train`` reads ``fit.epochs`` for its progress bar)."""
        return FitSpec(epochs=self.epochs, batch_size=RATE_BATCH, validation_split=VALIDATION_SPLIT,
                       seed=self.seed, path="fit")

    def run_spec(self) -> RunSpec:
        """Data split and batch order in the engine's terms (the model itself is built here)."""
        return RunSpec(data=DataSpec("advertising"), model=ModelSpec(layers=(), seed=self.seed),
                       optimizer=self.optimizer, fit=self.fit)


@dataclass
class RateResult:
    optimizer: OptimizerSpec
    history: dict[str, list[float]]
    epochs_run: int
    epochs: int
    seconds: float
    stopped_at: int | None  # 1-based epoch in which TerminateOnNaN ended the run
    best_mse: float  # the least-squares optimum of the training loss, for the verdict
    verdict: str
    extras: dict = field(default_factory=dict)

    @property
    def diverged(self) -> bool:
        return self.stopped_at is not None

    @property
    def final_loss(self) -> float:
        return float(self.history["loss"][-1]) if self.history.get("loss") else math.nan

    @property
    def final_val_loss(self) -> float:
        return float(self.history["val_loss"][-1]) if self.history.get("val_loss") else math.nan


def _rate_model(spec: RateSpec, x_train: np.ndarray) -> keras.Sequential:
    """Normalization (adapted on the training rows) -> Dense(1): linear regression on standardized inputs."""
    normalizer = keras.layers.Normalization()
    normalizer.adapt(x_train)
    return keras.Sequential([
        keras.Input(shape=(x_train.shape[1],)),
        normalizer,
        keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed=spec.seed)),
    ])


class _RateTrainer:
    """A compiled model whose traced training step is reused across learning rates and seeds."""

    def __init__(self, spec: RateSpec, x_train: np.ndarray, steps: int) -> None:
        self.model = _rate_model(spec, x_train)
        optimizer = build_optimizer(spec.optimizer)
        self.model.compile(optimizer=optimizer, loss="mse", metrics=["mae"], steps_per_execution=steps)
        self.reset_optimizer = OptimizerReset(optimizer, self.model.trainable_variables)
        self.evaluate = tf.function(self._evaluate)

    def _evaluate(self, x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        error = self.model(x, training=False) - y
        return tf.reduce_mean(tf.square(error)), tf.reduce_mean(tf.abs(error))

    def reset(self, spec: RateSpec, x_train: np.ndarray) -> None:
        self.model.set_weights(_rate_model(spec, x_train).get_weights())  # normalizer statistics included
        self.reset_optimizer(spec.optimizer.lr)
        self.model.stop_training = False


_RATE_TRAINERS: Pool[_RateTrainer] = Pool(max_keys=12)


class _Validate(keras.callbacks.Callback):
    """``validation_data`` without its cost: one traced evaluation per epoch, written into the epoch's logs.

    Keras' own validation builds a new dataset iterator every epoch, which costs
    more than this whole epoch of training; the numbers are the same.
    """

    def __init__(self, trainer: _RateTrainer, x_val: np.ndarray, y_val: np.ndarray, report: Reporter | None) -> None:
        super().__init__()
        self.trainer, self.x_val, self.y_val, self.report = trainer, tf.constant(x_val), tf.constant(y_val), report

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        val_loss, val_mae = self.trainer.evaluate(self.x_val, self.y_val)
        logs["val_loss"], logs["val_mae"] = float(val_loss), float(val_mae)  # History reads the same dict
        if self.report is not None:
            self.report("epoch", (epoch, {k: float(v) for k, v in logs.items()}))


def least_squares_mse(x: np.ndarray, y: np.ndarray) -> float:
    """The smallest training MSE any linear model can reach (numpy, float64)."""
    a = np.column_stack((np.asarray(x, np.float64), np.ones(len(x))))
    coef, *_ = np.linalg.lstsq(a, np.asarray(y, np.float64).ravel(), rcond=None)
    return float(np.mean((a @ coef - np.asarray(y, np.float64).ravel()) ** 2))


def verdict(history: dict[str, list[float]], stopped: bool, best_mse: float) -> str:
    """diverged (NaN, stopped), unstable (ended above where it started, or bounced far above its own best),
    slow (still far from the best a linear model can do), good."""
    loss = np.asarray(history.get("loss", []), float)
    if stopped or not loss.size or not np.isfinite(loss).all():
        return "diverged"
    if loss[-1] > loss[0]:
        return "unstable"
    if loss[-1] <= 1.5 * best_mse + 0.5:  # mini-batch noise keeps even a good run a little above the optimum
        return "good"
    return "unstable" if loss[-1] > 1.4 * loss.min() + 0.2 else "slow"  # bouncing vs. still creeping down


def rate_batches(spec: RateSpec, n_train: int) -> np.ndarray:
    """The sample order of every epoch (the engine's, so the code panel can draw it the same way)."""
    return engine.epoch_orders(n_train, spec.epochs, spec.seed)


def _batches(x_train: np.ndarray, y_train: np.ndarray, orders: np.ndarray) -> tf.data.Dataset:
    """The engine's batches: one fixed permutation per epoch, cut into batches of RATE_BATCH."""
    x, y = tf.constant(x_train), tf.constant(y_train)

    def epoch_batches(order: tf.Tensor) -> tf.data.Dataset:
        return tf.data.Dataset.from_tensor_slices(order).batch(RATE_BATCH)

    def gather(idx: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return tf.gather(x, idx), tf.gather(y, idx)

    return tf.data.Dataset.from_tensor_slices(orders).flat_map(epoch_batches).map(gather)


def run_rate(spec: RateSpec, report: Reporter | None = None) -> RateResult:
    """``model.fit`` with TerminateOnNaN; the page draws the history and explains the verdict."""
    s, _ = engine.split(spec.run_spec())
    n = len(s.x_train)
    steps = -(-n // RATE_BATCH)
    orders = rate_batches(spec, n)
    # The seed picks the training rows, and the Normalization statistics are baked into the traced step.
    key = (spec.optimizer.name, spec.optimizer.momentum, spec.seed, n, steps)
    on_wait = (lambda place: report("queued", place)) if report else None
    with engine.GATE.slot(on_wait=on_wait):
        start = time.perf_counter()
        with tf.device(DEVICE.name):
            trainer = _RATE_TRAINERS.take(key, lambda: _RateTrainer(spec, s.x_train, steps))
            try:
                trainer.reset(spec, s.x_train)
                train = _batches(s.x_train, s.y_train, orders)
                hist = trainer.model.fit(train, epochs=spec.epochs, steps_per_epoch=steps, shuffle=False, verbose=0,
                                         callbacks=[keras.callbacks.TerminateOnNaN(),
                                                    _Validate(trainer, s.x_val, s.y_val, report)])
            finally:
                _RATE_TRAINERS.give_back(key, trainer)
        seconds = time.perf_counter() - start
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    losses = history.get("loss", [])
    bad = [i for i, v in enumerate(losses) if not math.isfinite(v)]
    stopped_at = bad[0] + 1 if bad else None
    best = least_squares_mse(s.x_train, s.y_train)
    return RateResult(
        optimizer=spec.optimizer,
        history=history,
        epochs_run=len(losses),
        epochs=spec.epochs,
        seconds=seconds,
        stopped_at=stopped_at,
        best_mse=best,
        verdict=verdict(history, stopped_at is not None, best),
    )
