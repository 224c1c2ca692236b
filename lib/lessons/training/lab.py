"""How training works: every number the training page shows, computed with TensorFlow/Keras.

Three experiments, each described by a frozen spec (the page's widgets, the
share link and the code panel all come from the same spec):

* ``NetSpec``: a 2-2-1 sigmoid network on one sample. A forward pass, the
  gradients of ½(y − t)² from ``tf.GradientTape`` and one gradient-descent update.
* ``BatchSpec``: dataset size, batch size and epochs, the iterations they imply,
  and a real ``model.fit`` that counts them (``optimizer.iterations``), on a pooled
  model from the one training API (``lib.core.engine.model_session``).
* ``DescentSpec``: gradient descent on the 1-D loss L(w) = (w − 3)² with Keras' SGD.

The statements here are the ones ``lib.lessons.training.code`` writes into the code
panels, in the same order and in float32, so the code prints the page's numbers.
The specs' ranges and defaults come from the lesson's control table
(``lib.lessons.training.controls``). No Streamlit in this module.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import keras
import numpy as np
import tensorflow as tf

from lib.core import data as data_mod
from lib.core import (
    device,  # noqa: F401  (sets GPU memory growth before the first tensor is built)
    engine,
)
from lib.core.progress_callback import ProgressCallback
from lib.core.specs import check, number, whole
from lib.lessons.training.controls import CONTROLS

Reporter = Callable[[str, object], None]


# =========================================================================== 1. forward and backward by hand

# Parameter names in the order the page, the tables and the code list them.
# Hidden kernel entries follow Keras' convention kernel[i, j]: input i -> hidden unit j,
# so w21 is the weight from x2 into h1.
HIDDEN_PARAMS = ("w11", "w21", "b1", "w12", "w22", "b2")
OUTPUT_PARAMS = ("v1", "v2", "c")
PARAMS = HIDDEN_PARAMS + OUTPUT_PARAMS
WEIGHT_RANGE = CONTROLS["w11"].range  # every weight and bias
INPUT_RANGE = CONTROLS["x1"].range
TARGET_RANGE = CONTROLS["target"].range  # a sigmoid output
NET_LR_RANGE = CONTROLS["step_lr"].range


@dataclass(frozen=True)
class NetSpec:
    """One sample through a 2-2-1 network with sigmoid units, and one update at rate ``lr``.

    The defaults reproduce the worked example: x = (1, −1) gives hidden
    activations σ(1) = 0.731 and σ(0) = 0.500, and the output 0.436 against the target 0.4.
    """

    x1: float = CONTROLS["x1"].default
    x2: float = CONTROLS["x2"].default
    w11: float = CONTROLS["w11"].default
    w21: float = CONTROLS["w21"].default
    b1: float = CONTROLS["b1"].default
    w12: float = CONTROLS["w12"].default
    w22: float = CONTROLS["w22"].default
    b2: float = CONTROLS["b2"].default
    v1: float = CONTROLS["v1"].default
    v2: float = CONTROLS["v2"].default
    c: float = CONTROLS["c"].default
    target: float = CONTROLS["target"].default
    lr: float = CONTROLS["step_lr"].default

    def __post_init__(self) -> None:
        ranges = {"x1": INPUT_RANGE, "x2": INPUT_RANGE, "target": TARGET_RANGE, "lr": NET_LR_RANGE}
        for f in fields(self):
            # A finite number in range, cleaned: 0.1 + 0.2 is written as 0.3 in the code.
            value = number(getattr(self, f.name), f.name, *ranges.get(f.name, WEIGHT_RANGE))
            object.__setattr__(self, f.name, value)

    def params(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in PARAMS}


@dataclass(frozen=True)
class Pass:
    """One forward pass: pre-activations z, activations and the loss ½(y − t)²."""

    z_hidden: tuple[float, float]
    h: tuple[float, float]
    z_out: float
    y: float
    loss: float


@dataclass(frozen=True)
class StepResult:
    spec: NetSpec
    before: Pass
    grads: dict[str, float]  # ∂L/∂p from tf.GradientTape, by parameter name
    hand: dict[str, float]  # the same by the chain rule (float64), to check the tape
    delta_out: float  # ∂L/∂z_out = (y − t)·y(1 − y)
    delta_hidden: tuple[float, float]  # ∂L/∂z_j = delta_out·v_j·h_j(1 − h_j)
    new_params: dict[str, float]
    after: Pass

    @property
    def loss_change(self) -> float:
        return self.after.loss - self.before.loss


def _variables(p: dict[str, float]) -> tuple[tf.Variable, tf.Variable, tf.Variable, tf.Variable]:
    w_hidden = tf.Variable([[p["w11"], p["w12"]], [p["w21"], p["w22"]]])
    b_hidden = tf.Variable([p["b1"], p["b2"]])
    w_out = tf.Variable([[p["v1"]], [p["v2"]]])
    b_out = tf.Variable([p["c"]])
    return w_hidden, b_hidden, w_out, b_out


def _forward(x: tf.Tensor, target: float, w_hidden: tf.Variable, b_hidden: tf.Variable, w_out: tf.Variable,
             b_out: tf.Variable) -> tuple[tf.Tensor, ...]:
    # Exactly the lines of the code panel: same ops, same order, same float32 numbers.
    z_hidden = x @ w_hidden + b_hidden
    h = tf.sigmoid(z_hidden)
    z_out = h @ w_out + b_out
    y = tf.sigmoid(z_out)
    loss = 0.5 * tf.reduce_sum(tf.square(y - target))
    return z_hidden, h, z_out, y, loss


def _as_pass(z_hidden: tf.Tensor, h: tf.Tensor, z_out: tf.Tensor, y: tf.Tensor, loss: tf.Tensor) -> Pass:
    zh, hh = z_hidden.numpy()[0], h.numpy()[0]
    return Pass((float(zh[0]), float(zh[1])), (float(hh[0]), float(hh[1])), float(z_out.numpy()[0, 0]),
                float(y.numpy()[0, 0]), float(loss))


def _named(w_hidden: np.ndarray, b_hidden: np.ndarray, w_out: np.ndarray, b_out: np.ndarray) -> dict[str, float]:
    """Variables (or their gradients) as a dict keyed by parameter name."""
    return {
        "w11": float(w_hidden[0, 0]), "w21": float(w_hidden[1, 0]), "b1": float(b_hidden[0]),
        "w12": float(w_hidden[0, 1]), "w22": float(w_hidden[1, 1]), "b2": float(b_hidden[1]),
        "v1": float(w_out[0, 0]), "v2": float(w_out[1, 0]), "c": float(b_out[0]),
    }


def hand_gradients(spec: NetSpec) -> tuple[dict[str, float], float, tuple[float, float]]:
    """The chain rule written out in float64: (gradients by name, delta_out, hidden deltas)."""
    x = np.array([spec.x1, spec.x2])
    w = np.array([[spec.w11, spec.w12], [spec.w21, spec.w22]])
    h = 1 / (1 + np.exp(-(x @ w + np.array([spec.b1, spec.b2]))))
    v = np.array([spec.v1, spec.v2])
    y = 1 / (1 + np.exp(-(h @ v + spec.c)))
    delta_out = (y - spec.target) * y * (1 - y)  # dL/dy · dy/dz_out
    delta = delta_out * v * h * (1 - h)  # flows back along v_j, through σ'(z_j)
    grads = {
        "w11": delta[0] * x[0], "w21": delta[0] * x[1], "b1": delta[0],
        "w12": delta[1] * x[0], "w22": delta[1] * x[1], "b2": delta[1],
        "v1": delta_out * h[0], "v2": delta_out * h[1], "c": delta_out,
    }
    return {k: float(g) for k, g in grads.items()}, float(delta_out), (float(delta[0]), float(delta[1]))


def forward_backward(spec: NetSpec) -> StepResult:
    """Forward pass, ``tape.gradient`` of the loss, one step ``p ← p − lr·∂L/∂p`` and the new loss."""
    x = tf.constant([[spec.x1, spec.x2]])
    variables = _variables(spec.params())
    with tf.GradientTape() as tape:
        before = _forward(x, spec.target, *variables)
    grads = tape.gradient(before[-1], list(variables))
    for var, grad in zip(variables, grads, strict=True):
        var.assign_sub(spec.lr * grad)
    after = _forward(x, spec.target, *variables)
    hand, delta_out, delta_hidden = hand_gradients(spec)
    return StepResult(
        spec=spec,
        before=_as_pass(*before),
        grads=_named(*(g.numpy() for g in grads)),
        hand=hand,
        delta_out=delta_out,
        delta_hidden=delta_hidden,
        new_params=_named(*(v.numpy() for v in variables)),
        after=_as_pass(*after),
    )


# =========================================================================== 2. epochs, batches, iterations

MAX_FIT_ITERATIONS = 20_000  # above this the live model.fit check is skipped (seconds on 2 CPU cores)
BATCH_LR = 0.1
N_RANGE = CONTROLS["samples"].range
BATCH_RANGE = CONTROLS["batch_size"].range
EPOCHS_RANGE = CONTROLS["n_epochs"].range


@dataclass(frozen=True)
class BatchSpec:
    """``n`` samples cut into mini-batches of ``batch_size``, repeated for ``epochs``."""

    n: int = CONTROLS["samples"].default
    batch_size: int = CONTROLS["batch_size"].default
    epochs: int = CONTROLS["n_epochs"].default
    seed: int = 0
    learning_rate: float = BATCH_LR

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", whole(self.n, "the dataset size", *N_RANGE))
        object.__setattr__(self, "batch_size", whole(self.batch_size, "the batch size", *BATCH_RANGE))
        object.__setattr__(self, "epochs", whole(self.epochs, "epochs", *EPOCHS_RANGE))
        object.__setattr__(self, "seed", whole(self.seed, "the seed", 0, 2**32 - 1))
        check(isinstance(self.learning_rate, int | float) and math.isfinite(self.learning_rate)
              and 0 < self.learning_rate <= 10, "learning rate must be in (0, 10]")

    @property
    def per_epoch(self) -> int:
        """Iterations (optimizer steps) per epoch: ceil(n / batch_size), the last batch may be smaller."""
        return math.ceil(self.n / self.batch_size)

    @property
    def total(self) -> int:
        return self.per_epoch * self.epochs

    @property
    def last_batch(self) -> int:
        """Samples in the last batch of an epoch (== batch_size when it divides n)."""
        return self.n - (self.per_epoch - 1) * self.batch_size

    @property
    def runnable(self) -> bool:
        return self.total <= MAX_FIT_ITERATIONS


def batch_bounds(n: int, batch_size: int) -> list[tuple[int, int]]:
    """(start, stop) sample indices of every mini-batch of one epoch."""
    return [(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]


def batch_data(spec: BatchSpec) -> tuple[np.ndarray, np.ndarray]:
    """The course's two Gaussian classes, shuffled once with a seed, first ``n`` samples."""
    half = (spec.n + 1) // 2  # samples per class; one is dropped when n is odd
    ds = data_mod.gaussians(half, seed=spec.seed)
    order = np.random.default_rng(spec.seed + 1).permutation(2 * half)[: spec.n]
    return ds.x[order], ds.y[order].astype(np.float32)


@dataclass
class BatchRun:
    """What ``model.fit`` did, as plain numbers (picklable for the cache)."""

    loss: list[float]
    accuracy: list[float]
    iterations_after_epoch: list[int]  # optimizer.iterations read at the end of every epoch
    iterations: int
    seconds: float
    diverged: bool = False
    extras: dict = field(default_factory=dict)


class IterationLog(keras.callbacks.Callback):
    """Reads ``optimizer.iterations`` after every epoch: the gradient updates so far."""

    def __init__(self) -> None:
        super().__init__()
        self.iterations: list[int] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.iterations.append(int(self.model.optimizer.iterations))


def batch_model(spec: BatchSpec) -> keras.Model:
    """The code panel's logistic-regression unit, compiled; seeded, so every build starts the same."""
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(1, activation="sigmoid",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=spec.seed)),
    ])
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=spec.learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=spec.per_epoch,  # one graph call per epoch: same steps, less Python overhead
    )
    return model


def run_batches(spec: BatchSpec, report: Reporter | None = None) -> BatchRun:
    """Train a logistic-regression unit with ``model.fit(batch_size=..., epochs=...)`` and count its steps.

    The model comes from the engine's pool (keyed by its steps per graph call, the one
    setting that changes the traced function), reset to a fresh build's weights and a
    fresh optimizer, so ``optimizer.iterations`` counts this run's steps only. Progress
    goes to ``report`` once per epoch.
    """
    check(spec.runnable, f"{spec.total} iterations is more than this page runs live ({MAX_FIT_ITERATIONS})")
    x, y = batch_data(spec)
    key = ("training", "batches", spec.per_epoch)
    with engine.model_session(key, lambda: batch_model(spec), report) as pooled:
        start = time.perf_counter()
        log = IterationLog()
        history = pooled.model.fit(x, y, batch_size=spec.batch_size, epochs=spec.epochs, shuffle=False, verbose=0,
                                   callbacks=[log, ProgressCallback(report, spec.epochs)])
        seconds = time.perf_counter() - start
        iterations = int(pooled.model.optimizer.iterations)
    loss = [float(v) for v in history.history["loss"]]
    return BatchRun(
        loss=loss,
        accuracy=[float(v) for v in history.history["accuracy"]],
        iterations_after_epoch=log.iterations,
        iterations=iterations,
        seconds=seconds,
        diverged=not all(math.isfinite(v) for v in loss),
    )


# =========================================================================== 3. gradient descent on a curve

MINIMUM = 3.0  # L(w) = (w − 3)²
CURVATURE = 2.0  # L''(w): each step multiplies the distance to the minimum by (1 − lr·L'')
DESCENT_LR_RANGE = CONTROLS["gd_lr"].range
W0_RANGE = CONTROLS["gd_w0"].range  # also the picture's w-axis
MAX_STEPS = CONTROLS["gd_steps"].hi
REGIMES = ("too_small", "good", "too_large", "divergent")


@dataclass(frozen=True)
class DescentSpec:
    lr: float = CONTROLS["gd_lr"].default
    w0: float = CONTROLS["gd_w0"].default
    steps: int = CONTROLS["gd_steps"].default

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", number(self.lr, "the learning rate", *DESCENT_LR_RANGE))
        object.__setattr__(self, "w0", number(self.w0, "the start", *W0_RANGE))
        object.__setattr__(self, "steps", whole(self.steps, "steps", *CONTROLS["gd_steps"].range))

    @property
    def factor(self) -> float:
        """w_{k+1} − 3 = (1 − 2·lr)·(w_k − 3): the distance to the minimum is multiplied by this each step."""
        return 1.0 - self.lr * CURVATURE


def regime(lr: float) -> str:
    """From lr·L'': too_small (factor > 0.8, creeps), good (0 ≤ factor ≤ 0.8), too_large (zig-zags in),
    divergent (|factor| ≥ 1, never settles)."""
    k = lr * CURVATURE
    if k < 0.2:
        return "too_small"
    if k <= 1.0:
        return "good"
    if k < 2.0:
        return "too_large"
    return "divergent"


@dataclass(frozen=True)
class DescentResult:
    spec: DescentSpec
    path_w: np.ndarray  # w_0 … w_k (finite values only)
    path_loss: np.ndarray  # L(w_0) … L(w_k)
    regime: str
    nonfinite_at: int | None  # first step whose w or loss overflowed to inf/NaN, if any

    @property
    def diverged(self) -> bool:
        return self.regime == "divergent" or self.nonfinite_at is not None

    @property
    def final_w(self) -> float:
        return float(self.path_w[-1])

    @property
    def final_loss(self) -> float:
        return float(self.path_loss[-1])


def descend(spec: DescentSpec) -> DescentResult:
    """``spec.steps`` steps of Keras' SGD on L(w) = (w − 3)², stopping once the loss overflows."""
    w = tf.Variable(spec.w0)
    optimizer = keras.optimizers.SGD(learning_rate=spec.lr)
    path_w, path_loss = [float(w.numpy())], [float(tf.square(w - MINIMUM))]
    nonfinite_at = None
    for step in range(1, spec.steps + 1):
        with tf.GradientTape() as tape:
            loss = tf.square(w - MINIMUM)
        grad = tape.gradient(loss, w)
        optimizer.apply_gradients([(grad, w)])  # w <- w - lr * grad
        path_w.append(float(w.numpy()))
        path_loss.append(float(tf.square(w - MINIMUM)))
        if not math.isfinite(path_loss[-1]):  # float32 overflow: nothing left to draw
            nonfinite_at = step
            path_w.pop()
            path_loss.pop()
            break
    return DescentResult(spec, np.array(path_w), np.array(path_loss), regime(spec.lr), nonfinite_at)


def loss_curve(lo: float, hi: float, points: int = 241) -> tuple[np.ndarray, np.ndarray]:
    """L(w) = (w − 3)² on a grid, for the picture."""
    ws = tf.linspace(float(lo), float(hi), points)
    return ws.numpy(), tf.square(ws - MINIMUM).numpy()


def fmt_grad(value: float) -> str:
    """Gradients are small: three significant digits (``0.000695``)."""
    if not math.isfinite(value):
        return str(value)
    return f"{value + 0.0:.3g}"
