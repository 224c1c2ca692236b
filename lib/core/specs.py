"""Experiment specs: frozen, hashable descriptions of a run.

A page turns its widgets into a spec; the engine turns a spec into numbers; the
cache, the share link and the code panel are all keyed on the same spec, so they
always agree. Validation raises ValueError with a message a learner can read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

DATASETS = (
    "gaussians",
    "moons",
    "circles",
    "xor",
    "spiral",
    "digits",
    "breast_cancer",
    "fashion_mnist",
    "advertising",
)
ACTIVATIONS = ("relu", "sigmoid", "tanh", "elu", "selu", "linear")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
# Keras' own default learning rates, so "default" means what the course means.
DEFAULT_LR = {
    "sgd": 0.01,
    "momentum": 0.01,
    "nesterov": 0.01,
    "adagrad": 0.001,
    "rmsprop": 0.001,
    "adam": 0.001,
}
PATHS = ("fast", "fit")


def check(cond: bool, message: str) -> None:
    """Raise the ValueError a page shows to the learner when ``cond`` is false."""
    if not cond:
        raise ValueError(message)


_check = check


def whole(value: object, name: str, lo: int, hi: int) -> int:
    """``value`` as an int if it is a whole number in [lo, hi] (``5.0`` from a URL is fine),
    else the ValueError a page shows."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    check(ok and float(value).is_integer(), f"{name} must be a whole number")
    check(lo <= value <= hi, f"{name} must be between {lo} and {hi}")  # type: ignore[operator]
    return int(value)  # type: ignore[arg-type]


def number(value: object, name: str, lo: float, hi: float, digits: int = 6) -> float:
    """``value`` as a clean float (see ``clean``) if it is finite and in [lo, hi], else a ValueError."""
    check(isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value),
          f"{name} must be a finite number")
    value = clean(value, digits)  # type: ignore[arg-type]
    check(lo <= value <= hi, f"{name} must be between {lo:g} and {hi:g}")
    return value


def clean(value: float, digits: int = 6) -> float:
    """A slider value as code writes it (``0.30000000000000004`` -> ``0.3``; no ``-0.0``)."""
    return round(float(value), digits) + 0.0


@dataclass(frozen=True)
class DataSpec:
    """Which data set, and how much of it.

    ``n_samples`` is per class for ``gaussians`` and in total for the other
    generated 2-D sets; ``subsample`` caps real data sets (None = all rows).
    """

    name: str = "digits"
    n_samples: int = 1000
    noise: float = 0.2
    seed: int = 0
    subsample: int | None = None
    mean_neg: tuple[float, float] = (0.0, 3.0)
    mean_pos: tuple[float, float] = (3.0, 0.0)
    corr: float = 0.5

    def __post_init__(self) -> None:
        _check(self.name in DATASETS, f"unknown data set {self.name!r}; choose one of {', '.join(DATASETS)}")
        _check(2 <= self.n_samples <= 200_000, "n_samples must be between 2 and 200000")
        _check(0.0 <= self.noise <= 5.0, "noise must be between 0 and 5")
        _check(-0.99 <= self.corr <= 0.99, "corr must be between -0.99 and 0.99")
        _check(self.subsample is None or self.subsample >= 10, "subsample must be at least 10 rows")


@dataclass(frozen=True)
class LayerSpec:
    """One hidden layer: ``dense`` (units, activation), ``dropout`` (rate) or ``batchnorm``."""

    kind: str = "dense"
    units: int = 64
    activation: str = "relu"
    rate: float = 0.0

    def __post_init__(self) -> None:
        _check(self.kind in ("dense", "dropout", "batchnorm"), f"unknown layer kind {self.kind!r}")
        _check(1 <= self.units <= 4096, "units must be between 1 and 4096")
        _check(self.activation in ACTIVATIONS, f"unknown activation {self.activation!r}")
        _check(0.0 <= self.rate < 1.0, "dropout rate must be in [0, 1)")


@dataclass(frozen=True)
class ModelSpec:
    """Hidden layers; the output layer follows from the data set's task."""

    layers: tuple[LayerSpec, ...] = (LayerSpec(units=64), LayerSpec(units=64))
    seed: int = 0

    def __post_init__(self) -> None:
        _check(len(self.layers) <= 16, "at most 16 hidden layers")


@dataclass(frozen=True)
class OptimizerSpec:
    name: str = "rmsprop"
    learning_rate: float | None = None  # None: Keras' default for that optimizer
    momentum: float = 0.9  # used by "momentum" and "nesterov" only

    def __post_init__(self) -> None:
        _check(self.name in OPTIMIZERS, f"unknown optimizer {self.name!r}; choose one of {', '.join(OPTIMIZERS)}")
        lr = self.lr
        _check(math.isfinite(lr) and 0.0 < lr <= 100.0, "learning rate must be a number in (0, 100]")
        _check(0.0 <= self.momentum < 1.0, "momentum must be in [0, 1)")

    @property
    def lr(self) -> float:
        return DEFAULT_LR[self.name] if self.learning_rate is None else float(self.learning_rate)


@dataclass(frozen=True)
class FitSpec:
    epochs: int = 20
    batch_size: int = 32
    validation_split: float = 0.2
    seed: int = 0
    path: str = "fast"  # "fast": whole-epoch tf.function loop; "fit": real model.fit

    def __post_init__(self) -> None:
        _check(1 <= self.epochs <= 1000, "epochs must be between 1 and 1000")
        _check(1 <= self.batch_size <= 65536, "batch size must be between 1 and 65536")
        _check(0.05 <= self.validation_split <= 0.5, "validation split must be between 0.05 and 0.5")
        _check(self.path in PATHS, f"path must be one of {PATHS}")


@dataclass(frozen=True)
class RunSpec:
    """Everything needed to reproduce one training run."""

    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    optimizer: OptimizerSpec = field(default_factory=OptimizerSpec)
    fit: FitSpec = field(default_factory=FitSpec)

    def with_path(self, path: str) -> RunSpec:
        return replace(self, fit=replace(self.fit, path=path))


def dense_stack(units: tuple[int, ...], activation: str = "relu", seed: int = 0) -> ModelSpec:
    """Shorthand for an MLP: ``dense_stack((64, 64))``."""
    return ModelSpec(layers=tuple(LayerSpec(units=u, activation=activation) for u in units), seed=seed)
