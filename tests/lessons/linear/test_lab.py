"""lib/lessons/linear: the course's classifier, its boundary, and the code panels' code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from lib.lessons.linear import code as codegen
from lib.lessons.linear import figures as figs
from lib.lessons.linear import lab
from tests.shown_code import run_shown_code

SMALL = lab.LinearSpec(n_per_class=40, steps=6)
SMALL_MINI = replace(SMALL, batch_size=16, steps=9)  # 80 points: 5 steps per pass, so a reshuffle happens


def run_code(code: str) -> tuple[dict, str]:
    return run_shown_code(code, fresh_kernels=True)


def printed(text: str, prefix: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(prefix))


@pytest.fixture(scope="module")
def default_run() -> lab.LinearRun:
    return lab.train(lab.LinearSpec())


# --------------------------------------------------------------------------- the course's numbers


def test_default_reaches_course_accuracy(default_run):
    run = default_run
    assert run.spec.learning_rate == 0.1 and run.spec.steps == 40 and run.spec.full_batch
    assert run.steps_run == 40 and not run.diverged
    assert run.accuracy >= 0.97
    assert run.losses[-1] < 0.05 < 1.0 < run.losses[0]  # from random W down to a small loss
    assert run.w.shape == (41, 2) and run.b.shape == (41,)


def test_first_loss_is_the_mse_of_the_random_start(default_run):
    inputs, targets = lab.dataset(default_run.spec)
    w0 = lab.initial_weights(0)
    expected = np.mean((targets.astype(np.float64) - inputs.astype(np.float64) @ w0.astype(np.float64)) ** 2)
    assert default_run.losses[0] == pytest.approx(expected, rel=1e-5)
    assert np.array_equal(default_run.w[0], w0[:, 0]) and default_run.b[0] == 0.0
    assert np.all((w0 >= 0) & (w0 < 1))  # tf.random.uniform's default range


def test_one_step_is_the_hand_computed_gradient_step():
    spec = replace(SMALL, steps=1)
    run = lab.train(spec)
    x, t = (a.astype(np.float64) for a in lab.dataset(spec))
    w0, b0 = run.w[0].astype(np.float64), float(run.b[0])
    residual = x @ w0 + b0 - t[:, 0]
    grad_w, grad_b = 2 * x.T @ residual / len(x), 2 * residual.mean()
    assert np.allclose(run.w[1], w0 - 0.1 * grad_w, rtol=1e-5, atol=1e-6)
    assert run.b[1] == pytest.approx(b0 - 0.1 * grad_b, rel=1e-5, abs=1e-6)


def test_same_spec_same_numbers():
    a, b = lab.train(SMALL_MINI), lab.train(SMALL_MINI)
    for name in ("losses", "w", "b", "full_losses", "accuracies"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert lab.train(replace(SMALL_MINI, seed=1)).losses[0] != a.losses[0]


def test_full_batch_history_matches_the_printed_losses(default_run):
    run = default_run
    assert np.allclose(run.full_losses[:-1], run.losses, rtol=1e-5)
    assert run.accuracies[-1] == pytest.approx(run.accuracy, abs=1e-3)


def test_mini_batches_visit_every_point_once_per_pass():
    batches = lab.batch_indices(SMALL_MINI)
    assert [len(b) for b in batches] == [16] * 9
    first_pass = np.concatenate(batches[:5])
    assert sorted(first_pass.tolist()) == list(range(80))
    assert lab.batch_indices(SMALL) is None
    odd = lab.batch_indices(replace(SMALL, batch_size=30, steps=4))  # 80 = 30 + 30 + 20
    assert [len(b) for b in odd] == [30, 30, 20, 30]


# --------------------------------------------------------------------------- divergence


def test_huge_learning_rate_blows_up_without_raising():
    run = lab.train(lab.LinearSpec(learning_rate=1.0))
    assert run.blew_up and run.diverged
    assert run.steps_run < 40 and not np.isfinite(run.losses[-1])
    assert np.all(np.isfinite(run.losses[:-1]))
    assert len(run.w) == run.steps_run + 1
    assert lab.loss_lines(run)[-1].endswith(("inf", "nan"))


def test_critical_learning_rate_separates_converging_from_diverging():
    spec = lab.LinearSpec(n_per_class=200, steps=60)
    curvature, critical = lab.critical_learning_rate(lab.dataset(spec)[0])
    assert critical == pytest.approx(2 / curvature)
    below = lab.train(replace(spec, learning_rate=round(0.9 * critical, 4)))
    above = lab.train(replace(spec, learning_rate=round(1.1 * critical, 4)))
    assert not below.diverged and below.full_losses[-1] < below.full_losses[0]
    assert above.diverged


def test_default_critical_learning_rate_is_what_the_page_says():
    _, critical = lab.critical_learning_rate(lab.dataset(lab.LinearSpec())[0])
    assert round(critical, 3) == 0.145  # quoted in the section 4 text
    assert critical / 2 < 0.1 < critical  # so the course's 0.1 is in the zig-zag range


# --------------------------------------------------------------------------- the boundary


def test_boundary_points_predict_one_half(default_run):
    inputs, _ = lab.dataset(default_run.spec)
    box = lab.plot_box(inputs)
    for k in (0, 1, 5, 40):
        w, b = default_run.state(k)
        bd = lab.boundary(w, b, box)
        assert bd.segment is not None and bd.segment.shape == (2, 2)
        assert np.allclose(lab.predict(w, b, bd.segment), 0.5, atol=1e-6)
        # the course's formula describes the same line
        assert np.allclose(bd.segment[:, 1], bd.slope * bd.segment[:, 0] + bd.intercept, atol=1e-4)
        assert np.all(lab.predict(w, b, bd.positive) >= 0.5 - 1e-9)
        # every data point on the shaded side is predicted positive by the real model
        inside = _in_polygon(inputs, bd.positive)
        assert np.all((lab.predict(w, b, inputs) > 0.5)[inside])


def _in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Points strictly inside a convex polygon (vertices in order)."""
    signs = []
    for i in range(len(polygon)):
        p, q = polygon[i], polygon[(i + 1) % len(polygon)]
        signs.append((q[0] - p[0]) * (points[:, 1] - p[1]) - (q[1] - p[1]) * (points[:, 0] - p[0]))
    signs = np.array(signs)
    return np.all(signs > 1e-9, axis=0) | np.all(signs < -1e-9, axis=0)


def test_boundary_edge_cases():
    box = (-1.0, 1.0, -1.0, 1.0)
    everything = lab.boundary(np.array([0.0, 0.0]), 1.0, box)
    assert everything.segment is None and len(everything.positive) == 4 and everything.slope is None
    nothing = lab.boundary(np.array([0.0, 0.0]), 0.0, box)
    assert nothing.segment is None and len(nothing.positive) == 0
    vertical = lab.boundary(np.array([1.0, 0.0]), 0.0, box)  # x1 = 0.5
    assert vertical.slope is None and np.allclose(vertical.segment[:, 0], 0.5)
    broken = lab.boundary(np.array([np.nan, 1.0]), 0.0, box)
    assert not broken.finite and broken.segment is None


# --------------------------------------------------------------------------- the code panels run


@pytest.mark.parametrize("spec", [SMALL, SMALL_MINI], ids=["full", "mini"])
def test_training_code_prints_what_lib_computes(spec):
    run = lab.train(spec)
    namespace, out = run_code(codegen.training_code(spec))
    lines = [line for line in out.splitlines() if line.startswith("Loss at step")]
    assert lines == [f"Loss at step {k}: {v:.4f}" for k, v in enumerate(run.losses)]
    assert printed(out, "Accuracy:") == f"Accuracy: {run.accuracy:.4f}"
    assert np.array_equal(namespace["W"].numpy()[:, 0], run.w[-1])
    assert namespace["b"].numpy()[0] == run.b[-1]
    shown = [line for line in lab.loss_lines(run) if line != "…"]  # the page's excerpt of the printout
    assert shown and all(line in lines for line in shown)


def test_code_in_a_fresh_python_prints_the_same_numbers():
    """The seeded start is what a learner's own fresh run gets, not only what this process gets."""
    run = lab.train(SMALL)
    out = subprocess.run([sys.executable, "-c", codegen.training_code(SMALL)], capture_output=True, text=True,
                         timeout=120, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert printed(out.stdout, "Loss at step 0:") == f"Loss at step 0: {run.losses[0]:.4f}"
    assert printed(out.stdout, "W = ") == f"W = [{run.w[-1][0]:.4f}, {run.w[-1][1]:.4f}], b = {run.b[-1]:.4f}"


def test_diverging_code_stops_like_lib():
    spec = replace(SMALL, learning_rate=1.0, steps=80, n_per_class=20)
    run = lab.train(spec)
    assert run.blew_up
    _, out = run_code(codegen.training_code(spec))
    assert "training diverged" in out
    assert len([line for line in out.splitlines() if line.startswith("Loss at step")]) == run.steps_run


def test_data_code_draws_the_same_points():
    namespace, out = run_code(codegen.data_code(SMALL))
    inputs, targets = lab.dataset(SMALL)
    assert np.array_equal(namespace["inputs"], inputs) and np.array_equal(namespace["targets"], targets)
    neg, pos = lab.class_means(inputs, SMALL.n_per_class)
    assert f"negative class mean: ({neg[0]:.3f}, {neg[1]:.3f})" in out
    assert f"positive class mean: ({pos[0]:.3f}, {pos[1]:.3f})" in out


@pytest.mark.parametrize("step", [0, 3])
def test_boundary_code_prints_the_pages_line(step):
    spec = SMALL_MINI
    run = lab.train(spec)
    box = lab.plot_box(lab.dataset(spec)[0])
    bd = lab.boundary(*run.state(step), box)
    _, out = run_code(codegen.boundary_code(spec, step, (box[0], box[1])))
    assert printed(out, "boundary:") == f"boundary: y = {bd.slope:.4f} * x + {bd.intercept:.4f}"
    assert printed(out, "Accuracy:") == f"Accuracy: {run.accuracies[step]:.4f}"
    low, high = (float(v) for v in re.findall(r"-?\d+\.\d+", printed(out, "predictions on the line")))
    assert low == pytest.approx(0.5, abs=1e-3) and high == pytest.approx(0.5, abs=1e-3)


def test_critical_code_prints_lib_numbers():
    curvature, critical = lab.critical_learning_rate(lab.dataset(SMALL)[0])
    _, out = run_code(codegen.critical_code(SMALL))
    assert f"largest curvature: {curvature:.4f}" in out
    assert f"diverges above learning rate {critical:.4f}" in out


def test_code_writes_clean_values():
    spec = lab.LinearSpec(mean_neg=(lab.clean(0.1 + 0.2), -1.5), corr=lab.clean(-0.35000000000000003),
                          learning_rate=0.05)
    code = codegen.training_code(spec)
    assert "mean=[0.3, -1.5]" in code and "cov=[[1, -0.35], [-0.35, 1]]" in code
    assert "learning_rate = 0.05" in code and "seed=0))" in code
    compile(codegen.boundary_code(spec, 0, (-1.234, 5.678)), "<generated>", "exec")


# --------------------------------------------------------------------------- spec and figures


@pytest.mark.parametrize("changes, words", [
    (dict(n_per_class=5), "samples per class"),
    (dict(mean_pos=(float("nan"), 0.0)), "positive mean"),
    (dict(corr=1.0), "correlation"),
    (dict(learning_rate=0.0), "learning rate"),
    (dict(learning_rate=float("inf")), "learning rate"),
    (dict(steps=0), "steps"),
    (dict(batch_size=81), "batch size"),
    (dict(seed=-1), "seed"),
])
def test_spec_rejects_bad_values_with_a_clear_message(changes, words):
    with pytest.raises(ValueError, match=words):
        replace(SMALL, **changes)


def test_figures(default_run):
    inputs, targets = lab.dataset(default_run.spec)
    box = lab.plot_box(inputs)
    labels = dict(neg="0", pos="1", x="x1", y="x2", line="line", region="region", play="play", frame="after {step}")
    fig = figs.boundary_figure(inputs, targets, default_run.w, default_run.b, 7, box, labels)
    spec = json.loads(fig.to_json())
    assert len(spec["frames"]) == 41 and spec["layout"]["title"]["text"] == "after 7"
    line = spec["data"][3]
    bd = lab.boundary(*default_run.state(7), box)
    assert np.allclose([line["x"], line["y"]], bd.segment.T)
    assert spec["layout"]["template"]["layout"]["paper_bgcolor"] == "white"  # the course style is applied
    blown = lab.train(lab.LinearSpec(learning_rate=1.0))
    loss = figs.loss_figure([("loss", blown.losses, "main")], {"x": "step", "y": "loss"})
    assert loss.layout.yaxis.type == "log" and loss.data[0].y[-1] is None


def test_training_runs_as_a_job_of_the_one_training_api():
    """The course's pure-TensorFlow loop takes a gate slot like every run (no Keras model to pool)."""
    from lib.core import engine

    before = engine.GATE.admitted
    events = []
    lab.train(replace(SMALL, seed=7), report=lambda kind, payload: events.append(kind))
    assert engine.GATE.admitted == before + 1
    assert "progress" not in events  # about 50 ms: no progress bar (see lab.train)
