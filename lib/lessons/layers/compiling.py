"""``compile`` by strings or by objects: the same digits model trained both ways.

``CompileSpec`` is one side of the comparison. The string side can only mean the
defaults, so it ignores the object settings and is one cache entry for every
comparison; the object side takes a learning rate, your own loss, another metric
(including ``keras.metrics.Accuracy()``, whose refusal is shown as lesson content).
Both fit the same seeded model on the same digits split in the same order, then
``evaluate`` and ``predict``. ``lib.lessons.layers.code_compile`` writes the same statements.
No Streamlit in this module.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import keras
import numpy as np
import tensorflow as tf

from lib.core import engine
from lib.core.models import OPTIMIZER_CLASSES
from lib.core.progress import Reporter
from lib.core.progress_callback import ProgressCallback
from lib.core.specs import DataSpec, FitSpec, RunSpec, check, whole
from lib.lessons.layers.controls import CONTROLS
from lib.lessons.layers.lab import N_CLASSES, TFError, error_text

FORMS = ("string", "object")
# The page's choices, from the lesson's control table: the spec accepts exactly these.
CMP_OPTIMIZERS: tuple[str, ...] = CONTROLS["cmp_opt"].options
CMP_RATES: tuple[str, ...] = CONTROLS["cmp_lr"].options  # URL codes; "default": the optimizer's own
CMP_LOSSES: tuple[str, ...] = CONTROLS["cmp_loss"].options
CMP_METRICS: tuple[str, ...] = CONTROLS["cmp_metric"].options
EPOCH_RANGE = CONTROLS["cmp_epochs"].range
CMP_HIDDEN = 32  # the digits model: 64 pixels -> Dense(32, relu) -> Dense(10, softmax)
PREDICT_ROWS = 8


def rate_value(code: str) -> float | None:
    """A learning-rate code of the page as the spec's number (None: the optimizer's default)."""
    return None if code == "default" else float(code)


@dataclass(frozen=True)
class CompileSpec:
    """One side of the comparison: ``compile`` with strings, or with objects.

    The string form cannot say anything but the defaults, so its learning rate, loss
    and metric are normalised away: both string specs of a comparison are one cache entry.
    """

    form: str = "string"
    optimizer: str = "rmsprop"
    learning_rate: float | None = None  # None: the optimizer's default
    loss: str = "builtin"
    metric: str = "sparse_acc"
    epochs: int = 5
    batch_size: int = 32
    seed: int = 0

    def __post_init__(self) -> None:
        check(self.form in FORMS, f"form must be one of {', '.join(FORMS)}")
        check(self.optimizer in CMP_OPTIMIZERS, f"optimizer must be one of {', '.join(CMP_OPTIMIZERS)}")
        check(self.loss in CMP_LOSSES, f"loss must be one of {', '.join(CMP_LOSSES)}")
        check(self.metric in CMP_METRICS, f"metric must be one of {', '.join(CMP_METRICS)}")
        if self.learning_rate is not None:
            lr = self.learning_rate
            check(isinstance(lr, int | float) and math.isfinite(lr) and 0 < lr <= 100,
                   "the learning rate must be a number in (0, 100]")
            object.__setattr__(self, "learning_rate", float(lr))
        object.__setattr__(self, "epochs", whole(self.epochs, "epochs", *EPOCH_RANGE))
        object.__setattr__(self, "batch_size", whole(self.batch_size, "batch size", 1, 2048))
        object.__setattr__(self, "seed", whole(self.seed, "seed", 0, 2**31 - 1))
        if self.form == "string":
            object.__setattr__(self, "learning_rate", None)
            object.__setattr__(self, "loss", "builtin")
            object.__setattr__(self, "metric", "sparse_acc")

    def as_form(self, form: str) -> CompileSpec:
        return replace(self, form=form)


def digits_split(spec: CompileSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str | None]:
    """scikit-learn's 8×8 digits, split exactly as the engine splits them (stratified, seeded, 20 % held out)."""
    fit = FitSpec(epochs=spec.epochs, batch_size=spec.batch_size, validation_split=0.2, seed=spec.seed)
    s, notice = engine.split(RunSpec(data=DataSpec(name="digits"), fit=fit))
    return s.x_train, s.y_train, s.x_val, s.y_val, notice


def digits_model(spec: CompileSpec) -> keras.Sequential:
    init = keras.initializers.GlorotUniform
    return keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(CMP_HIDDEN, activation="relu", kernel_initializer=init(seed=spec.seed + 1)),
        keras.layers.Dense(N_CLASSES, activation="softmax", kernel_initializer=init(seed=spec.seed + 2)),
    ], name=f"{spec.form}_model")


def my_loss(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """Your own loss: sparse categorical cross-entropy written out, −log(probability of the true class)."""
    p = keras.ops.take_along_axis(y_pred, keras.ops.expand_dims(keras.ops.cast(y_true, "int32"), -1), axis=-1)
    return -keras.ops.log(keras.ops.clip(p[:, 0], 1e-7, 1.0))


def mean_confidence(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """Your own metric: how sure the model is, the mean of its largest probability."""
    return keras.ops.max(y_pred, axis=-1)


def compile_arguments(spec: CompileSpec) -> dict[str, object]:
    """The arguments of ``model.compile`` for one side of the comparison."""
    if spec.form == "string":
        return {"optimizer": spec.optimizer, "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}
    optimizer_class = getattr(keras.optimizers, OPTIMIZER_CLASSES[spec.optimizer])
    optimizer = optimizer_class() if spec.learning_rate is None else optimizer_class(learning_rate=spec.learning_rate)
    loss = keras.losses.SparseCategoricalCrossentropy() if spec.loss == "builtin" else my_loss
    metric = {
        "sparse_acc": lambda: keras.metrics.SparseCategoricalAccuracy(),
        "top3": lambda: keras.metrics.SparseTopKCategoricalAccuracy(k=3),
        "custom": lambda: mean_confidence,
        "plain_acc": lambda: keras.metrics.Accuracy(),
    }[spec.metric]()
    return {"optimizer": optimizer, "loss": loss, "metrics": [metric]}


@dataclass
class CompileRun:
    """One compiled-and-trained model as plain numbers (picklable for the cache)."""

    spec: CompileSpec
    history: dict[str, list[float]]
    optimizer_class: str
    learning_rate: float
    loss_name: str  # what model.loss holds: the string, or the object's / function's name
    evaluation: dict[str, float]
    predicted: np.ndarray  # classes predicted for the first PREDICT_ROWS validation samples
    labels: np.ndarray
    seconds: float
    error: TFError | None = None
    diverged: bool = False
    notice: str | None = None
    extras: dict = field(default_factory=dict)


def _loss_name(loss: object) -> str:
    if isinstance(loss, str):
        return loss
    return type(loss).__name__ if isinstance(loss, keras.losses.Loss) else getattr(loss, "__name__", repr(loss))


def compiled_model(spec: CompileSpec) -> keras.Sequential:
    """The digits model, compiled the spec's way."""
    model = digits_model(spec)
    model.compile(**compile_arguments(spec))
    return model


def pool_key(spec: CompileSpec) -> tuple:
    """What names a pooled model: everything ``compile`` traces into its steps. The seed only sets
    the initial weights, the learning rate is the optimizer's variable: a pooled model takes both."""
    return ("layers", "compile", spec.form, spec.optimizer, spec.loss, spec.metric)


def train_compiled(spec: CompileSpec, report: Reporter | None = None) -> CompileRun:
    """Compile the digits model the spec's way, fit, evaluate and predict; a refused metric becomes ``error``.

    Runs through the one training API (``engine.model_session``): a pooled model of the
    same compile settings, reset to a fresh build's weights and optimizer state.
    """
    x_train, y_train, x_val, y_val, notice = digits_split(spec)
    with engine.model_session(pool_key(spec), lambda: compiled_model(spec), report) as pooled:
        start = time.perf_counter()
        model = pooled.model
        history: dict[str, list[float]] = {}
        evaluation: dict[str, float] = {}
        predicted = np.zeros(0, np.int64)
        error = None
        try:
            fitted = model.fit(x_train, y_train, epochs=spec.epochs, batch_size=spec.batch_size,
                               validation_data=(x_val, y_val), shuffle=False, verbose=0,
                               callbacks=[keras.callbacks.TerminateOnNaN(), ProgressCallback(report, spec.epochs)])
            history = {k: [float(v) for v in vals] for k, vals in fitted.history.items()}
            evaluation = {k: float(v) for k, v in
                          model.evaluate(x_val, y_val, verbose=0, return_dict=True).items()}
            predicted = np.argmax(model.predict(x_val[:PREDICT_ROWS], verbose=0), axis=-1)
        except Exception as exc:  # e.g. keras.metrics.Accuracy() on sparse labels: shown as lesson content
            error = TFError(type(exc).__name__, error_text(exc))
        seconds = time.perf_counter() - start
        optimizer_class = type(model.optimizer).__name__
        learning_rate = float(np.asarray(model.optimizer.learning_rate))
        loss_name = _loss_name(model.loss)
    return CompileRun(
        spec=spec,
        history=history,
        optimizer_class=optimizer_class,
        learning_rate=learning_rate,
        loss_name=loss_name,
        evaluation=evaluation,
        predicted=np.asarray(predicted),
        labels=np.asarray(y_val[:PREDICT_ROWS]),
        seconds=seconds,
        error=error,
        diverged=any(not math.isfinite(v) for vals in history.values() for v in vals),
        notice=notice,
    )


def same_history(a: dict[str, list[float]], b: dict[str, list[float]]) -> float | None:
    """Largest |difference| between the two runs' loss and val_loss, or None if either did not train."""
    keys = ("loss", "val_loss")
    if not all(k in a and k in b and len(a[k]) == len(b[k]) and a[k] for k in keys):
        return None
    return max(abs(x - y) for k in keys for x, y in zip(a[k], b[k], strict=True))


CHANCE_LOSS = math.log(N_CLASSES)  # cross-entropy of a uniform guess over the 10 digits


def overshoot(history: dict[str, list[float]]) -> float | None:
    """The peak training loss when it went far above a uniform guess (steps too large), else None."""
    finite = [v for v in history.get("loss", []) if math.isfinite(v)]
    peak = max(finite, default=0.0)
    return peak if peak > 2 * CHANCE_LOSS else None


def metric_keys(history: dict[str, list[float]]) -> list[str]:
    """The history's metric names (without loss and the val_ copies), in a stable order."""
    return sorted(k for k in history if k != "loss" and not k.startswith("val_"))
