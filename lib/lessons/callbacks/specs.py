"""Specs of the callbacks lesson: frozen, hashable, validated with messages a learner can read.

``Setup`` is what every section shares; each section adds one callback spec, and
``Experiment(setup, callback)`` is what ``ui.train`` caches. No TensorFlow here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from lib.core.specs import DataSpec, FitSpec, OptimizerSpec, RunSpec, check, clean, dense_stack

DATASETS = ("fashion_mnist", "digits")
ROWS = (200, 300, 500, 1000, 2000)
UNITS = (64, 128, 256, 512)
EPOCHS = (10, 20, 30, 40, 60, 100, 200, 300)
BATCH_SIZES = (16, 32, 64, 128)
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 1.0, 10.0)
VALIDATION_SPLIT = 0.5  # half the rows for validation: a small training set overfits quickly
MONITORS = ("val_loss", "val_accuracy", "loss", "accuracy")
MODES = ("auto", "min", "max")
MIN_LRS = (0.0, 1e-6, 1e-5, 1e-4)
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
DIGITS_ROWS = 1797  # scikit-learn's digits: a larger subsample is the whole set


def _whole(value: object, name: str, lo: int, hi: int) -> int:
    check(isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
          and float(value).is_integer(), f"{name} must be a whole number")
    check(lo <= value <= hi, f"{name} must be between {lo} and {hi}")
    return int(value)


def _number(value: object, name: str, lo: float, hi: float) -> float:
    check(isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value),
          f"{name} must be a finite number")
    check(lo <= value <= hi, f"{name} must be between {lo:g} and {hi:g}")
    return clean(value, 8)


@dataclass(frozen=True)
class Setup:
    """Data, model, optimizer and epochs shared by every section of the page."""

    data: str = "fashion_mnist"
    rows: int = 300
    units: int = 256
    epochs: int = 40
    batch_size: int = 32
    learning_rate: float = 0.001
    seed: int = 0

    def __post_init__(self) -> None:
        check(self.data in DATASETS, f"data set must be one of {', '.join(DATASETS)}")
        object.__setattr__(self, "rows", _whole(self.rows, "rows", 50, 5000))
        object.__setattr__(self, "units", _whole(self.units, "hidden units", 1, 1024))
        object.__setattr__(self, "epochs", _whole(self.epochs, "epochs", 1, 300))
        object.__setattr__(self, "batch_size", _whole(self.batch_size, "batch size", 1, 1024))
        object.__setattr__(self, "learning_rate", _number(self.learning_rate, "learning rate", 1e-6, 100.0))
        object.__setattr__(self, "seed", _whole(self.seed, "seed", 0, 2**31 - 1))

    def run_spec(self) -> RunSpec:
        return RunSpec(
            data=DataSpec(self.data, subsample=self.rows, seed=self.seed),
            model=dense_stack((self.units,), "relu", seed=self.seed),
            optimizer=OptimizerSpec("adam", self.learning_rate),
            fit=FitSpec(epochs=self.epochs, batch_size=self.batch_size, validation_split=VALIDATION_SPLIT,
                        seed=self.seed, path="fit"),
        )

    @property
    def train_rows(self) -> int:
        """Rows left for training: scikit-learn's split puts ceil(n / 2) rows in validation."""
        n = min(self.rows, DIGITS_ROWS) if self.data == "digits" else self.rows
        return n - math.ceil(n * VALIDATION_SPLIT)

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.train_rows // self.batch_size)


def _monitor(monitor: str, mode: str) -> None:
    check(monitor in MONITORS, f"monitor must be one of {', '.join(MONITORS)}")
    check(mode in MODES, f"mode must be one of {', '.join(MODES)}")


@dataclass(frozen=True)
class EarlyStop:
    monitor: str = "val_loss"
    min_delta: float = 0.0
    patience: int = 5
    mode: str = "auto"
    restore_best_weights: bool = True
    start_from_epoch: int = 0

    def __post_init__(self) -> None:
        _monitor(self.monitor, self.mode)
        object.__setattr__(self, "min_delta", _number(self.min_delta, "min_delta", 0.0, 10.0))
        object.__setattr__(self, "patience", _whole(self.patience, "patience", 0, 300))
        object.__setattr__(self, "start_from_epoch", _whole(self.start_from_epoch, "start_from_epoch", 0, 300))


@dataclass(frozen=True)
class Checkpoint:
    """``folder``: the learner's session folder ("" = a throwaway one, for tests and benchmarks).

    ``generation`` only tells runs apart: the page bumps it to train again when the
    files of a cached run are gone (a session keeps the files of its latest run only).
    """

    monitor: str = "val_loss"
    save_best_only: bool = True
    save_weights_only: bool = True
    mode: str = "auto"
    folder: str = ""
    generation: int = 0

    def __post_init__(self) -> None:
        _monitor(self.monitor, self.mode)

    @property
    def may_save_every_epoch(self) -> bool:
        """Without save_best_only, or on a training metric (which improves almost every epoch)."""
        return not self.save_best_only or not self.monitor.startswith("val_")

    @property
    def pattern(self) -> str:
        """The file name with Keras' ``{epoch}`` placeholder: one file per saved epoch."""
        return "ckpt-{epoch:03d}" + (".weights.h5" if self.save_weights_only else ".keras")


@dataclass(frozen=True)
class Plateau:
    monitor: str = "val_loss"
    factor: float = 0.5
    patience: int = 3
    min_lr: float = 1e-5
    cooldown: int = 0

    def __post_init__(self) -> None:
        _monitor(self.monitor, "auto")
        object.__setattr__(self, "factor", _number(self.factor, "factor", 0.01, 0.99))
        object.__setattr__(self, "patience", _whole(self.patience, "patience", 0, 300))
        object.__setattr__(self, "min_lr", _number(self.min_lr, "min_lr", 0.0, 1.0))
        object.__setattr__(self, "cooldown", _whole(self.cooldown, "cooldown", 0, 300))


@dataclass(frozen=True)
class Board:
    histograms: bool = False


@dataclass(frozen=True)
class Progress:
    per_batch: bool = False


@dataclass(frozen=True)
class CourseList:
    """The course's list: checkpoint the best val_loss, stop on val_accuracy, cut the rate on val_loss, log."""

    es_patience: int = 20
    lr_factor: float = 0.1
    lr_patience: int = 10

    def __post_init__(self) -> None:
        object.__setattr__(self, "es_patience", _whole(self.es_patience, "patience", 0, 300))
        object.__setattr__(self, "lr_factor", _number(self.lr_factor, "factor", 0.01, 0.99))
        object.__setattr__(self, "lr_patience", _whole(self.lr_patience, "patience", 0, 300))


Callback = EarlyStop | Checkpoint | Plateau | Board | Progress | CourseList | None


CHECKPOINT_BUDGET = 300_000_000  # bytes one session's checkpoint folder may fill


def checkpoint_bytes(setup: Setup) -> int:
    """About one checkpoint file: every weight plus Adam's two moments for it, in float32."""
    inputs = 64 if setup.data == "digits" else 28 * 28
    params = inputs * setup.units + setup.units + setup.units * 10 + 10
    return params * 4 * 3


def checkpoint_too_big(setup: Setup, mc: Checkpoint) -> bool:
    return mc.may_save_every_epoch and setup.epochs * checkpoint_bytes(setup) > CHECKPOINT_BUDGET


@dataclass(frozen=True)
class _Total:
    epochs: int


@dataclass(frozen=True)
class Experiment:
    """One cached run: the shared setup plus one section's callback (None = no callback)."""

    setup: Setup = field(default_factory=Setup)
    callback: Callback = None

    def __post_init__(self) -> None:
        if isinstance(self.callback, Checkpoint):
            check(not checkpoint_too_big(self.setup, self.callback),
                  f"saving up to {self.setup.epochs} checkpoints of about {checkpoint_bytes(self.setup) / 1e6:.1f} MB "
                  "is too much; use save_best_only on a val_ metric, fewer epochs or fewer units")

    @property
    def fit(self) -> _Total:
        """What ``ui.train``'s progress bar counts: epochs, or batches when progress is per batch."""
        if isinstance(self.callback, Progress) and self.callback.per_batch:
            return _Total(self.setup.epochs * self.setup.steps_per_epoch)
        return _Total(self.setup.epochs)
