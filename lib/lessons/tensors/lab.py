"""The TensorFlow work behind the tensors lesson: constants, random tensors,
immutability, ``tf.Variable`` and basic operations.

Pure functions from plain numbers to numpy arrays (no Streamlit here). The code a
learner sees is written by ``lib.lessons.tensors.code`` from the same parameters, and
the unit tests run that code and compare it with what these functions return.

Random numbers: an op-level seed in eager mode also depends on how many times the
same kernel already ran in this process, so on a long-running server the second
call would differ from a fresh script. Random draws are therefore built in a fresh
graph each time, which gives exactly what the first call of a fresh script gives,
whatever the rest of the server did (including a global ``tf.random.set_seed``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pandas as pd
import tensorflow as tf

from lib.lessons.tensors.controls import CONTROLS

# --------------------------------------------------------------------------- shared


@dataclass(frozen=True)
class TFError:
    """An error TensorFlow raised: its class name and its message, as Python printed them."""

    kind: str
    message: str


def _error(exc: BaseException) -> TFError:
    return TFError(type(exc).__name__, str(exc))


def shape_code(shape: tuple[int, ...]) -> str:
    """A shape as Python writes it: ``(3,)``, ``(2, 3)``, ``()``."""
    return str(tuple(int(d) for d in shape))


def parse_shape(code: str) -> tuple[int, ...]:
    """``"2x3"`` -> ``(2, 3)``; ``"3"`` -> ``(3,)``; ``""`` -> ``()``."""
    return tuple(int(part) for part in code.split("x")) if code else ()


def fresh_value(build: Callable[[], tf.Tensor]) -> np.ndarray:
    """Evaluate ``build()`` as the first run in a fresh program would (see the module note)."""
    graph = tf.Graph()
    with graph.as_default():
        tensor = build()
    with tf.compat.v1.Session(graph=graph) as session:
        return np.asarray(session.run(tensor))


def to_frames(values: np.ndarray) -> list[tuple[str, pd.DataFrame]]:
    """Tables for a tensor: a 0-D or 1-D tensor is one row, a 2-D one a table,
    a 3-D one a table per ``x[i]`` (titled with that index)."""
    values = np.asarray(values)

    def frame(matrix: np.ndarray) -> pd.DataFrame:
        matrix = np.atleast_2d(matrix)
        return pd.DataFrame(matrix, columns=[str(j) for j in range(matrix.shape[1])])

    if values.ndim <= 2:
        return [("", frame(values))]
    return [(f"[{i}]", frame(values[i])) for i in range(values.shape[0])]


# --------------------------------------------------------------------------- 1. constants

# The choices the page offers, from the lesson's control table.
CONST_KINDS = CONTROLS["ckind"].options
CONST_SHAPES = CONTROLS["shape"].options
DTYPES = CONTROLS["dtype"].options


@dataclass(frozen=True)
class TensorInfo:
    values: np.ndarray
    shape: tuple[int, ...]
    dtype: str
    ndim: int
    printed: str  # what print(x) shows


def counting_values(shape: tuple[int, ...]) -> np.ndarray:
    """1, 2, 3, … laid out in ``shape``: the values the lesson passes to ``tf.constant``."""
    return np.arange(1, int(np.prod(shape)) + 1).reshape(shape)


def constant_tensor(kind: str, shape: tuple[int, ...], dtype: str) -> TensorInfo:
    if kind == "ones":
        x = tf.ones(shape=shape, dtype=dtype)
    elif kind == "zeros":
        x = tf.zeros(shape=shape, dtype=dtype)
    elif kind == "constant":
        x = tf.constant(counting_values(shape).tolist(), dtype=dtype)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return TensorInfo(x.numpy(), tuple(x.shape), x.dtype.name, x.ndim, str(x))


# --------------------------------------------------------------------------- 2. random tensors

FIRST_SHOWN = 8  # how many of the first values the page lists


@dataclass(frozen=True)
class RandomSample:
    values: np.ndarray
    sample_mean: float
    sample_std: float
    expected_mean: float  # what the chosen parameters promise
    expected_std: float


def _stats(values: np.ndarray) -> tuple[float, float]:
    x = tf.constant(values)
    return float(tf.reduce_mean(x).numpy()), float(tf.math.reduce_std(x).numpy())


def random_normal(count: int, mean: float, stddev: float, seed: int) -> RandomSample:
    """``tf.random.normal(shape=(count,), mean=mean, stddev=stddev, seed=seed)``."""
    values = fresh_value(lambda: tf.random.normal(shape=(count,), mean=mean, stddev=stddev, seed=seed))
    return RandomSample(values, *_stats(values), float(mean), float(stddev))


def random_uniform(count: int, minval: float, maxval: float, seed: int) -> RandomSample:
    """``tf.random.uniform(shape=(count,), minval=minval, maxval=maxval, seed=seed)``."""
    values = fresh_value(lambda: tf.random.uniform(shape=(count,), minval=minval, maxval=maxval, seed=seed))
    width = abs(maxval - minval)
    return RandomSample(values, *_stats(values), (minval + maxval) / 2, width / float(np.sqrt(12.0)))


def normal_curve(mean: float, stddev: float, points: int = 201) -> tuple[np.ndarray, np.ndarray]:
    """The normal density over mean ± 4 stddev, to draw over a histogram."""
    x = np.linspace(mean - 4 * stddev, mean + 4 * stddev, points)
    return x, np.exp(-0.5 * ((x - mean) / stddev) ** 2) / (stddev * np.sqrt(2 * np.pi))


def uniform_curve(minval: float, maxval: float) -> tuple[np.ndarray, np.ndarray]:
    """The uniform density on [minval, maxval) as a step, with a margin either side."""
    lo, hi = min(minval, maxval), max(minval, maxval)
    if hi <= lo:
        return np.array([lo - 0.5, lo + 0.5]), np.zeros(2)
    pad, height = 0.1 * (hi - lo), 1.0 / (hi - lo)
    return (np.array([lo - pad, lo, lo, hi, hi, hi + pad]),
            np.array([0.0, 0.0, height, height, 0.0, 0.0]))


def first_values_text(values: np.ndarray, k: int = FIRST_SHOWN) -> str:
    """The first ``k`` values, as NumPy prints them (rounded to 4 decimals for reading)."""
    return np.array2string(np.asarray(values)[:k], precision=4, separator=", ")


# --------------------------------------------------------------------------- 3. immutability


def numpy_item_assignment() -> np.ndarray:
    """``a = np.ones((2, 2)); a[0, 0] = 0.`` — allowed."""
    a = np.ones(shape=(2, 2))
    a[0, 0] = 0.0
    return a


def tensor_item_assignment() -> TFError | None:
    """``x = tf.ones((2, 2)); x[0, 0] = 0.`` — run for real; the error TensorFlow raises."""
    x = tf.ones(shape=(2, 2))
    try:
        x[0, 0] = 0.0  # type: ignore[index]
    except TypeError as exc:
        return _error(exc)
    return None


# --------------------------------------------------------------------------- 4. tf.Variable

VAR_SHAPE = (3, 1)
VAR_SEED = 42
VAR_OPS = ("assign_ones", "assign_wrong_shape", "assign_item", "assign_add", "assign_sub")


def initial_variable(seed: int = VAR_SEED) -> np.ndarray:
    """The value of ``tf.Variable(initial_value=tf.random.normal(shape=(3, 1), seed=seed))``."""
    return fresh_value(lambda: tf.random.normal(shape=VAR_SHAPE, seed=seed))


def apply_variable_op(value: np.ndarray, op: str) -> tuple[np.ndarray, TFError | None]:
    """Rebuild ``v`` from ``value``, apply ``op`` to it, return its new value and any error.

    A failed operation leaves the value as it was (TensorFlow checks before writing).
    """
    v = tf.Variable(np.asarray(value, dtype=np.float32))
    try:
        if op == "assign_ones":
            v.assign(tf.ones((3, 1)))
        elif op == "assign_wrong_shape":
            v.assign(tf.ones((3, 2)))
        elif op == "assign_item":
            v[0, 0].assign(3.0)
        elif op == "assign_add":
            v.assign_add(tf.ones((3, 1)))
        elif op == "assign_sub":
            v.assign_sub(tf.ones((3, 1)))
        else:
            raise KeyError(op)
    except (ValueError, tf.errors.InvalidArgumentError) as exc:
        return v.numpy(), _error(exc)
    return v.numpy(), None


def replay_variable(ops: list[str] | tuple[str, ...], seed: int = VAR_SEED) -> np.ndarray:
    """The value after running ``ops`` in order on a new Variable."""
    value = initial_variable(seed)
    for op in ops:
        value, _ = apply_variable_op(value, op)
    return value


# --------------------------------------------------------------------------- 5. basic operations

OPS = CONTROLS["op"].options
BINARY_OPS = ("add", "mul", "matmul")
OPERAND_SHAPES = CONTROLS["sa"].options
AXES = CONTROLS["axis"].options  # URL codes; None is not a usable selectbox option
_OPERAND_SEEDS = {"a": 1, "b": 2}


def operand(shape: tuple[int, ...], which: str = "a") -> np.ndarray:
    """Small whole numbers (−3…6) as float32, the same every time for a given shape and operand."""
    rng = np.random.default_rng(_OPERAND_SEEDS[which])
    return rng.integers(-3, 7, size=shape).astype(np.float32)


def axis_value(axis: str) -> int | None:
    """``"none"`` -> ``None``; ``"0"`` -> ``0``."""
    return None if axis == "none" else int(axis)


@dataclass(frozen=True)
class OpResult:
    value: np.ndarray | None
    shape: tuple[int, ...] | None
    error: TFError | None


def basic_op(op: str, a: np.ndarray, b: np.ndarray | None = None, axis: int | None = None) -> OpResult:
    """Run one operation on ``tf.constant(a)`` (and ``tf.constant(b)``) and report the result or error."""
    x = tf.constant(a)
    y = tf.constant(b) if b is not None else None
    try:
        if op == "add":
            r = x + y
        elif op == "mul":
            r = x * y
        elif op == "matmul":
            r = tf.matmul(x, y)
        elif op == "square":
            r = tf.square(x)
        elif op == "sqrt":
            r = tf.sqrt(x)
        elif op == "relu":
            r = tf.nn.relu(x)
        elif op == "reduce_mean":
            r = tf.reduce_mean(x, axis=axis)
        else:
            raise KeyError(op)
    except (tf.errors.InvalidArgumentError, ValueError) as exc:
        return OpResult(None, None, _error(exc))
    return OpResult(r.numpy(), tuple(r.shape), None)
