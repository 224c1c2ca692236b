"""Layer design on Fashion-MNIST: the data, the designer and the engine-backed training every section uses.

Every run goes through the shared engine's pooled, already-traced trainers
(``lib.core.engine``): the same initial weights per seed, the same shuffled batches per
seed, a whole epoch in one graph call. What differs from ``engine.run`` is the
split: the course splits with ``train_test_split(test_size=0.2, random_state=42)``
(not stratified, always 42), and a seed changes the weights and the batch order
only, so runs with different seeds see the same validation images.

``lib.lessons.design.code`` writes the same steps as ``model.fit`` code; the unit tests
run that code and compare its numbers with these. No Streamlit here.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import keras
import numpy as np

from lib.core import engine
from lib.core.controls import Control, check_in
from lib.core.device import DEVICE  # noqa: F401  (the bench prints where it trains)
from lib.core.fashion import SUBSAMPLE_SEED, TOTAL_IMAGES, VAL_FRACTION, FashionData, split_dataset  # noqa: F401
from lib.core.fashion import fashion_split as course_split
from lib.core.models import build_model
from lib.core.progress import HistoryView
from lib.core.specs import DataSpec, FitSpec, LayerSpec, ModelSpec, OptimizerSpec, RunSpec, check, number, whole
from lib.lessons.design.controls import CONTROLS, DEFAULT_IMAGES, MAX_HIDDEN

Reporter = Callable[[str, object], None]

# Every spec checks its values against the page's controls (``within``): it accepts exactly what the page offers.
COURSE_UNITS = CONTROLS["ds_units1"].default  # the course's Dense(100)
LEARNING_RATES = CONTROLS["ds_lr"].options


def within(key: str, value: object, name: str) -> int | float:
    """``value`` if the control ``key`` can hold it (whole or not, as the control is), else a readable ValueError."""
    c: Control = CONTROLS[key]
    if c.kind in ("select", "radio"):
        return check_in(c, value, name)
    if c.whole:
        return whole(value, name, c.lo, c.hi)
    return number(value, name, c.lo, c.hi, digits=4)


IMAGES = ("fm_images", "the number of images")  # a field's rule: (the control it takes, its name in messages)
UNITS = ("ds_units1", "units")


def check_images(images: object) -> int:
    return within(IMAGES[0], images, IMAGES[1])


@dataclass(frozen=True)
class Checked:
    """A spec whose fields take exactly what the page's controls offer: ``RULES`` maps a field to its
    rule (control key, name in messages), checked in that order."""

    RULES: ClassVar[dict[str, tuple[str, str]]] = {}

    def __post_init__(self) -> None:
        for attr, (key, name) in self.RULES.items():
            object.__setattr__(self, attr, within(key, getattr(self, attr), name))


# =========================================================================== data


@functools.lru_cache(maxsize=3)
def fashion_split(images: int) -> FashionData:
    """The page's data: ``images`` random rows of the training file, split 80/20 with seed 42."""
    return course_split(check_images(images))


def class_examples(fd: FashionData, example: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``example``-th training image (1-based, wrapping round) of every class: (images, row numbers)."""
    rows = []
    for label in range(len(fd.class_names)):
        found = np.flatnonzero(fd.y_train == label)
        rows.append(int(found[(example - 1) % len(found)]) if len(found) else -1)
    rows_arr = np.array([r for r in rows if r >= 0])
    return fd.x_train[rows_arr], rows_arr


def class_counts(fd: FashionData) -> tuple[np.ndarray, np.ndarray]:
    """Images per class in the training and the validation part."""
    n = len(fd.class_names)
    return np.bincount(fd.y_train, minlength=n), np.bincount(fd.y_val, minlength=n)


# =========================================================================== the designer


@dataclass(frozen=True)
class Hidden:
    """One hidden Dense layer."""

    units: int = COURSE_UNITS
    activation: str = "relu"

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", within("ds_units1", self.units, "units"))
        within("ds_act1", self.activation, "the activation")


@dataclass(frozen=True)
class DesignSpec:
    """One network on the course's split: hidden layers, input handling, regularisation, training.

    ``flatten``: a ``Flatten`` layer takes the 28×28 images; otherwise the arrays are
    reshaped to 784 columns before the model sees them. Dropout and BatchNormalization,
    when on, follow every hidden Dense layer (BatchNormalization first).
    ``seed`` sets the initial weights, the dropout masks and the batch order.
    """

    images: int = DEFAULT_IMAGES
    hidden: tuple[Hidden, ...] = (Hidden(),)
    flatten: bool = True
    dropout: float = 0.0
    batchnorm: bool = False
    optimizer: str = "rmsprop"
    learning_rate: float = 0.001
    epochs: int = 5
    batch_size: int = 32
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "images", check_images(self.images))
        check(isinstance(self.hidden, tuple) and len(self.hidden) <= MAX_HIDDEN, f"at most {MAX_HIDDEN} hidden layers")
        check(all(isinstance(h, Hidden) for h in self.hidden), "hidden layers must be Hidden(units, activation)")
        object.__setattr__(self, "dropout", within("ds_dropout", self.dropout, "the dropout rate"))
        check(isinstance(self.batchnorm, bool), "batchnorm must be True or False")
        within("ds_opt", self.optimizer, "the optimizer")
        # Any rate up to the page's largest choice: the random search draws its own rates.
        lr = number(self.learning_rate, "the learning rate", 0.0, max(LEARNING_RATES), digits=12)
        check(lr > 0, "the learning rate must be above 0")
        object.__setattr__(self, "learning_rate", lr)
        object.__setattr__(self, "epochs", within("ds_epochs", self.epochs, "epochs"))
        object.__setattr__(self, "batch_size", within("ds_batch", self.batch_size, "the batch size"))
        object.__setattr__(self, "seed", within("ds_seed", self.seed, "the seed"))

    def layers(self) -> tuple[LayerSpec, ...]:
        """The engine's hidden-layer list: Dense, then BatchNormalization, then Dropout, per layer."""
        out: list[LayerSpec] = []
        for h in self.hidden:
            out.append(LayerSpec("dense", units=h.units, activation=h.activation))
            if self.batchnorm:
                out.append(LayerSpec("batchnorm"))
            if self.dropout > 0:
                out.append(LayerSpec("dropout", rate=self.dropout))
        return tuple(out)

    def run_spec(self) -> RunSpec:
        """The engine spec (its ``data`` only labels the run; the split is this module's)."""
        return RunSpec(
            data=DataSpec("fashion_mnist", subsample=None if self.images >= TOTAL_IMAGES else self.images),
            model=ModelSpec(layers=self.layers(), seed=self.seed),
            optimizer=OptimizerSpec(self.optimizer, self.learning_rate),
            fit=FitSpec(epochs=self.epochs, batch_size=self.batch_size, validation_split=VAL_FRACTION,
                        seed=self.seed, path="fast"),
        )


@dataclass(frozen=True)
class LayerRow:
    """One row of the architecture table, counted by hand."""

    kind: str  # "flatten", "reshape", "dense", "batchnorm", "dropout", "output"
    units: int  # output width
    activation: str
    params: int
    trainable: int
    fan_in: int  # inputs of a Dense layer (for the formula)


def architecture(spec: DesignSpec, image_shape: tuple[int, int] = (28, 28), n_classes: int = 10) -> list[LayerRow]:
    """Each layer's output width and parameter count from the formulas, without Keras.

    Dense: inputs × units weights + units biases. BatchNormalization: 4 per unit
    (γ and β learn; the moving mean and variance are counted but not trained).
    """
    width = image_shape[0] * image_shape[1]
    rows = [LayerRow("flatten" if spec.flatten else "reshape", width, "", 0, 0, 0)]
    for layer in spec.layers():
        if layer.kind == "dense":
            params = width * layer.units + layer.units
            rows.append(LayerRow("dense", layer.units, layer.activation, params, params, width))
            width = layer.units
        elif layer.kind == "batchnorm":
            rows.append(LayerRow("batchnorm", width, "", 4 * width, 2 * width, 0))
        else:
            rows.append(LayerRow("dropout", width, "", 0, 0, 0))
    params = width * n_classes + n_classes
    rows.append(LayerRow("output", n_classes, "softmax", params, params, width))
    return rows


def counted_params(spec: DesignSpec, image_shape: tuple[int, int] = (28, 28), n_classes: int = 10) -> int:
    return sum(row.params for row in architecture(spec, image_shape, n_classes))


def build(spec: DesignSpec, image_shape: tuple[int, int] = (28, 28), n_classes: int = 10) -> keras.Model:
    """The Keras model the engine trains for ``spec`` (the reshape variant takes 784 columns)."""
    shape = image_shape if spec.flatten else (image_shape[0] * image_shape[1],)
    return build_model(spec.run_spec().model, shape, "multiclass", n_classes)


@dataclass(frozen=True)
class KerasRow:
    name: str
    output_shape: str
    params: int


def keras_summary(spec: DesignSpec, image_shape: tuple[int, int] = (28, 28),
                  n_classes: int = 10) -> tuple[list[KerasRow], int]:
    """What ``model.summary()`` lists (class, output shape, parameters) and ``model.count_params()``."""
    model = build(spec, image_shape, n_classes)
    rows = [KerasRow(type(layer).__name__, str(tuple(layer.output.shape)), int(layer.count_params()))
            for layer in model.layers]
    return rows, int(model.count_params())


# =========================================================================== training through the engine


@dataclass
class TrainResult(HistoryView):
    """One trained network, as plain numbers (picklable, cacheable)."""

    history: dict[str, list[float]]
    val_pred: np.ndarray  # softmax outputs for the validation images, float32 (n_val, classes)
    y_val: np.ndarray
    param_count: int
    seconds: float
    device: str
    diverged: bool = False
    notice: str | None = None

    @property
    def predicted(self) -> np.ndarray:
        return np.argmax(self.val_pred, axis=1) if np.isfinite(self.val_pred).all() else np.full(len(self.y_val), -1)


def _engine_split(spec: DesignSpec, fd: FashionData) -> engine.Split:
    xt, xv = fd.x_train, fd.x_val
    if not spec.flatten:  # the manual reshape: 28×28 -> 784 columns before the model
        xt, xv = xt.reshape(len(xt), -1), xv.reshape(len(xv), -1)
    return engine.Split(xt, fd.y_train, xv, fd.y_val, "multiclass", len(fd.class_names))


def train_on_split(spec: DesignSpec, fd: FashionData, report: Reporter | None = None) -> TrainResult:
    """One network on the course's split, through the engine (inside the caller's job, if any).

    A job that trains several networks gives each a ``lib.core.progress.part`` of its reporter.
    """
    r = engine.train_on(spec.run_spec(), _engine_split(spec, fd), report, notice=fd.notice)
    return TrainResult(history=r.history, val_pred=np.asarray(r.val_pred, np.float32), y_val=np.asarray(fd.y_val),
                       param_count=r.param_count, seconds=r.seconds, device=r.device, diverged=r.diverged,
                       notice=fd.notice)


def train_design(spec: DesignSpec, report: Reporter | None = None) -> TrainResult:
    """The designer's network on the course's split; ``report`` gets the engine's progress events."""
    return train_on_split(spec, fashion_split(spec.images), report)


UNIFORM_LOSS = math.log(10)  # cross-entropy of a uniform guess over ten classes


def trouble(history: dict[str, list[float]]) -> str | None:
    """Why a finished run is useless, if it is: "exploded" (the loss rose far above a
    uniform guess's ln 10 ≈ 2.30) or "chance" (validation accuracy at guessing level).

    A softmax cross-entropy rarely turns NaN (Keras clips the probabilities), so a far
    too large learning rate shows up as a huge loss, not as divergence.
    """
    losses = [v for v in history.get("loss", []) if math.isfinite(v)]
    if losses and max(losses) > 2 * UNIFORM_LOSS:
        return "exploded"
    val = history.get("val_accuracy", [])
    if val and math.isfinite(val[-1]) and val[-1] < 0.3:
        return "chance"
    return None


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """Counts[true, predicted]; predictions outside 0..n-1 (a diverged run) are left out."""
    ok = (y_pred >= 0) & (y_pred < n_classes)
    return np.bincount(y_true[ok] * n_classes + y_pred[ok], minlength=n_classes * n_classes).reshape(
        n_classes, n_classes)


def misclassified(result: TrainResult, limit: int = 15) -> np.ndarray:
    """Validation rows the network got wrong, most confident mistakes first."""
    pred = result.predicted
    wrong = np.flatnonzero((pred != result.y_val) & (pred >= 0))
    confidence = result.val_pred[wrong, pred[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")][:limit]
