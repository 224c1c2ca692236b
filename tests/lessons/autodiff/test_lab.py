"""lib/lessons/autodiff/lab.py and its code.py: real tapes against calculus, and the code panels' code."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from lib.core.numbers import fmt
from lib.lessons.autodiff import code as codegen
from lib.lessons.autodiff import lab
from tests.shown_code import run_shown_code

XS = (-2.5, -1.0, -0.3, 0.7, 1.0, 2.0, 3.0)


run = run_shown_code  # execute a generated script; (its variables, what it printed)


def num(value: float | None, digits: int = 4) -> str:
    """How the page prints a number (``None`` stays ``None``, as Python prints it)."""
    return fmt(value, digits, undefined="None")


# --------------------------------------------------------------------------- one variable


def test_course_example_square_at_3_is_6():
    r = lab.tape_gradient("square", 3.0)
    assert r.value == 9.0
    assert r.gradient == 6.0
    assert num(r.gradient) == "6.0000"


@pytest.mark.parametrize("fn", lab.FUNCTIONS)
@pytest.mark.parametrize("x", XS)
def test_tape_gradient_matches_calculus(fn, x):
    f, df, _ = lab.analytic(fn, x)
    r = lab.tape_gradient(fn, x)
    assert r.value == pytest.approx(float(f), rel=1e-5, abs=1e-6)
    assert r.gradient == pytest.approx(float(df), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("fn", lab.FUNCTIONS)
@pytest.mark.parametrize("x", XS)
def test_tape_gradient_matches_finite_difference(fn, x):
    r = lab.tape_gradient(fn, x, 1e-2)
    # float32 central differences: a few 1e-3 relative at worst for these functions and h
    assert r.finite_diff == pytest.approx(r.gradient, rel=2e-3, abs=2e-3)
    assert r.difference == pytest.approx(abs(r.gradient - r.finite_diff))


def test_relu_at_zero_tape_says_0_finite_difference_says_half():
    r = lab.tape_gradient("relu", 0.0)
    assert r.gradient == 0.0
    assert r.finite_diff == pytest.approx(0.5)


def test_float32_rounding_makes_tiny_steps_worse():
    errors = lab.finite_difference_errors("square", 3.0)
    assert list(errors) == list(lab.STEPS)
    assert errors["1e-6"] > 100 * errors["1e-2"]


@pytest.mark.parametrize("fn", lab.FUNCTIONS)
def test_grid_derivative_is_elementwise_in_one_call(fn):
    xs, ys, dys = lab.curve_and_derivative(fn)
    assert xs.shape == ys.shape == dys.shape == (lab.GRID_POINTS,)
    f, df, _ = lab.analytic(fn, xs)
    assert np.allclose(ys, f, rtol=1e-5, atol=1e-4)
    keep = np.abs(xs) > 1e-6 if fn == "relu" else slice(None)  # the corner is a choice, tested above
    assert np.allclose(dys[keep], df[keep], rtol=1e-5, atol=1e-4)


def test_slider_values_are_cleaned_like_the_code_writes_them():
    assert lab.clean(0.1 + 0.2) == 0.3
    assert str(lab.clean(-0.0)) == "0.0"
    assert num(-1e-9) == "0.0000"
    assert num(None) == "None"


def test_unknown_function_is_a_key_error():
    with pytest.raises(KeyError):
        lab.tape_gradient("zz", 1.0)


# --------------------------------------------------------------------------- two variables


@pytest.mark.parametrize("w, b", [(0.5, 0.0), (-2.0, 3.0), (1.5, 2.0), (4.2, -1.3)])
def test_two_variable_gradients_match_hand_derivation(w, b):
    r = lab.two_variable_gradients(w, b)
    x, target = lab.SAMPLE_X, lab.SAMPLE_TARGET
    error = w * x + b - target
    assert r.prediction == pytest.approx(w * x + b, abs=1e-5)
    assert r.loss == pytest.approx(error**2, rel=1e-5, abs=1e-5)
    assert r.grad_w == pytest.approx(2 * error * x, rel=1e-5, abs=1e-5)
    assert r.grad_b == pytest.approx(2 * error, rel=1e-5, abs=1e-5)


def test_default_point_numbers():
    r = lab.two_variable_gradients(0.5, 0.0)
    assert (r.loss, r.grad_w, r.grad_b) == (16.0, -16.0, -8.0)


def test_loss_surface_agrees_with_the_formula():
    ws, bs, loss = lab.loss_surface(21)
    assert loss.shape == (21, 21)  # rows are b, columns are w
    w_grid, b_grid = np.meshgrid(ws, bs)
    assert np.allclose(loss, (w_grid * lab.SAMPLE_X + b_grid - lab.SAMPLE_TARGET) ** 2, rtol=1e-5, atol=1e-4)


# --------------------------------------------------------------------------- tape.watch


@pytest.mark.parametrize("fn", lab.FUNCTIONS)
def test_watch_gives_a_number_and_no_watch_gives_none(fn):
    watched = lab.watched_gradient(fn, 3.0, True)
    assert watched == pytest.approx(lab.tape_gradient(fn, 3.0).gradient)
    assert lab.watched_gradient(fn, 3.0, False) is None


# --------------------------------------------------------------------------- second derivatives


@pytest.mark.parametrize("t0", [0.0, 1.0, 2.5])
def test_falling_apple_accelerates_at_9_8(t0):
    r = lab.falling(t0)
    assert r.position == pytest.approx(4.9 * t0**2, rel=1e-6)
    assert r.speed == pytest.approx(9.8 * t0, rel=1e-6)
    assert r.acceleration == pytest.approx(9.8)
    assert num(r.acceleration, 1) == "9.8"


def test_falling_curves_on_a_vector():
    ts, position, speed, acceleration = lab.falling_curves(5.0, 11)
    assert np.allclose(position, 4.9 * ts**2, rtol=1e-5)
    assert np.allclose(speed, 9.8 * ts, rtol=1e-5)
    assert np.allclose(acceleration, 9.8)


def test_cube_second_derivative_at_2_is_12():
    r = lab.second_derivative("cube", 2.0)
    assert r.first == pytest.approx(12.0)
    assert r.second == pytest.approx(12.0)


@pytest.mark.parametrize("fn", lab.FUNCTIONS)
@pytest.mark.parametrize("x", XS)
def test_second_derivative_matches_calculus(fn, x):
    _, df, d2f = lab.analytic(fn, x)
    r = lab.second_derivative(fn, x)
    assert r.first == pytest.approx(float(df), rel=1e-5, abs=1e-6)
    assert r.second == pytest.approx(float(d2f), rel=1e-5, abs=1e-6)


# --------------------------------------------------------------------------- generated code


def test_every_function_code_is_the_op_that_runs():
    for fn in lab.FUNCTIONS:
        expr = lab.EXPR[fn].format(v="v")
        namespace, _ = run(f"import tensorflow as tf\nv = tf.constant([-1.5, 0.0, 2.0])\ny = {expr}")
        assert np.allclose(namespace["y"].numpy(), lab.op(fn)(namespace["v"]).numpy())


@pytest.mark.parametrize("fn, x, h", [("square", 3.0, "1e-2"), ("sin", -1.3, "1e-4"), ("relu", 0.0, "1e-1"),
                                      ("sigmoid", 0.1 + 0.2, "1e-6"), ("cube", -2.0, "1e-3")])
def test_tape_code_prints_the_page_numbers(fn, x, h):
    ns, out = run(codegen.tape_code(fn, x, h))
    r = lab.tape_gradient(fn, x, float(h))
    assert float(ns["result"]) == r.value
    assert float(ns["gradient"]) == r.gradient
    assert float(ns["finite_diff"]) == r.finite_diff
    assert ns["difference"] == r.difference
    assert {f"{k:.0e}": v for k, v in ns["errors"].items()} == {
        f"{float(k):.0e}": v for k, v in lab.finite_difference_errors(fn, x).items()}
    assert f"gradient = {num(r.gradient)}" in out


@pytest.mark.parametrize("fn", lab.FUNCTIONS)
def test_curve_code_matches_the_plot(fn):
    ns, _ = run(codegen.curve_code(fn, 1.7))
    xs, ys, dys = lab.curve_and_derivative(fn)
    assert np.array_equal(ns["xs"].numpy(), xs)
    assert np.array_equal(ns["ys"].numpy(), ys)
    assert np.array_equal(ns["dys"].numpy(), dys)
    assert float(ns["slope"]) == lab.tape_gradient(fn, 1.7).gradient


@pytest.mark.parametrize("w, b", [(0.5, 0.0), (-2.3, 4.1)])
def test_two_variable_code_matches(w, b):
    ns, _ = run(codegen.two_variable_code(w, b))
    r = lab.two_variable_gradients(w, b)
    assert (float(ns["loss"]), float(ns["grad_w"]), float(ns["grad_b"])) == (r.loss, r.grad_w, r.grad_b)
    assert "tape.gradient(loss, [w, b])" in codegen.two_variable_code(w, b)


@pytest.mark.parametrize("watch", [True, False])
def test_watch_code_matches(watch):
    ns, out = run(codegen.watch_code("square", 3.0, watch))
    if watch:
        assert float(ns["gradient"]) == lab.watched_gradient("square", 3.0, True) == 6.0
        assert "tape.watch(input_const)\n" in codegen.watch_code("square", 3.0, True)
    else:
        assert ns["gradient"] is None and lab.watched_gradient("square", 3.0, False) is None
        assert out.strip() == "None"


def test_falling_code_matches():
    ns, out = run(codegen.falling_code(2.0))
    r = lab.falling(2.0)
    assert (float(ns["position"]), float(ns["speed"]), float(ns["acceleration"])) == (
        r.position, r.speed, r.acceleration)
    assert "acceleration = 9.8000" in out


@pytest.mark.parametrize("fn", lab.FUNCTIONS)
def test_second_code_matches(fn):
    ns, _ = run(codegen.second_code(fn, 2.0))
    r = lab.second_derivative(fn, 2.0)
    assert float(ns["first"]) == r.first
    assert float(ns["second"]) == r.second


# --------------------------------------------------------------------------- text


def test_both_languages_have_the_same_keys():
    root = Path(__file__).resolve().parents[3] / "lib" / "lessons" / "autodiff" / "texts"

    def keys(table, prefix=""):
        out = set()
        for name, value in table.items():
            out |= keys(value, f"{prefix}{name}.") if isinstance(value, dict) else {prefix + name}
        return out

    en = keys(tomllib.loads((root / "en.toml").read_text("utf-8")))
    ko = keys(tomllib.loads((root / "ko.toml").read_text("utf-8")))
    assert en == ko
    assert {f"fn.{fn}" for fn in lab.FUNCTIONS} <= en
