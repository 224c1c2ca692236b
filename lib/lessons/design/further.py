"""Going further on Fashion-MNIST: BatchNormalization, separable convolutions, ensembles, random search.

The training experiments reuse ``lib.lessons.design.lab``'s engine-backed runs (same split,
same seeds, same batches); the convolution comparison only builds layers and
counts. ``lib.lessons.design.code`` writes the matching scripts. No Streamlit here.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import ClassVar

import keras
import numpy as np

from lib.core import engine
from lib.core.progress import part
from lib.lessons.design import lab
from lib.lessons.design.lab import COURSE_UNITS, DEFAULT_IMAGES, IMAGES, UNITS, Checked, Hidden, Reporter

# =========================================================================== BatchNormalization


@dataclass(frozen=True)
class BatchNormSpec(Checked):
    """The same deep stack twice, without and with BatchNormalization after every hidden layer."""

    images: int = DEFAULT_IMAGES
    depth: int = 4
    units: int = COURSE_UNITS
    activation: str = "sigmoid"
    epochs: int = 5
    seed: int = 0
    RULES: ClassVar = {"images": IMAGES, "depth": ("bn_depth", "the depth"), "units": UNITS,
                       "activation": ("bn_act", "the activation"), "epochs": ("bn_epochs", "epochs"),
                       "seed": ("ds_seed", "the seed")}

    def design(self, batchnorm: bool) -> lab.DesignSpec:
        return lab.DesignSpec(images=self.images, hidden=(Hidden(self.units, self.activation),) * self.depth,
                              batchnorm=batchnorm, epochs=self.epochs, seed=self.seed)


@dataclass
class PairResult:
    """Histories of the plain and the batch-normalised network."""

    plain: dict[str, list[float]]
    normed: dict[str, list[float]]
    params: tuple[int, int]
    seconds: float
    diverged: bool = False
    notice: str | None = None


def run_batchnorm(spec: BatchNormSpec, report: Reporter | None = None) -> PairResult:
    fd = lab.fashion_split(spec.images)
    start = time.perf_counter()
    total = 2 * spec.epochs  # both networks' epochs on one bar
    with engine.job(report):
        plain = lab.train_on_split(spec.design(False), fd, part(report, 0, total, "plain "))
        normed = lab.train_on_split(spec.design(True), fd, part(report, spec.epochs, total, "BN "))
    return PairResult(plain.history, normed.history, (plain.param_count, normed.param_count),
                      time.perf_counter() - start, plain.diverged or normed.diverged, fd.notice)


# =========================================================================== Conv2D vs SeparableConv2D


@dataclass(frozen=True)
class ConvSpec(Checked):
    """One convolution layer, ``padding="same"``, on a size×size×channels input."""

    size: int = 28
    channels: int = 32
    filters: int = 64
    kernel: int = 3
    RULES: ClassVar = {"size": ("sc_size", "the image size"), "channels": ("sc_channels", "input channels"),
                       "filters": ("sc_filters", "filters"), "kernel": ("sc_kernel", "the kernel size")}

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "kernel", int(self.kernel))


@dataclass(frozen=True)
class ConvCount:
    conv_formula: int  # k·k·C_in·F + F
    sep_formula: int  # k·k·C_in (depthwise) + C_in·F (pointwise) + F
    conv_keras: int  # Conv2D(...).count_params()
    sep_keras: int
    conv_madds: int  # multiply-adds for one image, "same" padding
    sep_madds: int
    output_shape: tuple[int, ...]

    @property
    def ratio(self) -> float:
        return self.conv_keras / self.sep_keras


def conv_counts(spec: ConvSpec) -> ConvCount:
    """Parameter counts by formula and by Keras, and the work per image, for both layers."""
    k, c, f, hw = spec.kernel, spec.channels, spec.filters, spec.size * spec.size
    inputs = keras.Input(shape=(spec.size, spec.size, spec.channels))
    conv = keras.layers.Conv2D(f, k, padding="same")
    sep = keras.layers.SeparableConv2D(f, k, padding="same")
    out = conv(inputs)
    sep(inputs)
    return ConvCount(
        conv_formula=k * k * c * f + f,
        sep_formula=k * k * c + c * f + f,
        conv_keras=int(conv.count_params()),
        sep_keras=int(sep.count_params()),
        conv_madds=hw * k * k * c * f,
        sep_madds=hw * k * k * c + hw * c * f,
        output_shape=tuple(out.shape),
    )


# =========================================================================== an ensemble


@dataclass(frozen=True)
class EnsembleSpec(Checked):
    """``members`` copies of the course's ReLU model, seeds 0..members−1; their softmax outputs averaged."""

    images: int = DEFAULT_IMAGES
    members: int = 3
    epochs: int = 5
    units: int = COURSE_UNITS
    RULES: ClassVar = {"images": IMAGES, "members": ("en_members", "the number of members"),
                       "epochs": ("en_epochs", "epochs"), "units": UNITS}

    def design(self, seed: int) -> lab.DesignSpec:
        return lab.DesignSpec(images=self.images, hidden=(Hidden(self.units, "relu"),), epochs=self.epochs, seed=seed)


@dataclass
class EnsembleResult:
    member_acc: list[float]
    ensemble_acc: float
    member_loss: list[float]
    ensemble_loss: float  # cross-entropy of the averaged probabilities
    seconds: float
    diverged: bool = False
    notice: str | None = None


def _scores(prob: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(accuracy, mean cross-entropy) of probabilities; Keras clips at 1e-7 the same way."""
    if not np.isfinite(prob).all():
        return float("nan"), float("nan")
    acc = float(np.mean(np.argmax(prob, axis=1) == y))
    picked = np.clip(prob[np.arange(len(y)), y].astype(np.float64), 1e-7, 1 - 1e-7)
    return acc, float(-np.mean(np.log(picked)))


def run_ensemble(spec: EnsembleSpec, report: Reporter | None = None) -> EnsembleResult:
    fd = lab.fashion_split(spec.images)
    start, probs, acc, loss, diverged = time.perf_counter(), [], [], [], False
    total = spec.members * spec.epochs
    with engine.job(report):
        for seed in range(spec.members):
            r = lab.train_on_split(spec.design(seed), fd, part(report, seed * spec.epochs, total, f"#{seed} "))
            probs.append(r.val_pred)
            a, lo = _scores(r.val_pred, fd.y_val)
            acc.append(a)
            loss.append(lo)
            diverged |= r.diverged
    mean_prob = np.mean(np.stack(probs), axis=0)
    e_acc, e_loss = _scores(mean_prob, fd.y_val)
    return EnsembleResult(acc, e_acc, loss, e_loss, time.perf_counter() - start, diverged, fd.notice)


# =========================================================================== random search

LR_LOG_RANGE = (-4.0, -2.0)  # learning rates from 1e-4 to 1e-2, uniform in log scale
UNIT_CHOICES = (32, 64, 128, 256)


@dataclass(frozen=True)
class SearchSpec(Checked):
    """``trials`` random (learning rate, units) pairs for the course's ReLU model with RMSprop."""

    images: int = DEFAULT_IMAGES
    trials: int = 6
    epochs: int = 3
    seed: int = 0
    RULES: ClassVar = {"images": IMAGES, "trials": ("rs_trials", "the number of trials"),
                       "epochs": ("rs_epochs", "epochs"), "seed": ("rs_seed", "the search seed")}


def sample_trials(spec: SearchSpec) -> list[tuple[float, int]]:
    """The (learning rate, units) pairs, drawn with the search seed; rates kept to 3 significant digits."""
    rng = np.random.default_rng(spec.seed)
    pairs = []
    for _ in range(spec.trials):
        lr = float(f"{10 ** rng.uniform(*LR_LOG_RANGE):.3g}")
        units = int(rng.choice(UNIT_CHOICES))
        pairs.append((lr, units))
    return pairs


@dataclass
class SearchResult:
    trials: list[tuple[float, int]]
    val_acc: list[float]
    val_loss: list[float]
    seconds: float
    diverged: bool = False
    notice: str | None = None

    @property
    def best(self) -> int:
        """Index of the best trial by validation accuracy (the first one on a tie)."""
        scores = [v if math.isfinite(v) else -1.0 for v in self.val_acc]
        return int(np.argmax(scores))


def trial_design(spec: SearchSpec, lr: float, units: int) -> lab.DesignSpec:
    return lab.DesignSpec(images=spec.images, hidden=(Hidden(units, "relu"),), learning_rate=lr, epochs=spec.epochs,
                          seed=0)


def run_search(spec: SearchSpec, report: Reporter | None = None) -> SearchResult:
    fd = lab.fashion_split(spec.images)
    pairs = sample_trials(spec)
    start, acc, loss, diverged = time.perf_counter(), [], [], False
    total = spec.trials * spec.epochs
    with engine.job(report):
        for i, (lr, units) in enumerate(pairs):
            trial = trial_design(spec, lr, units)
            r = lab.train_on_split(trial, fd, part(report, i * spec.epochs, total, f"#{i + 1} "))
            acc.append(r.history["val_accuracy"][-1])
            loss.append(r.history["val_loss"][-1])
            diverged |= r.diverged
    return SearchResult(pairs, acc, loss, time.perf_counter() - start, diverged, fd.notice)
