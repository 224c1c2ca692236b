"""Sigmoid vs ReLU on Fashion-MNIST: the course's experiment over several seeds, and why deep sigmoid stacks stall.

Runs go through ``lib.lessons.design.lab``'s engine-backed training (the course's split,
seeded weights and batches); ``lib.lessons.design.code`` writes the matching scripts.
No Streamlit here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

import keras
import numpy as np
import tensorflow as tf

from lib.core import engine
from lib.core.models import build_model
from lib.core.progress import part
from lib.core.specs import LayerSpec, ModelSpec, whole
from lib.lessons.design import lab
from lib.lessons.design.lab import COURSE_UNITS, DEFAULT_IMAGES, IMAGES, UNITS, FashionData, Hidden, Reporter, within

# =========================================================================== sigmoid vs ReLU over seeds

COMPARED = ("sigmoid", "relu")


@dataclass(frozen=True)
class CompareSpec(lab.Checked):
    """The course's experiment: Flatten → Dense(100, act) → Dense(10, softmax), RMSprop, per seed 0..n−1."""

    images: int = DEFAULT_IMAGES
    seeds: int = 3
    epochs: int = 5
    units: int = COURSE_UNITS
    batch_size: int = 32
    RULES: ClassVar = {"images": IMAGES, "seeds": ("sr_seeds", "the number of seeds"),
                       "epochs": ("sr_epochs", "epochs"), "units": UNITS, "batch_size": ("ds_batch", "the batch size")}

    def design(self, activation: str, seed: int) -> lab.DesignSpec:
        return lab.DesignSpec(images=self.images, hidden=(Hidden(self.units, activation),), epochs=self.epochs,
                          batch_size=self.batch_size, seed=seed)


@dataclass
class CompareResult:
    """Final train/validation accuracy per (seed, activation), and the per-epoch validation curves."""

    seeds: list[int]
    train_acc: dict[str, list[float]]  # activation -> one value per seed
    val_acc: dict[str, list[float]]
    val_curves: dict[str, list[list[float]]]  # activation -> per seed, per epoch
    seconds: float
    diverged: bool = False
    notice: str | None = None


def run_compare(spec: CompareSpec, report: Reporter | None = None) -> CompareResult:
    fd = lab.fashion_split(spec.images)
    train_acc: dict[str, list[float]] = {a: [] for a in COMPARED}
    val_acc: dict[str, list[float]] = {a: [] for a in COMPARED}
    curves: dict[str, list[list[float]]] = {a: [] for a in COMPARED}
    start, done, diverged = time.perf_counter(), 0, False
    total = spec.seeds * len(COMPARED) * spec.epochs  # the bar counts every epoch of every run
    with engine.job(report):
        for seed in range(spec.seeds):
            for act in COMPARED:
                r = lab.train_on_split(spec.design(act, seed), fd, part(report, done, total, f"{act} "))
                done += spec.epochs
                train_acc[act].append(r.history["accuracy"][-1])
                val_acc[act].append(r.history["val_accuracy"][-1])
                curves[act].append(r.history["val_accuracy"])
                diverged |= r.diverged
    return CompareResult(list(range(spec.seeds)), train_acc, val_acc, curves, time.perf_counter() - start,
                         diverged, fd.notice)


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof = 1; NaN for a single value)."""
    arr = np.asarray(values, np.float64)
    return float(arr.mean()), float(arr.std(ddof=1)) if len(arr) > 1 else float("nan")


def wins(result: CompareResult, activation: str = "relu") -> int:
    """Seeds on which ``activation`` reached the higher validation accuracy."""
    other = next(a for a in COMPARED if a != activation)
    return sum(a > b for a, b in zip(result.val_acc[activation], result.val_acc[other], strict=True))


# =========================================================================== activations and their gradients


def activation_curves(names: tuple[str, ...] = COMPARED, lo: float = -6.0, hi: float = 6.0,
                      points: int = 241) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Each activation and its derivative (from ``tf.GradientTape``) on a grid of z."""
    z = tf.Variable(tf.linspace(lo, hi, points))
    out = {}
    for name in names:
        fn = keras.activations.get(name)
        with tf.GradientTape() as tape:
            y = fn(z)
        out[name] = (y.numpy(), tape.gradient(y, z).numpy())
    return z.numpy(), out


@dataclass(frozen=True)
class GradientSpec:
    """A deep stack of Dense(units, act) at initialisation; the gradient of one batch's loss."""

    depth: int = 8
    units: int = COURSE_UNITS
    batch: int = 256
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", within("vg_depth", self.depth, "the depth"))
        object.__setattr__(self, "units", whole(self.units, "units", 1, 1024))
        object.__setattr__(self, "batch", whole(self.batch, "the batch", 1, 4096))
        object.__setattr__(self, "seed", whole(self.seed, "the seed", 0, 999))

    def model_spec(self, activation: str) -> ModelSpec:
        return ModelSpec(layers=tuple(LayerSpec(units=self.units, activation=activation)
                                      for _ in range(self.depth)), seed=self.seed)


def layer_gradients(spec: GradientSpec, fd: FashionData,
                    activations: tuple[str, ...] = COMPARED) -> dict[str, np.ndarray]:
    """Mean |∂loss/∂kernel| of every Dense layer (first hidden … output), per activation.

    The batch is the first ``spec.batch`` training images; the weights are the
    seeded initial ones, so the numbers show what the first update would see.
    """
    x = tf.constant(fd.x_train[: spec.batch])
    y = tf.constant(fd.y_train[: spec.batch])
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    out = {}
    for act in activations:
        model = build_model(spec.model_spec(act), fd.image_shape, "multiclass", len(fd.class_names))
        kernels = [layer.kernel for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        out[act] = np.array([float(tf.reduce_mean(tf.abs(g))) for g in tape.gradient(loss, kernels)])
    return out
