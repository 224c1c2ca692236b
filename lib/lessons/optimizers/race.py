"""The optimizer race and the learning-rate comparison: real training through ``lib.core.engine``.

* ``RaceSpec``: a data set and an MLP; ``RaceSpec.run_spec(optimizer)`` is the
  engine's ``RunSpec`` for one racer. Every racer has the same ``ModelSpec`` seed
  (same initial weights) and the same ``FitSpec`` seed (same batches), so the only
  difference is the optimizer. ``run_race`` trains the racers in one job (one
  progress bar over every racer's epochs); ``run_racer`` trains one through
  ``engine.run`` and adds a fingerprint of the initial weights, so the page can show
  they were identical.
* ``RateSpec``: one optimizer and one learning rate on a linear regression of the
  Advertising sales (Normalization -> Dense(1)), trained with ``model.fit`` and
  ``keras.callbacks.TerminateOnNaN`` on a pooled model (``engine.model_session``);
  ``run_rate`` says how the run went.

No Streamlit in this module.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from lib.core import engine
from lib.core.controls import check_in
from lib.core.models import build_model, build_optimizer
from lib.core.progress import part, report_progress
from lib.core.progress_callback import ProgressCallback
from lib.core.specs import OPTIMIZERS, DataSpec, FitSpec, ModelSpec, OptimizerSpec, RunSpec, check, dense_stack, whole
from lib.lessons.optimizers.controls import CONTROLS, LR_RANGE
from lib.lessons.optimizers.lab import optimizer_spec

Reporter = Callable[[str, object], None]

# The page's choices and ranges, from the lesson's control table: the specs accept exactly these.
RACE_DATASETS = CONTROLS["race_data"].options
TOY_SETS = ("moons", "circles", "xor", "spiral")
FULL_SIZE = {"digits": 1797, "fashion_mnist": 60000}
TOY_NOISE = 0.2
ACTIVATIONS = CONTROLS["race_act"].options
BATCH_SIZES = CONTROLS["race_batch"].options
SAMPLES_RANGE = CONTROLS["race_samples"].range
EPOCHS_RANGE = CONTROLS["race_epochs"].range
LAYERS_RANGE = CONTROLS["race_layers"].range
UNITS_RANGE = CONTROLS["race_units"].range
SEED_RANGE = CONTROLS["race_seed"].range
VALIDATION_SPLIT = 0.2


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
        check(self.data in RACE_DATASETS, f"unknown data set {self.data!r}; choose one of {', '.join(RACE_DATASETS)}")
        object.__setattr__(self, "samples", whole(self.samples, "samples", *SAMPLES_RANGE))
        object.__setattr__(self, "layers", whole(self.layers, "hidden layers", *LAYERS_RANGE))
        object.__setattr__(self, "units", whole(self.units, "units", *UNITS_RANGE))
        check(self.activation in ACTIVATIONS, f"activation must be one of {', '.join(ACTIVATIONS)}")
        object.__setattr__(self, "epochs", whole(self.epochs, "epochs", *EPOCHS_RANGE))
        check(self.batch_size in BATCH_SIZES, f"batch size must be one of {BATCH_SIZES}")
        object.__setattr__(self, "seed", whole(self.seed, "seed", *SEED_RANGE))

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
    """Train one racer through the engine (a job of its own, or part of ``run_race``'s)."""
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


def race_optimizers(settings: dict[str, tuple[float | None, float]]) -> list[OptimizerSpec]:
    """``{name: (learning rate, momentum)}`` -> specs, in the course's order (None: Keras' default rate)."""
    for name, (rate, _) in settings.items():
        if rate is not None and name in OPTIMIZERS:
            check_in(CONTROLS[f"race_lr_{name}"], rate, f"the learning rate of {name}")
    return [optimizer_spec(name, *settings[name]) for name in OPTIMIZERS if name in settings]


@dataclass(frozen=True)
class Race:
    """One race: the problem and the racers' optimizers (what the page caches a race by)."""

    spec: RaceSpec
    optimizers: tuple[OptimizerSpec, ...]

    def __post_init__(self) -> None:
        check(all(isinstance(o, OptimizerSpec) for o in self.optimizers), "optimizers must be OptimizerSpecs")
        object.__setattr__(self, "optimizers", tuple(self.optimizers))


# Finished racers by RunSpec (a racer is a pure function of its spec): a race that changes
# one optimizer's learning rate, or drops a racer, trains only what is new.
_FINISHED: OrderedDict[RunSpec, RacerResult] = OrderedDict()
_FINISHED_LOCK = threading.Lock()
FINISHED_KEPT = 128


def run_race(race: Race, report: Reporter | None = None) -> dict[str, RacerResult]:
    """Every racer, in one job; progress counts the epochs of all racers together."""
    epochs = race.spec.epochs
    total = epochs * len(race.optimizers)
    results: dict[str, RacerResult] = {}
    with engine.job(report):
        for i, opt in enumerate(race.optimizers):
            spec = race.spec.run_spec(opt)
            share = part(report, i * epochs, total, f"{opt.name} ")
            with _FINISHED_LOCK:
                done = _FINISHED.get(spec)
            if done is None:
                done = run_racer(spec, share)
                with _FINISHED_LOCK:
                    _FINISHED[spec] = done
                    while len(_FINISHED) > FINISHED_KEPT:
                        _FINISHED.popitem(last=False)
            else:
                report_progress(share, epochs, epochs)
            results[opt.name] = done
    return results


# =========================================================================== learning rate: too small, right, too large

RATE_FEATURES = ("TV", "radio", "newspaper")
RATE_BATCH = 16
RATE_EPOCHS_RANGE = CONTROLS["lr_epochs"].range
VERDICTS = ("diverged", "unstable", "slow", "good")


@dataclass(frozen=True)
class RateSpec:
    """One optimizer at one learning rate on the Advertising linear regression."""

    optimizer: OptimizerSpec = field(default_factory=lambda: optimizer_spec("sgd", 0.1))
    epochs: int = 30
    seed: int = 0

    def __post_init__(self) -> None:
        check(isinstance(self.optimizer, OptimizerSpec), "optimizer must be an OptimizerSpec")
        check(LR_RANGE[0] <= self.optimizer.lr <= LR_RANGE[1],
              f"the learning rate must be between {LR_RANGE[0]:g} and {LR_RANGE[1]:g}")
        object.__setattr__(self, "epochs", whole(self.epochs, "epochs", *RATE_EPOCHS_RANGE))
        object.__setattr__(self, "seed", whole(self.seed, "seed", 0, 2**31 - 1))

    @property
    def fit(self) -> FitSpec:
        """Split, batches and epochs in the engine's terms."""
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


def _rate_build(spec: RateSpec, x_train: np.ndarray, steps: int) -> Callable[[], keras.Model]:
    """What ``engine.model_session`` builds a rate model with: compiled, seeded, normalizer adapted."""

    def build() -> keras.Model:
        model = _rate_model(spec, x_train)
        model.compile(optimizer=build_optimizer(spec.optimizer), loss="mse", metrics=["mae"],
                      steps_per_execution=steps)
        return model

    return build


class _Validate(keras.callbacks.Callback):
    """``validation_data`` without its cost: one traced evaluation per epoch, written into the epoch's logs.

    Keras' own validation builds a new dataset iterator every epoch, which costs
    more than this whole epoch of training; the numbers are the same. The traced
    evaluation is kept on the pooled model, so it is traced once per pooled model.
    """

    def __init__(self, pooled: object, x_val: np.ndarray, y_val: np.ndarray) -> None:
        super().__init__()
        self.x_val, self.y_val = tf.constant(x_val), tf.constant(y_val)
        if getattr(pooled, "rate_evaluate", None) is None:
            model = pooled.model  # type: ignore[attr-defined]

            @tf.function
            def evaluate(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
                error = model(x, training=False) - y
                return tf.reduce_mean(tf.square(error)), tf.reduce_mean(tf.abs(error))

            pooled.rate_evaluate = evaluate  # type: ignore[attr-defined]
        self.evaluate = pooled.rate_evaluate  # type: ignore[attr-defined]

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        val_loss, val_mae = self.evaluate(self.x_val, self.y_val)
        logs["val_loss"], logs["val_mae"] = float(val_loss), float(val_mae)  # History reads the same dict


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
    key = ("optimizers", "rate", spec.optimizer.name, spec.optimizer.momentum, spec.seed, n, steps)
    with engine.model_session(key, _rate_build(spec, s.x_train, steps), report, spec.optimizer.lr) as pooled:
        start = time.perf_counter()
        train = _batches(s.x_train, s.y_train, orders)
        hist = pooled.model.fit(train, epochs=spec.epochs, steps_per_epoch=steps, shuffle=False, verbose=0,
                                callbacks=[keras.callbacks.TerminateOnNaN(), _Validate(pooled, s.x_val, s.y_val),
                                           ProgressCallback(report, spec.epochs)])
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
