"""Automatic differentiation with ``tf.GradientTape``: every number the autodiff page shows.

The operations here are the ones ``lib.lessons.autodiff.code`` writes into the code
panels (``EXPR`` is the shared text of each function), so the page's numbers
are exactly what that code prints. No Streamlit in this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from lib.core import device  # noqa: F401  (sets GPU memory growth before the first tensor is made)
from lib.core.specs import clean  # noqa: F401  (part of this module's API for the page)
from lib.lessons.autodiff.controls import CONTROLS

# Function codes (they appear in the URL as ?fn=...), in menu order: the control table's options.
FUNCTIONS: tuple[str, ...] = CONTROLS["fn"].options

# The TensorFlow expression of each function, with ``{v}`` for the variable.
EXPR: dict[str, str] = {
    "square": "tf.square({v})",
    "cube": "{v} ** 3",
    "sin": "tf.sin({v})",
    "sigmoid": "tf.sigmoid({v})",
    "relu": "tf.nn.relu({v})",
}

_OPS = {
    "square": tf.square,
    "cube": lambda v: v**3,
    "sin": tf.sin,
    "sigmoid": tf.sigmoid,
    "relu": tf.nn.relu,
}

# Step sizes offered for the finite-difference check (codes as they appear in the URL).
STEPS: tuple[str, ...] = CONTROLS["h"].options
DEFAULT_STEP = CONTROLS["h"].default

X_RANGE = CONTROLS["x"].range  # the slider's range and the plot's x-axis
GRID_POINTS = 201

# The fixed training sample of the two-variable example: y = w * x + b should hit the target.
SAMPLE_X = 2.0
SAMPLE_TARGET = 5.0
W_RANGE = CONTROLS["w"].range  # the sliders' ranges and the loss surface's extent
B_RANGE = CONTROLS["b"].range
T_RANGE = CONTROLS["t"].range  # seconds of the falling apple

GRAVITY_HALF = 4.9  # position = 4.9 * time ** 2, so acceleration = 9.8


def op(fn: str):
    """The TensorFlow function for code ``fn`` (``KeyError`` for an unknown code)."""
    return _OPS[fn]


# --------------------------------------------------------------------------- analytic references


def analytic(fn: str, x: np.ndarray | float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f, f' and f'' by hand (NumPy, float64), used by the tests and nowhere on the page."""
    x = np.asarray(x, dtype=np.float64)
    if fn == "square":
        return x**2, 2 * x, np.full_like(x, 2.0)
    if fn == "cube":
        return x**3, 3 * x**2, 6 * x
    if fn == "sin":
        return np.sin(x), np.cos(x), -np.sin(x)
    if fn == "sigmoid":
        s = 1 / (1 + np.exp(-x))
        return s, s * (1 - s), s * (1 - s) * (1 - 2 * s)
    if fn == "relu":
        return np.maximum(x, 0.0), (x > 0).astype(np.float64), np.zeros_like(x)
    raise KeyError(fn)


# --------------------------------------------------------------------------- 1. one variable


@dataclass(frozen=True)
class TapeResult:
    x: float
    value: float  # f(x)
    gradient: float  # tape.gradient(result, input_var)
    h: float
    finite_diff: float  # (f(x + h) - f(x - h)) / (2 * h), in float32 like the tape

    @property
    def difference(self) -> float:
        return abs(self.gradient - self.finite_diff)


def tape_gradient(fn: str, x: float, h: float = 1e-2) -> TapeResult:
    """The course's tape on ``f(input_var)``, plus the central finite difference as a check."""
    f = op(fn)
    input_var = tf.Variable(initial_value=clean(x))
    with tf.GradientTape() as tape:
        result = f(input_var)
    gradient = tape.gradient(result, input_var)
    finite_diff = (f(input_var + h) - f(input_var - h)) / (2 * h)
    return TapeResult(clean(x), float(result), float(gradient), h, float(finite_diff))


def finite_difference_errors(fn: str, x: float) -> dict[str, float]:
    """|tape - finite difference| for every offered step size (float32, so tiny steps get worse)."""
    out = {}
    for code in STEPS:
        r = tape_gradient(fn, x, float(code))
        out[code] = r.difference
    return out


def grid(points: int = GRID_POINTS) -> np.ndarray:
    return np.linspace(*X_RANGE, points)


def curve_and_derivative(fn: str, points: int = GRID_POINTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f and f' on the whole plot grid with one tape call on a vector Variable.

    The functions act element by element, so the gradient of the (implicitly summed)
    result with respect to each grid point is f' at that point.
    """
    xs = tf.Variable(tf.linspace(X_RANGE[0], X_RANGE[1], points))
    with tf.GradientTape() as tape:
        ys = op(fn)(xs)
    dys = tape.gradient(ys, xs)
    return xs.numpy(), ys.numpy(), dys.numpy()


# --------------------------------------------------------------------------- 2. two variables


@dataclass(frozen=True)
class TwoVarResult:
    w: float
    b: float
    prediction: float  # w * x + b
    loss: float  # (w * x + b - target) ** 2
    grad_w: float
    grad_b: float


def two_variable_gradients(w: float, b: float) -> TwoVarResult:
    """``tape.gradient(loss, [w, b])`` for a squared error on the fixed sample."""
    w_var = tf.Variable(clean(w))
    b_var = tf.Variable(clean(b))
    x = tf.constant(SAMPLE_X)
    target = tf.constant(SAMPLE_TARGET)
    with tf.GradientTape() as tape:
        y = w_var * x + b_var
        loss = tf.square(y - target)
    grad_w, grad_b = tape.gradient(loss, [w_var, b_var])
    return TwoVarResult(clean(w), clean(b), float(y), float(loss), float(grad_w), float(grad_b))


def loss_surface(points: int = 81) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same loss on a (w, b) grid, in one vectorised TensorFlow call: (ws, bs, loss[b, w])."""
    ws = np.linspace(*W_RANGE, points)
    bs = np.linspace(*B_RANGE, points)
    w_grid, b_grid = tf.meshgrid(tf.constant(ws, tf.float32), tf.constant(bs, tf.float32))
    loss = tf.square(w_grid * SAMPLE_X + b_grid - SAMPLE_TARGET)
    return ws, bs, loss.numpy()


# --------------------------------------------------------------------------- 3. tape.watch


def watched_gradient(fn: str, x: float, watch: bool) -> float | None:
    """The gradient with respect to a constant: a number if watched, else ``None``."""
    input_const = tf.constant(clean(x))
    with tf.GradientTape() as tape:
        if watch:
            tape.watch(input_const)
        result = op(fn)(input_const)
    gradient = tape.gradient(result, input_const)
    return None if gradient is None else float(gradient)


# --------------------------------------------------------------------------- 4. second derivatives


@dataclass(frozen=True)
class FallResult:
    time: float
    position: float
    speed: float
    acceleration: float


def falling(t0: float) -> FallResult:
    """The course's nested tapes: position -> speed -> acceleration (9.8)."""
    time = tf.Variable(clean(t0))
    with tf.GradientTape() as outer_tape:
        with tf.GradientTape() as inner_tape:
            position = GRAVITY_HALF * time**2
        speed = inner_tape.gradient(position, time)
    acceleration = outer_tape.gradient(speed, time)
    return FallResult(clean(t0), float(position), float(speed), float(acceleration))


def falling_curves(t_max: float = T_RANGE[1], points: int = 101) -> tuple[np.ndarray, ...]:
    """Position, speed and acceleration over time with the same nested tapes on a vector."""
    time = tf.Variable(tf.linspace(0.0, t_max, points))
    with tf.GradientTape() as outer_tape:
        with tf.GradientTape() as inner_tape:
            position = GRAVITY_HALF * time**2
        speed = inner_tape.gradient(position, time)
    acceleration = outer_tape.gradient(speed, time)
    return time.numpy(), position.numpy(), speed.numpy(), acceleration.numpy()


@dataclass(frozen=True)
class SecondResult:
    x: float
    first: float
    second: float


def second_derivative(fn: str, x: float) -> SecondResult:
    """f' and f'' of a function at ``x`` with the same nested-tape pattern."""
    f = op(fn)
    input_var = tf.Variable(clean(x))
    with tf.GradientTape() as outer_tape:
        with tf.GradientTape() as inner_tape:
            result = f(input_var)
        first = inner_tape.gradient(result, input_var)
    second = outer_tape.gradient(first, input_var)
    second = 0.0 if second is None else float(second)  # None never happens for these five
    return SecondResult(clean(x), float(first), second + 0.0)

