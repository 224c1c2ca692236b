"""The regression lesson's specs and data: the Advertising table, its split and the ``tf.data`` pipelines.

pandas table -> ``train_test_split`` -> ``tf.data`` here; ``Sequential`` -> ``compile`` ->
``fit`` in ``lib.lessons.regression.training``; ``evaluate``/``predict`` beside a
least-squares reference in ``lib.lessons.regression.evaluation``. Each step runs the same
operations, in the same order and with the same seeds, as the script
``lib.lessons.regression.code`` writes, so the code on the page reproduces the page's
numbers (a unit test executes it). No Streamlit in this module.

Ranges and choices come from the lesson's control table (``controls.py``): a spec
accepts exactly what the page offers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import tensorflow as tf

from lib.core import data as data_mod
from lib.core import device  # noqa: F401  (sets GPU memory growth before the first tensor is made)
from lib.core.controls import check_in
from lib.core.specs import OptimizerSpec, check
from lib.lessons.regression.controls import CONTROLS

FEATURES: tuple[str, ...] = ("TV", "radio", "newspaper")
FEATURE_KEYS: dict[str, str] = {"TV": "tv", "radio": "radio", "newspaper": "news"}  # URL keys of the toggles
TARGET = "sales"
INDEX_COLUMN = "Unnamed: 0"  # what pandas calls the CSV's unnamed first column (row numbers 1..200)


def _units(code: str) -> tuple[int, ...]:
    return () if code == "none" else tuple(int(u) for u in code.split("-"))


# Hidden layers offered on the page (the code is what the URL holds). "10" is the course's Dense(10) -> Dense(1).
ARCHITECTURES: dict[str, tuple[int, ...]] = {code: _units(code) for code in CONTROLS["hidden"].options}
ACTIVATIONS: tuple[str, ...] = CONTROLS["act"].options
OPTIMIZERS: tuple[str, ...] = CONTROLS["opt"].options
LEARNING_RATES: tuple[str, ...] = CONTROLS["lr"].options
BATCH_SIZES: tuple[int, ...] = CONTROLS["batch"].options
BUFFERS: tuple[int, ...] = CONTROLS["buffer"].options
VERBOSE_MODES: tuple[int, ...] = CONTROLS["verbose"].options
SHOWN_ROWS = 10  # rows of the prediction table


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class SplitSpec:
    """The data side: which columns, how to split, how ``tf.data`` batches and shuffles."""

    features: tuple[str, ...] = FEATURES
    test_size: float = CONTROLS["test"].default
    val_size: float = CONTROLS["val"].default  # share of the training part held out for validation
    seed: int = CONTROLS["seed"].default
    batch_size: int = CONTROLS["batch"].default
    buffer: int = CONTROLS["buffer"].default

    def __post_init__(self) -> None:
        check(len(self.features) > 0, "choose at least one feature column")
        unknown = [f for f in self.features if f not in FEATURES]
        check(not unknown, f"unknown feature column(s) {unknown}; choose from {', '.join(FEATURES)}")
        check(len(set(self.features)) == len(self.features), "each feature column may appear only once")
        check_in(CONTROLS["test"], self.test_size, "test size")
        check_in(CONTROLS["val"], self.val_size, "validation share")
        check_in(CONTROLS["seed"], self.seed, "seed")
        check_in(CONTROLS["batch"], self.batch_size, "batch size")
        check_in(CONTROLS["buffer"], self.buffer, "shuffle buffer")


@dataclass(frozen=True)
class RegressionSpec:
    """One training run: the data side plus the model, its optimizer and the number of epochs."""

    data: SplitSpec = field(default_factory=SplitSpec)
    hidden: tuple[int, ...] = ARCHITECTURES[CONTROLS["hidden"].default]
    activation: str = CONTROLS["act"].default
    scale: bool = CONTROLS["scale"].default
    # Keras' default Adam rate (0.001) needs thousands of epochs at 4 updates per epoch; 0.1 learns in 50.
    optimizer: OptimizerSpec = field(default_factory=lambda: OptimizerSpec("adam", 0.1))
    epochs: int = CONTROLS["epochs"].default

    def __post_init__(self) -> None:
        check(len(self.hidden) <= 4, "at most 4 hidden layers")
        check(all(1 <= u <= 256 for u in self.hidden), "hidden layers need between 1 and 256 units")
        check_in(CONTROLS["act"], self.activation, "activation")
        check(self.optimizer.name in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        check_in(CONTROLS["epochs"], self.epochs, "epochs")


def parse_learning_rate(code: str) -> float:
    """A learning-rate choice from the page ("0.01") as a float; ValueError for anything else."""
    check(code in LEARNING_RATES, f"learning rate must be one of {', '.join(LEARNING_RATES)}")
    return float(code)


def all_finite(values: object) -> bool:
    """Whether every number in ``values`` is finite (no NaN, no inf)."""
    return bool(np.all(np.isfinite(np.asarray(values, dtype=np.float64))))


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
