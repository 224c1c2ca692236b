"""Specs of the callbacks lesson: frozen, hashable, validated with messages a learner can read.

``Setup`` is what every section shares; each section adds one callback spec, and
``Experiment(setup, callback)`` is what ``ui.train`` caches. No TensorFlow here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from lib.core.specs import DataSpec, FitSpec, OptimizerSpec, RunSpec, check, dense_stack, number, whole
from lib.lessons.callbacks.controls import CONTROLS, MAX_EPOCHS

# What the page offers, from the lesson's control table: the specs accept exactly these.
DATASETS = CONTROLS["cb_data"].options
ROWS = CONTROLS["cb_rows"].options
UNITS = CONTROLS["cb_units"].options
EPOCHS = CONTROLS["cb_epochs"].options
BATCH_SIZES = CONTROLS["cb_batch"].options
LEARNING_RATES = CONTROLS["cb_lr"].options
SEED_RANGE = CONTROLS["cb_seed"].range
MONITORS = CONTROLS["cb_es_monitor"].options
MODES = CONTROLS["cb_es_mode"].options
MIN_DELTAS = CONTROLS["cb_es_delta"].options
ES_PATIENCE_RANGE = CONTROLS["cb_es_patience"].range
START_RANGE = CONTROLS["cb_es_start"].range
FACTOR_RANGE = CONTROLS["cb_lr_factor"].range
LR_PATIENCE_RANGE = CONTROLS["cb_lr_patience"].range
MIN_LRS = CONTROLS["cb_lr_min"].options
COOLDOWN_RANGE = CONTROLS["cb_lr_cooldown"].range
VALIDATION_SPLIT = 0.5  # half the rows for validation: a small training set overfits quickly
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
DIGITS_ROWS = 1797  # scikit-learn's digits: a larger subsample is the whole set
DIGITS = 8  # decimals a rate or factor keeps (``0.0001 * 3`` -> ``0.0003``)


def one_of(value: object, name: str, options: tuple) -> object:
    """``value`` if it is one of ``options``; numbers are checked against their range first, so the
    message says what is wrong (``epochs must be between 10 and 300``)."""
    if all(isinstance(o, int) for o in options):
        value = whole(value, name, min(options), max(options))
    elif all(isinstance(o, float) for o in options):
        value = number(value, name, min(options), max(options), DIGITS)
    check(value in options, f"{name} must be one of {', '.join(map(str, options))}")
    return value


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
        one_of(self.data, "data set", DATASETS)
        object.__setattr__(self, "rows", one_of(self.rows, "rows", ROWS))
        object.__setattr__(self, "units", one_of(self.units, "hidden units", UNITS))
        object.__setattr__(self, "epochs", one_of(self.epochs, "epochs", EPOCHS))
        object.__setattr__(self, "batch_size", one_of(self.batch_size, "batch size", BATCH_SIZES))
        object.__setattr__(self, "learning_rate", one_of(self.learning_rate, "learning rate", LEARNING_RATES))
        object.__setattr__(self, "seed", whole(self.seed, "seed", *SEED_RANGE))

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
        object.__setattr__(self, "min_delta", one_of(self.min_delta, "min_delta", MIN_DELTAS))
        object.__setattr__(self, "patience", whole(self.patience, "patience", *ES_PATIENCE_RANGE))
        object.__setattr__(self, "start_from_epoch", whole(self.start_from_epoch, "start_from_epoch", *START_RANGE))


@dataclass(frozen=True)
class Checkpoint:
    """ModelCheckpoint's settings. The run writes its files into a temporary folder, loads each one
    back and scores it (``Outcome.loaded``), then removes the folder: a result any learner can share."""

    monitor: str = "val_loss"
    save_best_only: bool = True
    save_weights_only: bool = True
    mode: str = "auto"

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
        object.__setattr__(self, "factor", number(self.factor, "factor", *FACTOR_RANGE, DIGITS))
        object.__setattr__(self, "patience", whole(self.patience, "patience", *LR_PATIENCE_RANGE))
        object.__setattr__(self, "min_lr", one_of(self.min_lr, "min_lr", MIN_LRS))
        object.__setattr__(self, "cooldown", whole(self.cooldown, "cooldown", *COOLDOWN_RANGE))


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
        object.__setattr__(self, "es_patience", whole(self.es_patience, "patience", 0, MAX_EPOCHS))
        object.__setattr__(self, "lr_factor", number(self.lr_factor, "factor", 0.01, 0.99, DIGITS))
        object.__setattr__(self, "lr_patience", whole(self.lr_patience, "patience", 0, MAX_EPOCHS))


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
class Experiment:
    """One cached run: the shared setup plus one section's callback (None = no callback)."""

    setup: Setup = field(default_factory=Setup)
    callback: Callback = None

    def __post_init__(self) -> None:
        if isinstance(self.callback, Checkpoint):
            check(not checkpoint_too_big(self.setup, self.callback),
                  f"saving up to {self.setup.epochs} checkpoints of about {checkpoint_bytes(self.setup) / 1e6:.1f} MB "
                  "is too much; use save_best_only on a val_ metric, fewer epochs or fewer units")
