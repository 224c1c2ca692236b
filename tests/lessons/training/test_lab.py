"""lib/lessons/training/lab.py against hand calculations, and the code lib/lessons/training/code.py writes for it.

The generated scripts are executed and their variables compared with lib's
results, so the code a learner copies is the code behind the page's numbers.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lib.core import engine, numbers
from lib.core.progress import Progress
from lib.lessons.training import code as codegen
from lib.lessons.training import figures as figs
from lib.lessons.training import lab
from tests.shown_code import run_shown_code

run = run_shown_code  # execute a generated script; (its variables, what it printed)


def fmt(value: float, digits: int = 3) -> str:
    """How the page prints a number (three decimals unless told, inf/NaN spelled out)."""
    return numbers.fmt(value, digits, undefined="nan")


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


SPECS = [
    lab.NetSpec(),
    lab.NetSpec(x1=0.5, x2=1.5, w11=-1.2, w21=0.7, b1=0.1, w12=2.0, w22=-0.4, b2=-0.9, v1=1.3, v2=-2.1, c=0.3,
                target=0.9, lr=0.5),
    lab.NetSpec(x1=-2.0, x2=0.0, w11=3.0, w21=-3.0, b1=0.0, w12=-0.5, w22=0.5, b2=1.0, v1=-1.0, v2=1.0, c=0.0,
                target=0.0, lr=5.0),
]


# --------------------------------------------------------------------------- 1. forward pass


def test_defaults_reproduce_the_worked_example():
    r = lab.forward_backward(lab.NetSpec())
    assert fmt(r.before.h[0], 2) == "0.73" and fmt(r.before.h[1], 2) == "0.50"
    assert fmt(r.before.y) == "0.436"
    assert r.before.z_hidden[0] == pytest.approx(1.0, abs=1e-6)
    assert r.before.z_hidden[1] == pytest.approx(0.0, abs=1e-6)
    assert fmt(r.before.z_hidden[1]) == "0.000"  # not "-0.000"
    assert r.before.loss == pytest.approx(0.5 * (r.before.y - 0.4) ** 2, rel=1e-5)


@pytest.mark.parametrize("spec", SPECS)
def test_forward_pass_matches_numpy(spec):
    x = np.array([spec.x1, spec.x2])
    w = np.array([[spec.w11, spec.w12], [spec.w21, spec.w22]])
    z = x @ w + np.array([spec.b1, spec.b2])
    h = sigmoid(z)
    y = sigmoid(h @ np.array([spec.v1, spec.v2]) + spec.c)
    r = lab.forward_backward(spec).before
    np.testing.assert_allclose(r.z_hidden, z, atol=1e-6)
    np.testing.assert_allclose(r.h, h, atol=1e-6)
    assert r.y == pytest.approx(y, abs=1e-6)
    assert r.loss == pytest.approx(0.5 * (y - spec.target) ** 2, abs=1e-7)


@pytest.mark.parametrize("spec", SPECS)
def test_tape_gradients_match_the_chain_rule_and_finite_differences(spec):
    r = lab.forward_backward(spec)
    for name in lab.PARAMS:
        assert r.grads[name] == pytest.approx(r.hand[name], rel=1e-4, abs=1e-8), name

    def loss(p: dict) -> float:
        x = np.array([p["x1"], p["x2"]])
        h = sigmoid(x @ np.array([[p["w11"], p["w12"]], [p["w21"], p["w22"]]]) + np.array([p["b1"], p["b2"]]))
        return 0.5 * (sigmoid(h @ np.array([p["v1"], p["v2"]]) + p["c"]) - p["target"]) ** 2

    base = {**spec.params(), "x1": spec.x1, "x2": spec.x2, "target": spec.target}
    for name in lab.PARAMS:  # float64 central differences: an independent check of the hand formulas
        up, down = dict(base), dict(base)
        up[name] += 1e-6
        down[name] -= 1e-6
        assert r.hand[name] == pytest.approx((loss(up) - loss(down)) / 2e-6, rel=1e-5, abs=1e-10), name


@pytest.mark.parametrize("spec", SPECS)
def test_update_is_one_gradient_descent_step(spec):
    r = lab.forward_backward(spec)
    for name in lab.PARAMS:
        expected = np.float32(getattr(spec, name)) - np.float32(spec.lr) * np.float32(r.grads[name])
        assert r.new_params[name] == pytest.approx(float(expected), abs=1e-6), name


def test_small_rate_lowers_the_loss_and_a_huge_one_overshoots():
    small = lab.forward_backward(lab.NetSpec(lr=1.0))
    assert small.after.loss < small.before.loss
    assert abs(small.after.y - 0.4) < abs(small.before.y - 0.4)
    huge = lab.forward_backward(lab.NetSpec(lr=50.0))
    assert huge.after.loss > huge.before.loss
    assert huge.after.y < 0.4 < huge.before.y  # jumped past the target


@pytest.mark.parametrize("bad", [dict(x1=float("nan")), dict(w11=9.0), dict(target=1.5), dict(lr=0.0),
                                 dict(lr=float("inf")), dict(c="a")])
def test_net_spec_rejects_bad_values_with_a_message(bad):
    with pytest.raises(ValueError, match=r"must"):
        lab.NetSpec(**bad)


def test_net_spec_cleans_slider_floats():
    spec = lab.NetSpec(w11=0.1 + 0.2, b1=-0.0)
    assert spec.w11 == 0.3 and repr(spec.b1) == "0.0"
    assert hash(spec) == hash(lab.NetSpec(w11=0.3, b1=0.0))


@pytest.mark.parametrize("spec", SPECS)
def test_forward_code_computes_the_page_numbers(spec):
    ns, out = run(codegen.forward_code(spec))
    r = lab.forward_backward(spec).before
    assert float(ns["loss"]) == r.loss  # same float32 ops in the same order: bit for bit
    assert float(ns["y"][0, 0]) == r.y
    assert tuple(float(v) for v in ns["h"].numpy()[0]) == r.h
    assert f"loss   = {r.loss}" in out


@pytest.mark.parametrize("spec", SPECS)
def test_backprop_code_computes_the_page_numbers(spec):
    ns, out = run(codegen.backprop_code(spec))
    r = lab.forward_backward(spec)
    assert ns["loss_before"] == r.before.loss and ns["loss_after"] == r.after.loss
    grads = lab._named(*(g.numpy() for g in ns["grads"]))
    assert grads == r.grads
    assert lab._named(*(v.numpy() for v in ns["params"])) == r.new_params
    assert f"after = {r.after.loss:.6f}" in out


# --------------------------------------------------------------------------- 2. epochs, batches, iterations


@pytest.mark.parametrize("n, b, per_epoch, last", [(1000, 100, 10, 100), (1003, 100, 11, 3), (1000, 30, 34, 10),
                                                   (10, 1000, 1, 10), (10, 1, 10, 1), (999, 1000, 1, 999)])
def test_iteration_arithmetic(n, b, per_epoch, last):
    spec = lab.BatchSpec(n=n, batch_size=b, epochs=3)
    assert (spec.per_epoch, spec.last_batch, spec.total) == (per_epoch, last, 3 * per_epoch)
    bounds = lab.batch_bounds(n, b)
    assert len(bounds) == per_epoch  # brute force: the batches themselves
    assert bounds[-1][1] - bounds[-1][0] == last
    assert sum(stop - start for start, stop in bounds) == n


@pytest.mark.parametrize("bad", [dict(n=0), dict(batch_size=0), dict(epochs=0), dict(n=2.5), dict(epochs="x")])
def test_batch_spec_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        lab.BatchSpec(**bad)


def test_batch_spec_takes_the_page_ranges_and_caps_live_runs():
    for bad in (dict(n=5010), dict(batch_size=1001), dict(epochs=21), dict(n=True), dict(epochs=math.inf)):
        with pytest.raises(ValueError):
            lab.BatchSpec(**bad)
    assert not lab.BatchSpec(n=5000, batch_size=1, epochs=20).runnable
    with pytest.raises(ValueError, match="more than"):
        lab.run_batches(lab.BatchSpec(n=5000, batch_size=1, epochs=20))


def test_batch_data_is_seeded_and_balanced():
    x, y = lab.batch_data(lab.BatchSpec(n=201))
    x2, y2 = lab.batch_data(lab.BatchSpec(n=201))
    assert x.shape == (201, 2) and x.dtype == np.float32 and y.dtype == np.float32
    np.testing.assert_array_equal(x, x2)
    assert abs(int(y.sum()) - 100) <= 1


def test_fit_takes_ceil_n_over_b_steps_per_epoch_and_the_code_agrees():
    spec = lab.BatchSpec(n=203, batch_size=32, epochs=2)
    events = []
    r = lab.run_batches(spec, lambda kind, payload: events.append((kind, payload)))
    assert r.iterations == spec.total == 14 and r.iterations_after_epoch == [7, 14]
    progress = [payload for kind, payload in events if kind == "progress"]
    assert [(p.done, p.total, p.unit) for p in progress] == [(1, 2, "epoch"), (2, 2, "epoch")]  # the bar's unit
    assert all(isinstance(p, Progress) for p in progress) and progress[-1].logs["loss"] == r.loss[-1]
    assert r.loss[-1] < r.loss[0] and not r.diverged
    assert lab.run_batches(spec).loss == r.loss  # seeded: same spec, same numbers
    ns, out = run(codegen.batches_code(spec))
    assert int(ns["model"].optimizer.iterations) == 14
    assert [float(v) for v in ns["history"].history["loss"]] == r.loss
    assert "iterations per epoch: 7" in out and "size of the last batch: 11" in out


def test_fit_check_goes_through_the_one_training_api():
    spec, other = lab.BatchSpec(n=60, batch_size=10, epochs=2), lab.BatchSpec(n=70, batch_size=10, epochs=1, seed=3)
    first = lab.run_batches(spec)
    admitted, takes = engine.GATE.admitted, engine.POOL.takes
    lab.run_batches(other)  # 7 steps per graph call: another model under the same pool key
    again = lab.run_batches(spec)
    assert engine.GATE.admitted >= admitted + 2 and engine.POOL.takes >= takes + 2
    # A pooled model starts like a fresh one: same numbers, and iterations count this run only.
    assert again.loss == first.loss and again.accuracy == first.accuracy
    assert again.iterations == spec.total == 12 and again.iterations_after_epoch == [6, 12]


def test_arithmetic_only_code_runs_without_keras():
    ns, out = run(codegen.batches_code(lab.BatchSpec(n=5000, batch_size=1, epochs=20), run=False))
    assert "keras" not in ns and "total iterations: 100000" in out


# --------------------------------------------------------------------------- 3. gradient descent on a curve


@pytest.mark.parametrize("lr, expected", [(0.01, "too_small"), (0.05, "too_small"), (0.1, "good"), (0.3, "good"),
                                          (0.5, "good"), (0.8, "too_large"), (0.99, "too_large"),
                                          (1.0, "divergent"), (2.5, "divergent")])
def test_regimes(lr, expected):
    assert lab.regime(lr) == expected


@pytest.mark.parametrize("lr", [0.05, 0.3, 0.8, 1.0, 1.2])
def test_descent_follows_the_closed_form(lr):
    spec = lab.DescentSpec(lr=lr, w0=-2.0, steps=12)
    r = lab.descend(spec)
    k = np.arange(13)
    expected = 3 + (1 - 2 * lr) ** k * (-2.0 - 3)
    np.testing.assert_allclose(r.path_w, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(r.path_loss, (expected - 3) ** 2, rtol=1e-3, atol=1e-4)
    assert r.nonfinite_at is None
    assert r.diverged == (lr >= 1.0)
    if lr < 1.0:
        assert r.final_loss < r.path_loss[0]


def test_divergent_rate_overflows_and_stops_cleanly():
    r = lab.descend(lab.DescentSpec(lr=3.0, steps=50))
    assert r.diverged and r.nonfinite_at == 27
    assert np.isfinite(r.path_w).all() and np.isfinite(r.path_loss).all()
    assert len(r.path_w) == len(r.path_loss) == 27  # steps 0..26
    _, out = run(codegen.descent_code(lab.DescentSpec(lr=3.0, steps=50)))
    assert "step 27: the loss overflowed to inf" in out


@pytest.mark.parametrize("spec", [lab.DescentSpec(), lab.DescentSpec(lr=0.8, w0=10.5, steps=7)])
def test_descent_code_prints_the_page_numbers(spec):
    ns, out = run(codegen.descent_code(spec))
    r = lab.descend(spec)
    assert float(ns["w"].numpy()) == r.final_w
    lines = out.strip().splitlines()
    assert len(lines) == spec.steps + 1
    assert lines[-1] == f"step {spec.steps}: w = {r.final_w:.6g}, loss = {r.final_loss:.6g}"


@pytest.mark.parametrize("bad", [dict(lr=0.0), dict(lr=5.0), dict(w0=float("nan")), dict(steps=0), dict(steps=2.5)])
def test_descent_spec_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        lab.DescentSpec(**bad)


def test_loss_curve():
    ws, losses = lab.loss_curve(-6, 12, 7)
    np.testing.assert_allclose(losses, (ws - 3) ** 2, rtol=1e-6)


def test_formatting():
    assert fmt(-1e-9) == "0.000" and fmt(0.4359) == "0.436" and fmt(math.inf) == "inf"
    assert lab.fmt_grad(0.00069540861) == "0.000695" and lab.fmt_grad(-0.0) == "0"


# --------------------------------------------------------------------------- figures


def test_network_figure_labels_every_edge():
    labels = {n: f"{figs.symbol(n)}!" for n, *_ in figs.EDGES}
    fig = figs.network_figure(labels, {n: 1.0 for n in labels}, {n: n for n in figs.NODES}, {"h1": "z"}, "L")
    spec = json.loads(fig.to_json())
    texts = {a["text"] for a in spec["layout"]["annotations"]}
    assert {"w₁₁!", "w₂₁!", "w₁₂!", "w₂₂!", "v₁!", "v₂!", "z", "L"} <= texts


LABELS = {"epoch": "epoch {epoch}", "full": "full", "last": "last", "x": "x",
          "hover": "{batch} {start} {stop} {size} {iteration}", "more": "+{count}"}


def test_batches_figure_draws_every_batch_and_the_remainder():
    fig, group = figs.batches_figure(1003, 100, 5, LABELS)
    full, last = fig.data
    assert group == 1
    assert len(full.x) == 3 * 10 and list(last.x) == [3, 3, 3]
    assert list(full.text[:3]) == ["1", "2", "3"] and list(last.base) == [1000, 1000, 1000]
    assert sum(full.x[:10]) + last.x[0] == 1003
    assert any(a.text == "+2" for a in fig.layout.annotations)


def test_batches_figure_groups_many_batches():
    fig, group = figs.batches_figure(5000, 1, 1, LABELS)
    assert group == math.ceil(5000 / figs.MAX_BLOCKS)
    assert len(fig.data) == 1 and sum(fig.data[0].x) == 5000


def test_descent_figure_marks_an_escaped_ball():
    r = lab.descend(lab.DescentSpec(lr=1.5, steps=10))
    ws, losses = lab.loss_curve(-6, 12)
    labels = dict(curve="c", path="p", start="s", end="e", w="w", loss="l", step="k", escaped="gone")
    fig = figs.descent_figure(ws, losses, r.path_w, r.path_loss, labels)
    assert any(a.text == "gone" for a in fig.layout.annotations)
