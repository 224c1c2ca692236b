"""Optimizers compared: the six update rules, and the real Keras optimizers walking on 2-D surfaces.

* The update rules written out by hand in numpy (``textbook_step``), next to the
  real ``keras.optimizers`` classes stepping on a 1-D quadratic (``keras_steps``):
  the unit tests hold one against the other.
* ``PathSpec`` -> ``run_path``: a Keras optimizer takes ``steps`` steps on a 2-D
  function (bowl, Rosenbrock, saddle, Beale) from a start point. The loop is one
  ``tf.function`` per (surface, optimizer, momentum), pooled, so a new learning
  rate, start or step count reuses the traced loop. Every step records the
  position, the loss, the gradient and the optimizer's own state variables.

The surfaces themselves live in ``lib.lessons.optimizers.surfaces``, the race and the
learning-rate comparison in ``lib.lessons.optimizers.race``. No Streamlit in this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import keras
import numpy as np
import tensorflow as tf

from lib.core import (
    device,  # noqa: F401  (sets GPU memory growth before the first tensor is built)
    engine,
)
from lib.core.models import build_optimizer
from lib.core.pool import OptimizerReset
from lib.core.specs import OPTIMIZERS, OptimizerSpec, check, whole
from lib.lessons.optimizers.controls import CONTROLS, MOMENTUM_OPTIMIZERS
from lib.lessons.optimizers.surfaces import (  # noqa: F401  (part of this module's API for the page)
    SURFACE_LR_EXPONENT,
    SURFACE_NAMES,
    SURFACES,
    Surface,
)

# Keras' defaults for what the page does not expose: the textbook rules below use the same numbers.
RHO = 0.9  # RMSprop's decay of the running mean of g²
BETA_1, BETA_2 = 0.9, 0.999  # Adam's decays of the first and second moments
EPSILON = 1e-7  # every adaptive optimizer's guard against dividing by zero
ADAGRAD_INITIAL = 0.1  # Adagrad's accumulator does not start at 0 in Keras
DEFAULT_MOMENTUM = 0.9
# Ranges of the page's controls, from the lesson's control table: the specs accept exactly these.
STEPS_RANGE = CONTROLS["sf_steps"].range  # steps of one walk
EXPONENT_RANGE = CONTROLS["sf_loglr_sgd"].range  # log10 of a surface learning rate
MOMENTUM_RANGE = CONTROLS["sf_momentum"].range  # the surfaces' and the racers' momentum
# The state each optimizer keeps per weight, as Keras names its variables.
STATE_NAMES: dict[str, tuple[str, ...]] = {
    "sgd": (),
    "momentum": ("momentum",),
    "nesterov": ("momentum",),
    "adagrad": ("accumulator",),
    "rmsprop": ("velocity",),
    "adam": ("momentum", "velocity"),
}
# Optimizers that divide the step by a running size of the gradients (a per-weight learning rate).
ADAPTIVE = ("adagrad", "rmsprop", "adam")


# The rules as the page's table writes them (LaTeX; the same in every language).
# One step of each optimizer, one LaTeX statement at a time. The page joins them with STATEMENT_BREAK: each
# statement is a group, which KaTeX never breaks, so a narrow table cell wraps between statements only.
RULE_STATEMENTS: dict[str, tuple[str, ...]] = {
    "sgd": (r"w \leftarrow w - \eta\, g",),
    "momentum": (r"m \leftarrow \mu\, m - \eta\, g", r"w \leftarrow w + m"),
    "nesterov": (r"m \leftarrow \mu\, m - \eta\, g", r"w \leftarrow w + \mu\, m - \eta\, g"),
    "adagrad": (r"G \leftarrow G + g^2", r"w \leftarrow w - \frac{\eta}{\sqrt{G + \epsilon}}\, g"),
    "rmsprop": (r"v \leftarrow \rho\, v + (1 - \rho)\, g^2", r"w \leftarrow w - \frac{\eta}{\sqrt{v + \epsilon}}\, g"),
    "adam": (r"m \leftarrow \beta_1 m + (1 - \beta_1) g", r"v \leftarrow \beta_2 v + (1 - \beta_2) g^2",
             r"w \leftarrow w - \eta_t \frac{m}{\sqrt{v} + \epsilon}"),
}
STATEMENT_BREAK = r",\allowbreak\;\; "
RULE_TEX: dict[str, str] = {name: STATEMENT_BREAK.join(f"{{{s}}}" for s in statements)
                            for name, statements in RULE_STATEMENTS.items()}


def optimizer_spec(name: str, learning_rate: float | None = None, momentum: float = DEFAULT_MOMENTUM) -> OptimizerSpec:
    """An OptimizerSpec whose momentum only counts where it applies (so caches are not split by it)."""
    check(name in OPTIMIZERS, f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    if learning_rate is not None:
        check(isinstance(learning_rate, int | float) and math.isfinite(learning_rate),
               "the learning rate must be a finite number")
        learning_rate = float(f"{float(learning_rate):.6g}")  # 0.1 + 0.2 is written 0.3 in the code
    check(isinstance(momentum, int | float) and math.isfinite(momentum), "momentum must be a finite number")
    check(MOMENTUM_RANGE[0] <= momentum <= MOMENTUM_RANGE[1],
          f"momentum must be between {MOMENTUM_RANGE[0]:g} and {MOMENTUM_RANGE[1]:g}")
    momentum = round(float(momentum), 4) if name in MOMENTUM_OPTIMIZERS else DEFAULT_MOMENTUM
    return OptimizerSpec(name, learning_rate, momentum)


def lr_from_exponent(exponent: float) -> float:
    """10**exponent with three significant digits (a log-scale slider: -1.3 -> 0.0501)."""
    lo, hi = EXPONENT_RANGE
    check(math.isfinite(exponent) and lo <= exponent <= hi, f"the learning-rate exponent must be in [{lo:g}, {hi:g}]")
    return float(f"{10.0 ** exponent:.3g}")


# =========================================================================== the update rules by hand


def textbook_step(name: str, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], lr: float,
                  momentum: float, t: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One update of ``name`` in float64, as the formulas on the page write it; ``t`` counts from 1.

    ``state`` holds the optimizer's memory by Keras' variable names (missing = fresh).
    """
    w, g = np.asarray(w, np.float64), np.asarray(g, np.float64)
    if name == "sgd":
        return w - lr * g, {}
    if name in MOMENTUM_OPTIMIZERS:
        m = momentum * state.get("momentum", np.zeros_like(w)) - lr * g  # the velocity
        step = momentum * m - lr * g if name == "nesterov" else m  # Nesterov looks one velocity ahead
        return w + step, {"momentum": m}
    if name == "adagrad":
        acc = state.get("accumulator", np.full_like(w, ADAGRAD_INITIAL)) + g**2  # every g² ever seen
        return w - lr * g / np.sqrt(acc + EPSILON), {"accumulator": acc}
    if name == "rmsprop":
        v = RHO * state.get("velocity", np.zeros_like(w)) + (1 - RHO) * g**2  # recent g² only
        return w - lr * g / np.sqrt(v + EPSILON), {"velocity": v}
    m = BETA_1 * state.get("momentum", np.zeros_like(w)) + (1 - BETA_1) * g
    v = BETA_2 * state.get("velocity", np.zeros_like(w)) + (1 - BETA_2) * g**2
    # Bias correction (m and v start at 0) folded into the rate, as in the Adam paper's efficient form
    # and in Keras: lr·m̂/(√v̂ + ε) with ε added to √v instead of √v̂.
    alpha = lr * np.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
    return w - alpha * m / (np.sqrt(v) + EPSILON), {"momentum": m, "velocity": v}


def effective_lr(name: str, lr: float, state: dict[str, np.ndarray], t: np.ndarray | int) -> np.ndarray | float:
    """The factor each coordinate's (smoothed) gradient is multiplied by at step ``t``.

    Plain SGD and momentum: ``lr`` everywhere. The adaptive optimizers divide by the
    root of their g² memory, so a coordinate with large gradients takes smaller steps.
    """
    if name == "adagrad":
        return lr / np.sqrt(state["accumulator"] + EPSILON)
    if name == "rmsprop":
        return lr / np.sqrt(state["velocity"] + EPSILON)
    if name == "adam":
        t = np.asarray(t, np.float64)
        if t.ndim:
            t = t[:, None]
        alpha = lr * np.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)  # what Keras computes, bias correction included
        return alpha / (np.sqrt(state["velocity"]) + EPSILON)
    return lr


def keras_steps(spec: OptimizerSpec, w0: float, curvature: float, target: float,
                steps: int = 1) -> tuple[list[float], list[dict[str, float]]]:
    """The real Keras optimizer on L(w) = curvature/2 · (w − target)².

    Returns the weights w₀…w_k and the optimizer's state after each step."""
    w = tf.Variable([float(w0)], name="w")
    optimizer = build_optimizer(spec)
    optimizer.build([w])
    weights, states = [float(w.numpy()[0])], []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = 0.5 * curvature * tf.reduce_sum(tf.square(w - target))
        optimizer.apply_gradients([(tape.gradient(loss, w), w)])
        weights.append(float(w.numpy()[0]))
        states.append({_state_name(v): float(v.numpy()[0]) for v in optimizer.variables if len(v.shape) == 1})
    return weights, states


def _state_name(variable: keras.Variable) -> str:
    """``w_momentum`` -> ``momentum``: Keras names an optimizer's slot ``<weight>_<slot>``."""
    return variable.name.rsplit("_", 1)[-1]


# =========================================================================== 2-D surfaces

@dataclass(frozen=True)
class PathSpec:
    """One optimizer walking ``steps`` steps on a surface from ``start`` (by default the surface's own)."""

    surface: str = "bowl"
    optimizer: OptimizerSpec = field(default_factory=lambda: optimizer_spec("sgd", 0.1))
    start: tuple[float, float] | None = None  # None: the surface's own start
    steps: int = 100

    def __post_init__(self) -> None:
        check(self.surface in SURFACES, f"unknown surface {self.surface!r}; choose one of {', '.join(SURFACES)}")
        check(isinstance(self.optimizer, OptimizerSpec), "optimizer must be an OptimizerSpec")
        if self.start is None:
            object.__setattr__(self, "start", SURFACES[self.surface].start)
        check(len(self.start) == 2 and all(isinstance(v, int | float) and math.isfinite(v) for v in self.start),
               "the start must be two finite numbers")
        start = (round(float(self.start[0]), 4) + 0.0, round(float(self.start[1]), 4) + 0.0)
        check(SURFACES[self.surface].inside(*start), "the start must lie inside the drawn window")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "steps", whole(self.steps, "steps", *STEPS_RANGE))

    @property
    def lr(self) -> float:
        return self.optimizer.lr


@dataclass
class PathResult:
    """What one optimizer did on a surface, as numpy (finite steps only).

    ``positions[k]`` is the point after k steps (``positions[0]`` = start), ``losses[k]``
    the loss there; ``grads[k]`` and ``states[name][k]`` belong to step k + 1.
    """

    spec: PathSpec
    positions: np.ndarray  # (k + 1, 2)
    losses: np.ndarray  # (k + 1,)
    grads: np.ndarray  # (k, 2)
    states: dict[str, np.ndarray]  # Keras slot name -> (k, 2), read from optimizer.variables after each step
    diverged_at: int | None = None  # first step whose position or loss was inf/NaN
    left_at: int | None = None  # first step outside the drawn window (the path still continues)

    @property
    def steps_run(self) -> int:
        return len(self.positions) - 1

    @property
    def final(self) -> tuple[float, float]:
        return float(self.positions[-1, 0]), float(self.positions[-1, 1])

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    @property
    def deltas(self) -> np.ndarray:
        """The step each update took, Δw = w_{k+1} − w_k, shape (k, 2)."""
        return np.diff(self.positions, axis=0)

    @property
    def effective_lr(self) -> np.ndarray:
        """``effective_lr`` per step and coordinate, (k, 2)."""
        t = np.arange(1, self.steps_run + 1)
        value = effective_lr(self.spec.optimizer.name, self.spec.lr, self.states, t)
        return np.broadcast_to(np.asarray(value, np.float64), (self.steps_run, 2)).copy()

    def first_below(self, threshold: float) -> int | None:
        """The first step count whose loss is below ``threshold`` (None if never)."""
        hits = np.flatnonzero(self.losses < threshold)
        return int(hits[0]) if hits.size else None


class _Walker:
    """A 2-D variable, a real Keras optimizer and the traced loop that steps it on one surface."""

    def __init__(self, surface: Surface, spec: OptimizerSpec) -> None:
        self.surface = surface
        self.name = spec.name
        self.w = tf.Variable([0.0, 0.0], name="w")
        self.optimizer = build_optimizer(spec)
        self.reset = OptimizerReset(self.optimizer, [self.w])
        self.slots = [v for v in self.optimizer.variables if len(v.shape) == 1]
        self.slot_names = [_state_name(v) for v in self.slots]
        # One trace per walker (six per surface): TensorFlow may log a harmless "retracing" warning for them.
        self.walk = tf.function(self._walk)

    def _walk(self, steps: tf.Tensor) -> tuple[tf.Tensor, ...]:
        f = self.surface
        positions = tf.TensorArray(tf.float32, size=steps + 1).write(0, self.w.read_value())
        losses = tf.TensorArray(tf.float32, size=steps + 1)
        grads = tf.TensorArray(tf.float32, size=steps)
        states = tf.TensorArray(tf.float32, size=steps, element_shape=(len(self.slots), 2))
        for i in tf.range(steps):
            with tf.GradientTape() as tape:
                loss = f(self.w[0], self.w[1])
            grad = tape.gradient(loss, self.w)
            self.optimizer.apply_gradients([(grad, self.w)])
            losses = losses.write(i, loss)
            grads = grads.write(i, grad)
            positions = positions.write(i + 1, self.w.read_value())
            # The optimizer's own memory, read back from its variables after the update.
            slots = [tf.identity(v.value) for v in self.slots]
            states = states.write(i, tf.stack(slots) if slots else tf.zeros((0, 2)))
        losses = losses.write(steps, f(self.w[0], self.w[1]))
        return positions.stack(), losses.stack(), grads.stack(), states.stack()

    def __call__(self, spec: PathSpec) -> tuple[np.ndarray, ...]:
        self.reset(spec.lr)
        self.w.assign(spec.start)
        return tuple(t.numpy() for t in self.walk(tf.constant(spec.steps)))


def run_path(spec: PathSpec) -> PathResult:
    """Step the real Keras optimizer of ``spec`` on its surface; stop the record at the first inf/NaN."""
    surface = SURFACES[spec.surface]
    # A walk is light work, not training (one tf.Variable, a few ms): a borrowed walker, not a model session.
    key = ("optimizers", "walk", spec.surface, spec.optimizer.name, spec.optimizer.momentum)
    with engine.borrowed(key, lambda: _Walker(surface, spec.optimizer)) as walker:
        positions, losses, grads, states = walker(spec)
        names = walker.slot_names
    positions, losses = positions.astype(np.float64), losses.astype(np.float64)
    bad = ~(np.isfinite(positions).all(axis=1) & np.isfinite(losses))
    diverged_at = int(np.argmax(bad)) if bad.any() else None
    k = spec.steps if diverged_at is None else diverged_at - 1  # keep the last finite point
    k = max(k, 0)
    outside = [i for i in range(k + 1) if not surface.inside(*positions[i])]
    return PathResult(
        spec=spec,
        positions=positions[: k + 1],
        losses=losses[: k + 1],
        grads=grads[:k].astype(np.float64),
        states={name: states[:k, j].astype(np.float64) for j, name in enumerate(names)},
        diverged_at=diverged_at,
        left_at=outside[0] if outside else None,
    )


REACHED = 1e-4  # a loss below this counts as having reached the minimum


def path_status(result: PathResult) -> tuple[str, int | None]:
    """How a walk ended: ("diverged", step), ("reached", first step below REACHED), ("left", step), ("going", None)."""
    if result.diverged_at is not None:
        return "diverged", result.diverged_at
    reached = result.first_below(REACHED)
    if reached is not None:
        return "reached", reached
    if not SURFACES[result.spec.surface].inside(*result.final):
        return "left", result.left_at
    return "going", None


def surface_grid(name: str, points: int = 121) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, f on the grid) for a contour plot, in float64."""
    surface = SURFACES[name]
    xs = np.linspace(*surface.x_range, points)
    ys = np.linspace(*surface.y_range, points)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, surface(gx, gy)


def replay_textbook(result: PathResult) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The textbook rule fed with the gradients Keras saw: (Δw per step, state per step), float64.

    Starting from the same point with the same gradients, this is the hand
    calculation the page compares with Keras' own steps.
    """
    spec = result.spec
    w = result.positions[0].copy()
    state: dict[str, np.ndarray] = {}
    deltas, states = [], {name: [] for name in STATE_NAMES[spec.optimizer.name]}
    for t, g in enumerate(result.grads, start=1):
        new_w, state = textbook_step(spec.optimizer.name, w, g, state, spec.lr, spec.optimizer.momentum, t)
        deltas.append(new_w - w)
        for name in states:
            states[name].append(state[name])
        w = result.positions[t]  # continue from Keras' point, so float32 rounding does not accumulate
    empty = np.zeros((0, 2))
    return (np.array(deltas) if deltas else empty), {k: np.array(v) if v else empty for k, v in states.items()}


def with_lr(spec: PathSpec, lr: float) -> PathSpec:
    return replace(spec, optimizer=optimizer_spec(spec.optimizer.name, lr, spec.optimizer.momentum))
