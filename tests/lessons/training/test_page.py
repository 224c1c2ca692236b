"""The training page in a real AppTest: the worked example's numbers, the counts, divergence explained."""

import json

import numpy as np
import pytest

from lib.core.i18n import translate
from lib.lessons.training import lab, summary
from tests.apptest import code_with, texts


@pytest.mark.parametrize("lang, title", [("en", "How training works"), ("ko", "학습은 어떻게 이루어지나")])
def test_worked_example_and_counts_by_default(page, lang, title):
    at = page("training", lang, code=["forward", "batches"])
    assert not at.exception
    assert at.title[0].value == title
    # The forward pass of the worked example: h1 = σ(1) = 0.731, h2 = σ(0) = 0.500, y = 0.436.
    assert [m.value for m in at.metric[:4]] == ["0.731", "0.500", "0.436", "0.000647"]
    shown = texts(at)
    assert "h_1 = \\sigma(z_1) = 0.731" in shown and "h_2 = \\sigma(z_2) = 0.500" in shown
    assert "y = \\sigma(z) = 0.436" in shown
    # 1000 samples in batches of 100: 10 iterations per epoch, 50 in 5 epochs, and fit agrees.
    assert [m.value for m in at.metric[7:10]] == ["10", "50", "100"]
    assert "⌈1000 / 100⌉ = 10" in shown
    assert any("50" in s.value and "model.fit" in s.value for s in at.success)
    assert any(m.label == "model.optimizer.iterations" and m.value == "50" for m in at.metric)
    # The diagram carries every weight, and the code panels the settings that ran.
    forward = json.loads(at.get("plotly_chart")[0].proto.spec)
    edge_labels = {a["text"] for a in forward["layout"]["annotations"]}
    assert {"w₁₁ = 0.30", "w₂₁ = -0.20", "v₂ = -0.30"} <= edge_labels
    assert "x = tf.constant([[1.0, -1.0]])" in code_with(at, "z_hidden = x @ W_hidden")
    assert "batch_size = 100" in code_with(at, "model.fit(")
    assert not at.warning


def test_moving_controls_updates_numbers_and_code(page):
    at = page("training", code=["forward", "backprop"])
    at.slider(key="x1").set_value(0.0).run()  # z1 = 0.2 + 0.5 = 0.7, so h1 = σ(0.7) = 0.668
    assert not at.exception
    assert at.metric[0].value == "0.668"
    assert "x = tf.constant([[0.0, -1.0]])" in code_with(at, "z_hidden = x @ W_hidden")
    at.slider(key="step_lr").set_value(2.0).run()
    assert "learning_rate = 2.0" in code_with(at, "assign_sub")
    assert any("%" in s.value for s in at.success)  # a small step lowers the loss
    # A remainder batch: 1000 samples in batches of 30 -> ceil = 34 iterations, the last holds 10.
    at.slider(key="batch_size").set_value(30)
    at.slider(key="n_epochs").set_value(2).run()
    assert [m.value for m in at.metric[7:10]] == ["34", "68", "10"]
    assert any("**10**" in i.value for i in at.info)
    assert any(m.label == "model.optimizer.iterations" and m.value == "68" for m in at.metric)


def test_too_large_rates_are_explained_not_raised(page):
    at = page("training", "en", step_lr="50", gd_lr="1.1")
    assert not at.exception
    assert any("went **up**" in w.value for w in at.warning)  # the backprop step overshoots
    assert any("diverges" in e.value for e in at.error)
    at.slider(key="gd_lr").set_value(3.0)
    at.slider(key="gd_steps").set_value(50).run()  # float32 overflows to inf
    assert not at.exception
    assert any("inf" in w.value for w in at.warning)
    assert any("diverges" in e.value for e in at.error)


def test_link_values_are_used_and_huge_runs_are_not_started(page):
    at = page("training", "ko", code=["batches"], samples="5000", batch_size="1", n_epochs="20")
    assert not at.exception
    assert [m.value for m in at.metric[7:9]] == ["5000", "100000"]
    assert any("100000" in i.value for i in at.info)  # too many to run live: explained instead
    assert not any(m.label == "model.optimizer.iterations" for m in at.metric)
    assert "model.fit(" not in code_with(at, "per_epoch = math.ceil(n / batch_size)")


def chart(at, key: str) -> dict:
    """The plotly spec of the chart drawn with ``key``."""
    found = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if key in c.proto.id]
    assert found, f"no chart {key}"
    return found[0]


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_chart_summaries_state_the_numbers_drawn_and_follow_the_controls(page, lang):
    at = page("training", lang)
    assert not at.exception
    said = [c.value for c in at.caption]
    key = "training.chart_summary."

    # The forward and backward diagrams, worked out here in numpy from the course's defaults.
    net = lab.NetSpec()
    x = np.array([net.x1, net.x2])
    h = sigmoid(x @ np.array([[net.w11, net.w12], [net.w21, net.w22]]) + [net.b1, net.b2])
    y = sigmoid(h @ [net.v1, net.v2] + net.c)
    loss = 0.5 * (y - net.target) ** 2
    assert translate(lang, key + "forward", x1="1.00", x2="-1.00", h1=f"{h[0]:.3f}", h2=f"{h[1]:.3f}", y=f"{y:.3f}",
                     target="0.40", loss=f"{loss:.6f}") in said
    assert [m.value for m in at.metric[:4]] == [f"{h[0]:.3f}", f"{h[1]:.3f}", f"{y:.3f}", f"{loss:.6f}"]
    delta = (y - net.target) * y * (1 - y)
    hidden = delta * np.array([net.v1, net.v2]) * h * (1 - h)
    grads = {"w11": hidden[0] * x[0], "w21": hidden[0] * x[1], "b1": hidden[0], "w12": hidden[1] * x[0],
             "w22": hidden[1] * x[1], "b2": hidden[1], "v1": delta * h[0], "v2": delta * h[1], "c": delta}
    largest = max(grads, key=lambda p: abs(grads[p]))
    backward = next(s for s in said if s.startswith(translate(lang, key + "backward", dy="", delta="", name="",
                                                                 grad="")[:8]) and "∂L/∂" in s)
    assert f"{y - net.target:.4f}" in backward and f"{delta:.3g}" in backward
    assert f"∂L/∂{summary.symbol(largest)} = " in backward

    # 1000 samples in batches of 100 for 5 epochs; the fit history's loss is the drawn curve's
    assert translate(lang, key + "batches_even", n=1000, b=100, per_epoch=10, total=50, epochs=5) in said
    drawn = chart(at, "fit_history")["data"][0]["y"]
    fit = next(s for s in said if translate(lang, key + "fit_steps", iterations=50) in s)
    assert f"{drawn[0]:.4f}" in fit and f"{drawn[-1]:.4f}" in fit and translate(lang, "common.unit.epochs") in fit
    if lang == "en":
        assert fit.startswith(f"Training loss fell from {drawn[0]:.4f} to {drawn[-1]:.4f} over 5 epochs.")

    # Descent on (w − 3)²: each step multiplies the distance to 3 by 1 − 2·lr
    w = 3 + (-2.0 - 3) * (1 - 2 * 0.2) ** 15
    assert translate(lang, key + "descent", w0="-2.00", lr="0.20", steps=15, w=f"{w:.4f}",
                     loss=f"{(w - 3) ** 2:.3g}" if (w - 3) ** 2 < 1e-3 else f"{(w - 3) ** 2:.4f}",
                     first="25.0000") in said

    at.slider(key="batch_size").set_value(30)
    at.slider(key="n_epochs").set_value(2)
    at.slider(key="gd_steps").set_value(3).run()
    said = [c.value for c in at.caption]
    assert translate(lang, key + "batches", n=1000, b=30, per_epoch=34, last=10, total=68, epochs=2) in said
    assert any(translate(lang, key + "fit_steps", iterations=68) in s for s in said)
    w = 3 + (-2.0 - 3) * 0.6**3
    assert translate(lang, key + "descent", w0="-2.00", lr="0.20", steps=3, w=f"{w:.4f}", loss=f"{(w - 3) ** 2:.4f}",
                     first="25.0000") in said
