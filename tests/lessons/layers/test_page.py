"""The layers page through the real entry point: numbers shown, controls, URL parameters."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from lib.core.i18n import translate
from tests.apptest import texts


def metric(at, name: str, lang: str = "en", index: int = 0, **values) -> str:
    """The value of the ``index``-th metric labelled with the catalogue text ``layers.<name>``."""
    label = translate(lang, f"layers.{name}", **values)
    found = [m.value for m in at.metric if m.label == label]
    assert len(found) > index, f"no metric labelled {label!r}; have {[m.label for m in at.metric]}"
    return found[index]


def steps_table(at):
    """The SimpleDense step table (created / first call / second call) as a DataFrame."""
    return at.table[0].value


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_renders_in_both_languages_with_the_course_example(page, lang):
    at = page("layers", lang)
    assert not at.exception
    assert at.title[0].value == translate(lang, "layers.title")
    # SimpleDense on a 128 × 784 input with 512 units: W 784 × 512, output 128 × 512
    assert metric(at, "m_w_shape", lang) == "(784, 512)"
    assert metric(at, "m_b_shape", lang) == "(512,)"
    assert metric(at, "m_out_shape", lang) == "(128, 512)"
    assert metric(at, "m_params", lang) == "401,920"
    # built flips once: False after creation, True after the first call, build() ran once in all
    table = steps_table(at)
    assert list(table[translate(lang, "layers.col_built")]) == ["False", "True", "True"]
    assert list(table[translate(lang, "layers.col_builds")]) == [0, 1, 1]
    # the three Sequential styles report equal parameter counts
    assert [metric(at, f"style_{style}", lang) for style in ("list", "inline", "add")] == ["79,510"] * 3
    assert "78,500" in texts(at)
    assert len(at.get("graphviz_chart")) == 3  # Sequential, multi-input, multi-output
    assert len(at.get("plotly_chart")) == 3  # shapes, probabilities, compile history
    assert not at.warning and not at.error


def test_first_slider_changes_the_output_shape_at_once(page):
    at = page("layers", code=["dense"])
    first = at.slider[0]
    assert first.key == "sd_batch"
    first.set_value(129).run()
    assert not at.exception
    assert metric(at, "m_out_shape") == "(129, 512)"
    assert any("y = layer(tf.ones((129, 784)))" in c.value for c in at.code)


def test_layer_controls_and_the_refused_second_call(page):
    at = page("layers", code=["dense"], sd_features="6", sd_units="4", sd_act="none", sd_second="one_row")
    assert metric(at, "m_w_shape") == "(6, 4)" and metric(at, "m_params") == "28"
    table = steps_table(at)
    assert list(table[translate("en", "layers.col_output")]) == ["—", "(128, 4)", "(1, 4)"]
    at.radio(key="sd_second").set_value("more_features").run()
    assert not at.exception
    shown = texts(at)
    # The kind and the lesson's own sentence, not TensorFlow's wording.
    assert "InvalidArgumentError" in shown and translate("en", "layers.s1_refused", features=6, more=7) in shown
    assert list(steps_table(at)[translate("en", "layers.col_builds")]) == [0, 1, 1]  # no second build
    assert any("tf.ones((128, 7))" in c.value for c in at.code)


def test_sequential_controls_keep_the_three_counts_equal(page):
    at = page("layers", seq_units="50", seq_flatten="true", seq_act="relu")
    assert not at.exception
    expected = f"{(784 + 1) * 50 + (50 + 1) * 10:,}"
    assert [metric(at, f"style_{style}") for style in ("list", "inline", "add")] == [expected] * 3
    assert float(metric(at, "m_diff_after")) <= (784 + 50 + 8) * np.finfo(np.float32).eps  # float32 rounding
    summaries = [c.value for c in at.code if c.value.startswith("Model: ")]
    assert len(summaries) >= 3 and all("flatten (Flatten)" in s for s in summaries[:3])


def test_compile_objects_with_a_learning_rate_and_the_accuracy_trap(page):
    at = page("layers", cmp_lr="0.01")
    assert not at.exception
    assert metric(at, "m_lr", index=0) == "0.001" and metric(at, "m_lr", index=1) == "0.01"
    assert any("differ" in i.value for i in at.info)  # a learning rate no string can express
    assert any("keras.optimizers.RMSprop(learning_rate=0.01)" in c.value for c in at.code)
    at.selectbox(key="cmp_metric").set_value("plain_acc").run()
    assert not at.exception
    shown = texts(at)
    assert "InvalidArgumentError" in shown and translate("en", "layers.s3_accuracy_trap") in shown


def test_multi_output_history_has_one_loss_per_output(page):
    at = page("layers", code=["multi_out"], fn_train="true", fn_samples="64", fn_epochs="1")
    assert not at.exception
    for name in ("age_loss", "income_loss", "gender_loss", "loss"):
        assert any(m.label == f"`{name}`" for m in at.metric), name  # history keys, shown as code
    shown = texts(at)
    assert "`age_loss`" in shown and "`income_loss`" in shown and "`gender_loss`" in shown
    assert len(at.get("plotly_chart")) == 5  # + the two training histories
    assert any("num_samples = 64" in c.value and "loss_weights" in c.value for c in at.code)


def test_course_scale_builds_the_book_models(page):
    at = page("layers", fn_scale="course")
    assert not at.exception
    # two embeddings, LSTM(32) on 64 and LSTM(16) on 32 (4 gates each), Dense(500) on 48
    expected = 10_000 * 64 + 10_000 * 32 + 4 * 32 * (64 + 32 + 1) + 4 * 16 * (32 + 16 + 1) + (48 + 1) * 500
    assert metric(at, "m_params", index=1) == f"{expected:,}"
    assert int(metric(at, "m_params", index=2).replace(",", "")) > 14_000_000


def chart(at, key: str) -> dict:
    """The plotly spec of the chart drawn with ``key``."""
    found = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if key in c.proto.id]
    assert found, f"no chart {key}"
    return found[0]


def values(trace: dict) -> np.ndarray:
    """A trace's y values as plotly carries them (a plain list, or a typed array in base64)."""
    y = trace["y"]
    if isinstance(y, dict):
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"])).astype(float)
    return np.array([np.nan if v is None else v for v in y], dtype=float)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_chart_summaries_state_the_numbers_drawn_and_follow_the_controls(page, lang):
    at = page("layers", lang, cmp_epochs="2", fn_train="true", fn_samples="64", fn_epochs="2")
    assert not at.exception
    said = [c.value for c in at.caption]
    key = "layers.chart_summary."

    # the shapes picture: the metrics above it and 784 · 512 + 512 parameters
    assert translate(lang, key + "shapes", x="(128, 784)", w=metric(at, "m_w_shape", lang), b="(512,)",
                     y=metric(at, "m_out_shape", lang), params=f"{784 * 512 + 512:,}") in said

    # the two models' probabilities, read back from the bars and compared here with numpy
    first, second = (values(trace) for trace in chart(at, "probabilities")["data"])
    top = int(np.argmax(first))
    assert top == int(np.argmax(second))
    gap = np.max(np.abs(first - second))
    assert translate(lang, key + ("probabilities" if gap else "probabilities_equal"), k=top, a=f"{first[top]:.4f}",
                     b=f"{second[top]:.4f}",
                     first="keras.Sequential", second="MySequential", gap=f"{gap:.3g}",
                     n=10) in said

    # compile by strings / by objects: the lower of the two drawn validation curves' last points
    traces = chart(at, "compile_history")["data"]
    fig_val = translate(lang, "layers.fig_val")
    val = {t["name"].split(" · ")[0]: values(t)[-1] for t in traces if t["name"].endswith(fig_val)}
    (name_a, a), (name_b, b) = sorted(val.items(), key=lambda item: item[1])
    if f"{a:.4f}" == f"{b:.4f}":
        expected = translate(lang, key + "compare_same", epochs=2, value=f"{a:.4f}")
    else:
        expected = translate(lang, key + "compare", epochs=2, low_name=name_a[:1].lower() + name_a[1:], low=f"{a:.4f}",
                             high_name=name_b[:1].lower() + name_b[1:], high=f"{b:.4f}", diff=f"{b - a:.4f}")
    assert expected in said

    # the multi-input run: its loss curve from first to last epoch, and the best validation epoch
    drawn = chart(at, "history_in")["data"]
    loss, val_loss = values(drawn[0]), values(drawn[1])
    history = next(s for s in said if f"{loss[0]:.4f}" in s and f"{loss[-1]:.4f}" in s)
    assert f"({np.nanmin(val_loss):.4f})" in history and translate(lang, "common.unit.epochs") in history
    outputs = next(s for s in said if "`age_loss`" in s)
    assert all(f"`{name}_loss`" in outputs for name in ("age", "income", "gender"))

    at.slider(key="sd_units").set_value(10).run()  # the shapes and the parameter count follow
    assert translate(lang, key + "shapes", x="(128, 784)", w="(784, 10)", b="(10,)", y="(128, 10)",
                     params="7,850") in [c.value for c in at.caption]
