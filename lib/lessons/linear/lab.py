"""The linear classifier from scratch: two Gaussian classes, ``W`` and ``b``, a square loss
and ``tf.GradientTape``, exactly as the course writes it, in pure TensorFlow (no Keras).

``train(spec)`` runs the statements ``lib.lessons.linear.code`` prints, in the same order, so
the code panel's output and the page's numbers are the same numbers. Everything that
comes back is plain numpy, so the result can be cached and shared between learners.
No Streamlit in this module.

Random numbers: the data come from ``np.random.default_rng(seed)``; ``W`` starts from
``tf.random.uniform(..., seed=seed)``. An op-level seed in eager mode also depends on
how often the same kernel already ran in this process, so the start is drawn in a fresh
graph, which gives what the first call of a fresh script gives.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import tensorflow as tf  # noqa: E402

from lib.core import data as data_mod
from lib.core import (
    device,  # noqa: F401  (sets GPU memory growth before the first tensor)
    engine,
)
from lib.core.specs import DataSpec, check, clean  # noqa: F401  (clean: part of this module's API for the page)
from lib.lessons.linear.controls import CONTROLS

# Ranges of the page's controls, from the lesson's control table: the spec accepts exactly these.
N_RANGE = CONTROLS["samples"].range  # samples per class
MEAN_RANGE = CONTROLS["neg_x"].range
CORR_RANGE = CONTROLS["corr"].range
SEED_RANGE = CONTROLS["rng"].range
LR_RANGE = CONTROLS["lr"].range
STEPS_RANGE = CONTROLS["steps"].range
BATCH_RANGE = CONTROLS["batch"].range
THRESHOLD = 0.5  # predictions above it count as class 1
PRINT_HEAD, PRINT_TAIL = 5, 5  # "Loss at step N" lines the page shows from each end

Reporter = Callable[[str, object], None]


_check = check


def _in(value: float, bounds: tuple[float, float]) -> bool:
    return math.isfinite(value) and bounds[0] <= value <= bounds[1]


@dataclass(frozen=True)
class LinearSpec:
    """One experiment of the lesson: the data, the learning rate, the steps and the batches.

    ``batch_size`` None means full batch (the course's loop); otherwise every step uses
    the next ``batch_size`` points of a seeded shuffle, reshuffled after each pass.
    """

    n_per_class: int = 1000
    mean_neg: tuple[float, float] = (0.0, 3.0)
    mean_pos: tuple[float, float] = (3.0, 0.0)
    corr: float = 0.5
    seed: int = 0
    learning_rate: float = 0.1
    steps: int = 40
    batch_size: int | None = None

    def __post_init__(self) -> None:
        _check(isinstance(self.n_per_class, int) and N_RANGE[0] <= self.n_per_class <= N_RANGE[1],
               f"samples per class must be a whole number from {N_RANGE[0]} to {N_RANGE[1]}")
        for name, mean in (("negative", self.mean_neg), ("positive", self.mean_pos)):
            _check(len(mean) == 2 and all(_in(float(v), MEAN_RANGE) for v in mean),
                   f"the {name} mean must be two numbers from {MEAN_RANGE[0]} to {MEAN_RANGE[1]}")
        _check(_in(float(self.corr), CORR_RANGE),
               f"the correlation must be a number from {CORR_RANGE[0]} to {CORR_RANGE[1]}")
        _check(isinstance(self.seed, int) and SEED_RANGE[0] <= self.seed <= SEED_RANGE[1],
               f"the seed must be a whole number from {SEED_RANGE[0]} to {SEED_RANGE[1]}")
        _check(_in(float(self.learning_rate), LR_RANGE),
               f"the learning rate must be a number from {LR_RANGE[0]} to {LR_RANGE[1]}")
        _check(isinstance(self.steps, int) and STEPS_RANGE[0] <= self.steps <= STEPS_RANGE[1],
               f"the number of steps must be a whole number from {STEPS_RANGE[0]} to {STEPS_RANGE[1]}")
        if self.batch_size is not None:
            _check(isinstance(self.batch_size, int) and 1 <= self.batch_size <= 2 * self.n_per_class,
                   f"the batch size must be a whole number from 1 to the number of points ({2 * self.n_per_class})")

    @property
    def data_spec(self) -> DataSpec:
        return DataSpec("gaussians", n_samples=self.n_per_class, mean_neg=tuple(map(float, self.mean_neg)),
                        mean_pos=tuple(map(float, self.mean_pos)), corr=float(self.corr), seed=self.seed)

    @property
    def n_points(self) -> int:
        return 2 * self.n_per_class

    @property
    def full_batch(self) -> bool:
        return self.batch_size is None

    @property
    def steps_per_epoch(self) -> int:
        return 1 if self.batch_size is None else -(-self.n_points // self.batch_size)


# --------------------------------------------------------------------------- data


def dataset(spec: LinearSpec) -> tuple[np.ndarray, np.ndarray]:
    """``inputs`` (n, 2) float32 and ``targets`` (n, 1) float32: negatives first, like the course."""
    ds = data_mod.load(spec.data_spec)  # cached and read-only
    return ds.x, ds.y.reshape(-1, 1).astype(np.float32)


def plot_box(inputs: np.ndarray, pad: float = 0.6) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) around the data: the area the boundary is drawn in."""
    lo, hi = inputs.min(axis=0), inputs.max(axis=0)
    return (float(lo[0]) - pad, float(hi[0]) + pad, float(lo[1]) - pad, float(hi[1]) + pad)


# --------------------------------------------------------------------------- the model


@functools.lru_cache(maxsize=256)
def _initial_w(seed: int) -> np.ndarray:
    graph = tf.Graph()
    with graph.as_default():
        w = tf.random.uniform(shape=(2, 1), seed=seed)
    with tf.compat.v1.Session(graph=graph) as session:
        value = np.asarray(session.run(w), dtype=np.float32)
    value.setflags(write=False)
    return value


def initial_weights(seed: int) -> np.ndarray:
    """The value of ``tf.random.uniform(shape=(2, 1), seed=seed)`` in a fresh script (see the module note)."""
    return _initial_w(int(seed)).copy()


def batch_indices(spec: LinearSpec) -> list[np.ndarray] | None:
    """The rows every step trains on (None for full batch), as the code picks them."""
    if spec.batch_size is None:
        return None
    batch_rng = np.random.default_rng(spec.seed)
    per_epoch = spec.steps_per_epoch
    out, order = [], None
    for step in range(spec.steps):
        if step % per_epoch == 0:  # a new pass over the data: reshuffle
            order = batch_rng.permutation(spec.n_points)
        out.append(order[(step % per_epoch) * spec.batch_size:][: spec.batch_size])
    return out


@dataclass
class LinearRun:
    """A finished run, numpy only (picklable, cacheable).

    ``w`` (steps_run + 1, 2) and ``b`` (steps_run + 1,) hold the weights before the first
    step and after every step. ``losses[k]`` is what ``training_step`` returned at step k
    (the loss of its batch before the update, as the course prints it). ``full_losses``
    and ``accuracies`` are measured on all points for every state. Training stops after a
    step whose loss is not a finite number, so ``steps_run`` may be less than ``spec.steps``.
    """

    spec: LinearSpec
    losses: np.ndarray
    w: np.ndarray
    b: np.ndarray
    full_losses: np.ndarray
    accuracies: np.ndarray
    accuracy: float  # the code's final ``accuracy``, from the final W and b
    seconds: float

    @property
    def steps_run(self) -> int:
        return len(self.losses)

    @property
    def blew_up(self) -> bool:
        """The loss stopped being a finite number (inf or NaN)."""
        return bool(self.losses.size) and not math.isfinite(float(self.losses[-1]))

    @property
    def growing(self) -> bool:
        """Finite, but the loss on all points ended higher than it started."""
        first, last = float(self.full_losses[0]), float(self.full_losses[-1])
        return not self.blew_up and math.isfinite(last) and last > first

    @property
    def diverged(self) -> bool:
        return self.blew_up or self.growing

    def state(self, k: int) -> tuple[np.ndarray, np.float32]:
        """W (2,) and b after ``k`` steps (clamped to what ran)."""
        k = min(max(int(k), 0), self.steps_run)
        return self.w[k], self.b[k]


def train(spec: LinearSpec, report: Reporter | None = None) -> LinearRun:
    """The course's training loop for ``spec``; deterministic.

    Runs as a job of the one training API (a gate slot; the queue place goes to
    ``report``); no progress events: the default run takes about 50 ms, too short for
    a progress bar to help. There is no Keras model to pool: ``W`` and ``b`` are the model.
    """
    inputs, targets = dataset(spec)
    with engine.job(report):
        return _train(spec, inputs, targets)


def _train(spec: LinearSpec, inputs: np.ndarray, targets: np.ndarray) -> LinearRun:
    start = time.perf_counter()
    W = tf.Variable(initial_value=initial_weights(spec.seed))
    b = tf.Variable(initial_value=tf.zeros(shape=(1,)))
    learning_rate = float(spec.learning_rate)

    # The same three functions as the code panel, in the same order of operations.
    def model(inputs):
        return inputs @ W + b

    def square_loss(targets, predictions):
        per_sample_losses = tf.square(targets - predictions)
        return tf.reduce_mean(per_sample_losses)

    def training_step(inputs, targets):
        with tf.GradientTape() as tape:
            predictions = model(inputs)
            loss = square_loss(targets, predictions)
        grad_loss_wrt_W, grad_loss_wrt_b = tape.gradient(loss, [W, b])
        W.assign_sub(grad_loss_wrt_W * learning_rate)
        b.assign_sub(grad_loss_wrt_b * learning_rate)
        return loss

    batches = batch_indices(spec)
    losses, ws, bs = [], [W.numpy()[:, 0]], [b.numpy()[0]]
    for step in range(spec.steps):
        if batches is None:
            loss = training_step(inputs, targets)
        else:
            loss = training_step(inputs[batches[step]], targets[batches[step]])
        value = float(loss)
        losses.append(value)
        ws.append(W.numpy()[:, 0])
        bs.append(b.numpy()[0])
        if not math.isfinite(value):  # the code stops here too: nothing useful comes after inf/NaN
            break
    predictions = model(inputs)
    accuracy = float(np.mean((predictions.numpy() > THRESHOLD) == targets))

    w_hist = np.asarray(ws, dtype=np.float32)
    b_hist = np.asarray(bs, dtype=np.float32)
    full_losses, accuracies = evaluate_states(inputs, targets, w_hist, b_hist)
    return LinearRun(spec, np.asarray(losses, dtype=np.float64), w_hist, b_hist, full_losses, accuracies,
                     accuracy, time.perf_counter() - start)


def evaluate_states(inputs: np.ndarray, targets: np.ndarray, w: np.ndarray,
                    b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loss and accuracy on all points for every state at once: one (n, 2) @ (2, states) product."""
    preds = tf.matmul(inputs, tf.constant(w.T)) + tf.constant(b)[tf.newaxis, :]
    losses = tf.reduce_mean(tf.square(targets - preds), axis=0)
    hits = tf.cast(tf.equal(tf.cast(preds > THRESHOLD, tf.float32), targets), tf.float32)
    accs = tf.reduce_mean(hits, axis=0)
    return losses.numpy().astype(np.float64), accs.numpy().astype(np.float64)


def loss_lines(run: LinearRun, head: int = PRINT_HEAD, tail: int = PRINT_TAIL) -> list[str]:
    """What the code prints for the first and last steps ("Loss at step N: x.xxxx"); "…" between."""
    lines = [f"Loss at step {k}: {np.float32(v):.4f}" for k, v in enumerate(run.losses)]
    if len(lines) > head + tail:
        lines = [*lines[:head], "…", *lines[-tail:]]
    return lines


# --------------------------------------------------------------------------- the boundary


@dataclass(frozen=True)
class Boundary:
    """Where ``x @ W + b = 0.5`` for one state of the model.

    ``slope``/``intercept`` follow the course's formula ``y = -W[0]/W[1] * x + (0.5 - b)/W[1]``,
    in float32 like the code (None when W[1] is 0 or a weight is not finite).
    ``segment`` is the line's part inside the plot box, (2, 2) or None;
    ``positive`` is the polygon of the box the model calls class 1 (possibly empty).
    """

    slope: float | None
    intercept: float | None
    segment: np.ndarray | None
    positive: np.ndarray
    finite: bool


def boundary(w: np.ndarray, b: float, box: tuple[float, float, float, float]) -> Boundary:
    w = np.asarray(w, dtype=np.float32).reshape(2)
    b32 = np.float32(b)
    finite = bool(np.all(np.isfinite(w)) and np.isfinite(b32))
    slope = intercept = None
    if finite and w[1] != 0:
        with np.errstate(all="ignore"):
            s, i = -w[0] / w[1], (np.float32(THRESHOLD) - b32) / w[1]
        if np.isfinite(s) and np.isfinite(i):
            slope, intercept = float(s), float(i)
    if not finite:
        return Boundary(None, None, None, np.zeros((0, 2)), False)
    polygon, crossings = _clip_box(w.astype(np.float64), float(b32), box)
    segment = np.asarray(crossings[:2]) if len(crossings) >= 2 else None
    return Boundary(slope, intercept, segment, polygon, True)


def _clip_box(w: np.ndarray, b: float, box: tuple[float, float, float, float]) -> tuple[np.ndarray, list]:
    """Sutherland–Hodgman: the box's part where x @ w + b >= 0.5, and where its edges cross the line."""
    x0, x1, y0, y1 = box
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]

    def f(p: tuple[float, float]) -> float:
        return p[0] * w[0] + p[1] * w[1] + b - THRESHOLD

    kept, crossings = [], []
    for i, p in enumerate(corners):
        q = corners[(i + 1) % 4]
        fp, fq = f(p), f(q)
        if fp >= 0:
            kept.append(p)
        if (fp >= 0) != (fq >= 0):
            t = fp / (fp - fq)
            cross = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
            kept.append(cross)
            crossings.append(cross)
    return np.asarray(kept, dtype=np.float64).reshape(-1, 2), crossings


def predict(w: np.ndarray, b: float, points: np.ndarray) -> np.ndarray:
    """The model's output ``points @ W + b`` in float64 (for checks, not for training)."""
    return np.asarray(points, np.float64) @ np.asarray(w, np.float64).reshape(2) + float(b)


# --------------------------------------------------------------------------- the learning rate


def critical_learning_rate(inputs: np.ndarray) -> tuple[float, float]:
    """(largest curvature, the learning rate above which full-batch descent diverges).

    The square loss is a quadratic bowl in (W, b) with Hessian 2/n · X̃ᵀX̃ (X̃ = inputs
    with a column of ones); gradient descent on a quadratic converges only for
    learning rates below 2 / (largest eigenvalue). Same statements as the code panel.
    """
    x_tilde = np.hstack([inputs, np.ones((len(inputs), 1))]).astype(np.float64)
    hessian = 2 * x_tilde.T @ x_tilde / len(inputs)
    largest = float(np.linalg.eigvalsh(hessian).max())
    return largest, 2 / largest



@functools.cache
def default_critical() -> float:
    """The largest safe full-batch learning rate for the lesson's default data."""
    return critical_learning_rate(dataset(LinearSpec())[0])[1]

def class_means(inputs: np.ndarray, n_per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """The sample mean of each class (float32, as the code computes it)."""
    return inputs[:n_per_class].mean(axis=0), inputs[n_per_class:].mean(axis=0)
