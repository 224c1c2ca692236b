"""lib/lessons/tensors/lab.py and the code lib/lessons/tensors/code.py writes for it.

The generated code is executed here and its variables compared with lib's
results, so the code a learner copies is the code behind the page's numbers.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from lib.lessons.tensors import code as codegen
from lib.lessons.tensors import lab
from lib.lessons.tensors.figures import sample_histogram
from tests.shown_code import run_shown_code

# TensorFlow results against NumPy, the shown code and each other: run again with oneDNN off in CI.
pytestmark = pytest.mark.numerics


def run_code(code: str) -> tuple[dict, str]:
    """Execute a generated script as a fresh program would (no reused random kernels): (variables, printed)."""
    return run_shown_code(code, fresh_kernels=True)


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("code, shape", [("4", (4,)), ("2x3", (2, 3)), ("2x2x3", (2, 2, 3)), ("", ())])
def test_parse_and_write_shapes(code, shape):
    assert lab.parse_shape(code) == shape
    assert lab.shape_code(shape) == str(shape)


def test_to_frames_by_rank():
    assert [f.shape for _, f in lab.to_frames(np.arange(4))] == [(1, 4)]
    assert [f.shape for _, f in lab.to_frames(np.ones((2, 3)))] == [(2, 3)]
    frames = lab.to_frames(np.ones((2, 2, 3)))
    assert [(title, f.shape) for title, f in frames] == [("[0]", (2, 3)), ("[1]", (2, 3))]
    assert lab.to_frames(np.float32(2.5))[0][1].iloc[0, 0] == 2.5


# --------------------------------------------------------------------------- 1. constants


@pytest.mark.parametrize("kind", lab.CONST_KINDS)
@pytest.mark.parametrize("shape_key", lab.CONST_SHAPES)
@pytest.mark.parametrize("dtype", lab.DTYPES)
def test_constant_tensor_shape_dtype_values(kind, shape_key, dtype):
    shape = lab.parse_shape(shape_key)
    info = lab.constant_tensor(kind, shape, dtype)
    assert info.shape == shape and info.values.shape == shape
    assert info.dtype == dtype and info.values.dtype == np.dtype(dtype)
    assert info.ndim == len(shape)
    expected = {"ones": np.ones(shape), "zeros": np.zeros(shape), "constant": lab.counting_values(shape)}[kind]
    np.testing.assert_array_equal(info.values, expected)
    assert f"shape={shape}" in info.printed and f"dtype={dtype}" in info.printed


@pytest.mark.parametrize("kind, shape_key, dtype", [("ones", "2x3", "float32"), ("constant", "2x2x3", "int32"),
                                                    ("zeros", "4", "float64"), ("constant", "3x4", "float32")])
def test_constant_code_runs_and_matches(kind, shape_key, dtype):
    shape = lab.parse_shape(shape_key)
    x = run_code(codegen.constant_code(kind, shape, dtype))[0]["x"]
    info = lab.constant_tensor(kind, shape, dtype)
    assert x.dtype.name == info.dtype and tuple(x.shape) == info.shape
    np.testing.assert_array_equal(x.numpy(), info.values)


# --------------------------------------------------------------------------- 2. random tensors


def test_random_normal_is_deterministic_per_seed():
    a = lab.random_normal(500, 1.0, 2.0, seed=3)
    b = lab.random_normal(500, 1.0, 2.0, seed=3)
    c = lab.random_normal(500, 1.0, 2.0, seed=4)
    np.testing.assert_array_equal(a.values, b.values)  # same seed, same numbers, every call
    assert not np.array_equal(a.values, c.values)
    assert a.values.shape == (500,) and a.values.dtype == np.float32
    assert a.expected_mean == 1.0 and a.expected_std == 2.0
    assert a.sample_mean == pytest.approx(np.mean(a.values), abs=1e-5)
    assert a.sample_std == pytest.approx(np.std(a.values), rel=1e-4)
    assert abs(a.sample_mean - 1.0) < 0.3 and abs(a.sample_std - 2.0) < 0.3


def test_random_uniform_range_and_expectations():
    s = lab.random_uniform(2000, -2.0, 3.0, seed=7)
    np.testing.assert_array_equal(s.values, lab.random_uniform(2000, -2.0, 3.0, seed=7).values)
    assert s.values.min() >= -2.0 and s.values.max() < 3.0
    assert s.expected_mean == pytest.approx(0.5)
    assert s.expected_std == pytest.approx(5 / np.sqrt(12))
    assert abs(s.sample_mean - 0.5) < 0.15 and abs(s.sample_std - s.expected_std) < 0.1


def test_random_draw_ignores_the_global_seed():
    """Other pages may set a global seed; the lesson's numbers must not move."""
    before = lab.random_normal(50, 0.0, 1.0, seed=5).values
    tf.random.set_seed(1234)
    try:
        after = lab.random_normal(50, 0.0, 1.0, seed=5).values
    finally:
        tf.random.set_seed(None)
    np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("count, mean, stddev, seed", [(1000, 0.0, 1.0, 42), (37, -1.5, 0.3, 0)])
def test_normal_code_runs_and_matches(count, mean, stddev, seed):
    x = run_code(codegen.normal_code(count, mean, stddev, seed))[0]["x"]
    sample = lab.random_normal(count, mean, stddev, seed)
    np.testing.assert_allclose(x.numpy(), sample.values, rtol=1e-6, atol=1e-6)
    assert float(tf.reduce_mean(x)) == pytest.approx(sample.sample_mean, abs=1e-6)


@pytest.mark.parametrize("count, minval, maxval, seed", [(1000, 0.0, 1.0, 42), (90, -5.0, 2.5, 9)])
def test_uniform_code_runs_and_matches(count, minval, maxval, seed):
    x = run_code(codegen.uniform_code(count, minval, maxval, seed))[0]["x"]
    sample = lab.random_uniform(count, minval, maxval, seed)
    np.testing.assert_allclose(x.numpy(), sample.values, rtol=1e-6, atol=1e-6)


def test_fresh_program_prints_the_same_first_values():
    """The strongest check: the generated script, run as its own process, prints lib's numbers."""
    code = codegen.normal_code(200, 0.5, 2.0, 11, first=5)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    printed = out.stdout.split("first values:")[1].split("]")[0].strip(" [\n")
    shown = np.array([float(v) for v in printed.split()])
    np.testing.assert_allclose(shown, lab.random_normal(200, 0.5, 2.0, 11).values[:5], rtol=1e-6)


def test_curves_and_first_values_text():
    x, y = lab.normal_curve(1.0, 2.0)
    assert x[0] == pytest.approx(-7.0) and x[-1] == pytest.approx(9.0)
    assert np.trapezoid(y, x) == pytest.approx(1.0, abs=1e-3)
    x, y = lab.uniform_curve(-1.0, 3.0)
    assert y.max() == pytest.approx(0.25) and x.min() < -1.0 and x.max() > 3.0
    assert lab.uniform_curve(2.0, 2.0)[1].max() == 0.0
    assert lab.first_values_text(np.array([0.123456, 2.0, 3.0]), 2) == "[0.1235, 2.    ]"


def test_histogram_figure():
    s = lab.random_normal(300, 0.0, 1.0, seed=1)
    x, y = lab.normal_curve(0.0, 1.0)
    fig = sample_histogram(s.values, x, y, 0.0, s.sample_mean, bars="b", curve="c", chosen="m", sample="s",
                           x_title="value", y_title="density")
    assert [tr.name for tr in fig.data] == ["b", "c", "m", "s"]
    assert list(fig.data[3].x) == [s.sample_mean, s.sample_mean]
    assert fig.layout.xaxis.title.text == "value"


# --------------------------------------------------------------------------- 3. immutability


def test_numpy_allows_item_assignment_tensorflow_does_not():
    np.testing.assert_array_equal(lab.numpy_item_assignment(), [[0.0, 1.0], [1.0, 1.0]])
    error = lab.tensor_item_assignment()
    assert error is not None and error.kind == "TypeError"
    assert "does not support item assignment" in error.message


def test_immutability_code_prints_the_type_error():
    _, out = run_code(codegen.immutability_code())
    assert "TypeError:" in out and lab.tensor_item_assignment().message in out


# --------------------------------------------------------------------------- 4. tf.Variable


def test_initial_variable_is_seeded():
    v = lab.initial_variable()
    assert v.shape == (3, 1) and v.dtype == np.float32
    np.testing.assert_array_equal(v, lab.initial_variable())
    assert not np.array_equal(v, lab.initial_variable(seed=1))


@pytest.mark.parametrize("op, expected", [
    ("assign_ones", lambda v: np.ones((3, 1))),
    ("assign_item", lambda v: np.vstack([[3.0], v[1:]])),
    ("assign_add", lambda v: v + 1),
    ("assign_sub", lambda v: v - 1),
])
def test_variable_ops(op, expected):
    start = lab.initial_variable()
    new, error = lab.apply_variable_op(start, op)
    assert error is None
    assert new.shape == (3, 1) and new.dtype == np.float32
    np.testing.assert_allclose(new, expected(start), rtol=1e-6)
    np.testing.assert_array_equal(start, lab.initial_variable())  # the input array is untouched


def test_variable_shape_mismatch_is_a_value_error_and_keeps_the_value():
    start = lab.initial_variable()
    new, error = lab.apply_variable_op(start, "assign_wrong_shape")
    assert error is not None and error.kind == "ValueError"
    assert "Shape mismatch" in error.message and "(3, 1)" in error.message and "(3, 2)" in error.message
    np.testing.assert_array_equal(new, start)


def test_unknown_variable_op_is_a_programming_error():
    with pytest.raises(KeyError):
        lab.apply_variable_op(lab.initial_variable(), "nope")


def test_variable_code_replays_the_history():
    ops = ["assign_add", "assign_wrong_shape", "assign_item", "assign_sub", "assign_add", "assign_add"]
    namespace, out = run_code(codegen.variable_code(ops))
    expected = lab.replay_variable(ops)
    np.testing.assert_allclose(namespace["v"].numpy(), expected, rtol=1e-6)
    assert "ValueError:" in out
    np.testing.assert_allclose(run_code(codegen.variable_code([]))[0]["v"].numpy(), lab.initial_variable(), rtol=1e-6)
    by_hand = lab.initial_variable() + 1  # assign_add (the wrong-shape assign changes nothing)
    by_hand[0, 0] = 3.0  # v[0, 0].assign(3.)
    by_hand = by_hand - 1 + 1 + 1  # assign_sub, assign_add, assign_add
    np.testing.assert_allclose(expected, by_hand, rtol=1e-6)


# --------------------------------------------------------------------------- 5. basic operations


def test_axis_codes():
    assert [lab.axis_value(a) for a in lab.AXES] == [None, 0, 1]
    assert set(codegen.AXIS_LABELS) == set(lab.AXES)
    assert set(codegen.OP_LABELS) == set(lab.OPS) and set(codegen.VARIABLE_OP_LINES) == set(lab.VAR_OPS)


def test_operands_are_small_seeded_integers():
    a = lab.operand((2, 3), "a")
    np.testing.assert_array_equal(a, lab.operand((2, 3), "a"))
    assert a.dtype == np.float32 and np.all(a == np.round(a)) and a.min() >= -3 and a.max() <= 6
    assert not np.array_equal(lab.operand((3, 3), "a"), lab.operand((3, 3), "b"))


NUMPY = {
    "add": lambda a, b, axis: a + b,
    "mul": lambda a, b, axis: a * b,
    "matmul": lambda a, b, axis: a @ b,
    "square": lambda a, b, axis: np.square(a),
    "sqrt": lambda a, b, axis: np.sqrt(a),
    "relu": lambda a, b, axis: np.maximum(a, 0),
    "reduce_mean": lambda a, b, axis: np.mean(a, axis=axis),
}


@pytest.mark.parametrize("op, sa, sb, axis", [
    ("add", "2x3", "3", None), ("add", "2x3", "1x3", None), ("add", "2x3", "2x1", None),
    ("add", "2x1", "1x3", None), ("mul", "3x3", "3", None), ("mul", "2x3", "2x1", None),
    ("matmul", "2x3", "3x2", None), ("matmul", "3x2", "2x3", None), ("matmul", "3x3", "3x3", None),
    ("square", "2x3", None, None), ("sqrt", "3x3", None, None), ("relu", "2x3", None, None),
    ("reduce_mean", "2x3", None, None), ("reduce_mean", "2x3", None, 0), ("reduce_mean", "2x3", None, 1),
    ("reduce_mean", "3", None, 0),
])
def test_basic_ops_match_numpy(op, sa, sb, axis):
    a = lab.operand(lab.parse_shape(sa), "a")
    b = lab.operand(lab.parse_shape(sb), "b") if sb else None
    with np.errstate(invalid="ignore"):
        expected = NUMPY[op](a, b, axis)
    result = lab.basic_op(op, a, b, axis)
    assert result.error is None
    assert result.shape == np.shape(expected)
    np.testing.assert_allclose(result.value, expected, rtol=1e-6, equal_nan=True)
    c = run_code(codegen.op_code(op, a, b, axis))[0]["c"]
    np.testing.assert_allclose(c.numpy(), result.value, rtol=1e-6, equal_nan=True)


def test_sqrt_of_negative_is_nan():
    result = lab.basic_op("sqrt", np.array([-4.0, 4.0], dtype=np.float32))
    assert np.isnan(result.value[0]) and result.value[1] == 2.0


@pytest.mark.parametrize("op, sa, sb, axis", [
    ("add", "2x3", "3x2", None),
    ("mul", "3x3", "2x1", None),
    ("matmul", "2x3", "2x3", None),
    ("matmul", "3", "3", None),
    ("reduce_mean", "3", None, 1),
])
def test_shape_mismatch_is_reported(op, sa, sb, axis):
    # By kind, never by TensorFlow's wording (TensorFlow 2.21 reworded the matmul rank error).
    a = lab.operand(lab.parse_shape(sa), "a")
    b = lab.operand(lab.parse_shape(sb), "b") if sb else None
    result = lab.basic_op(op, a, b, axis)
    assert result.value is None and result.shape is None
    assert result.error is not None and result.error.kind == "InvalidArgumentError"
    assert result.error.message.strip() and "\x1b" not in result.error.message
    with pytest.raises(tf.errors.InvalidArgumentError):
        run_code(codegen.op_code(op, a, b, axis))


def test_op_code_shows_the_literal_operands():
    a = lab.operand((2, 3), "a")
    code = codegen.op_code("add", a, lab.operand((3,), "b"))
    assert f"a = tf.constant({a.tolist()!r})" in code and "c = a + b" in code
    assert "axis=None" in codegen.op_code("reduce_mean", a, None, None)
    assert "axis=1" in codegen.op_code("reduce_mean", a, None, 1)


def test_generated_code_has_no_leftover_placeholders():
    codes = [codegen.constant_code("ones", (2, 3), "float32"), codegen.normal_code(10, 0.1, 0.2, 1),
             codegen.uniform_code(10, -1.0, 1.0, 1), codegen.immutability_code(),
             codegen.variable_code(list(lab.VAR_OPS)), codegen.op_code("add", np.ones(3), np.ones(3))]
    for code in codes:
        compile(code, "<generated>", "exec")
        assert "{" not in code and "}" not in code
    assert "mean=0.3, stddev=0.7, seed=1" in codegen.normal_code(10, 0.3, 0.7, 1)
