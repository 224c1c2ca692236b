"""The tensors lesson through the real entry point."""

import base64
import json

import numpy as np
import pandas as pd
import pytest

from lib.core.i18n import translate
from tests.apptest import texts

URL_KEYS = ("ckind", "shape", "dtype", "count", "seed", "rmean", "rstd", "urange", "op", "sa", "sb", "axis")


def metric(at, label: str) -> str:
    """The value of the first metric with this label (the normal distribution comes first)."""
    return next(m.value for m in at.metric if m.label == label)


def table(at, index: int) -> pd.DataFrame:
    """The variable section's ``index``-th table (the constant section's one tensor table comes first)."""
    return at.table[index + 1].value


@pytest.mark.parametrize("lang, title", [("en", "Tensors and variables"), ("ko", "텐서와 변수")])
def test_renders_in_both_languages(page, lang, title):
    at = page("tensors", lang, code=["normal"], seed="3")
    assert not at.exception
    assert at.title[0].value == title
    assert len(at.get("plotly_chart")) == 2  # normal and uniform histograms
    shown = texts(at)
    assert "seed=3" in shown  # the URL's seed reached the code that ran
    assert "TypeError" in shown and "does not support item assignment" in shown  # immutability, for real
    assert not at.warning


def test_normal_sliders_move_the_sample_mean(page):
    at = page("tensors", "en", code=["normal"])
    at.slider(key="rmean").set_value(2.0)
    at.slider(key="rstd").set_value(0.5).run()
    assert not at.exception
    assert metric(at, "Chosen mean") == "2.000"
    assert abs(float(metric(at, "Sample mean")) - 2.0) < 0.1
    assert abs(float(metric(at, "Sample std")) - 0.5) < 0.1
    assert "mean=2.0, stddev=0.5, seed=42" in texts(at)


def test_variable_buttons(page):
    at = page("tensors", "en")
    start = table(at, 0)  # the current value before any operation

    at.button(key="v_assign_wrong_shape").click().run()
    errors = "\n".join([e.value for e in at.error] + [c.value for c in at.code])
    assert "ValueError" in errors and "Shape mismatch" in errors and "(3, 2)" in errors
    pd.testing.assert_frame_equal(table(at, 0), start)  # before
    pd.testing.assert_frame_equal(table(at, 1), start)  # after: unchanged

    at.button(key="v_assign_add").click().run()
    before, after = table(at, 0), table(at, 1)
    pd.testing.assert_frame_equal(before, start)
    assert ((after - before - 1).abs() < 1e-5).all().all()
    assert not any("ValueError" in e.value for e in at.error)
    shown = texts(at)
    assert "refused (ValueError)" in shown and "v.assign_add(tf.ones((3, 1)))" in shown

    at.button(key="v_reset").click().run()
    pd.testing.assert_frame_equal(table(at, 0), start)
    assert len(at.table) == 1 + 1 + 3  # the constant, the variable, and a, b and c of the operations


def test_broadcasting_error_then_result(page):
    at = page("tensors", "en", code=["ops"])
    at.selectbox(key="sb").set_value("3x2").run()  # (2, 3) + (3, 2)
    assert not at.exception
    errors = "\n".join(e.value for e in at.error)
    assert "InvalidArgumentError" in errors  # the kind, not TensorFlow's wording
    assert translate("en", "tensors.broadcast_rule") in [i.value for i in at.info]

    at.selectbox(key="sa").set_value("2x1")
    at.selectbox(key="sb").set_value("1x3").run()  # (2, 1) + (1, 3) broadcast to (2, 3)
    assert not any("InvalidArgumentError" in e.value for e in at.error)
    assert metric(at, "Result shape") == "(2, 3)"

    at.selectbox(key="op").set_value("reduce_mean").run()  # the axis selector is enabled for reduce_mean only
    at.selectbox(key="axis").set_value("1").run()
    assert metric(at, "Result shape") == "(2,)"  # one mean per row of a (2, 1)
    assert "c = tf.reduce_mean(a, axis=1)" in texts(at)

    at.selectbox(key="op").set_value("matmul").run()
    at.selectbox(key="sa").set_value("2x3")
    at.selectbox(key="sb").set_value("3x2").run()
    assert metric(at, "Result shape") == "(2, 2)"


def test_garbage_url_values_are_ignored_with_a_notice(page):
    at = page("tensors", "en", **{key: "zz?" for key in URL_KEYS})
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert sum(w.count("zz?") for w in warnings) == len(URL_KEYS)  # every rejected value named once
    assert all("zz?" in w for w in warnings)
    assert metric(at, "shape") == "(2, 3)"  # defaults used


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_share_link_values_work_in_both_languages(page, lang):
    """The URL holds stable codes, never translated labels, so one link works in both languages."""
    at = page("tensors", lang, code=["const", "ops", "normal"], ckind="constant", shape="2x2x3", dtype="int32",
              op="matmul", sa="3x2", sb="2x3", rmean="1.5", count="200")
    assert not at.exception and not at.warning
    assert at.selectbox(key="ckind").value == "constant" and at.selectbox(key="op").value == "matmul"
    shown = texts(at)
    assert 'x = tf.constant([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]], dtype="int32")' in shown
    assert "c = tf.matmul(a, b)" in shown and "shape=(200,), mean=1.5," in shown
    assert [m.value for m in at.metric if m.value in ("(3, 3)", "(2, 2, 3)")] == ["(2, 2, 3)", "(3, 3)"]


def histogram_values(at, index: int) -> np.ndarray:
    """The values the histogram ``index`` draws, read back from its plotly spec (plain or binary arrays)."""
    x = json.loads(at.get("plotly_chart")[index].proto.spec)["data"][0]["x"]
    if isinstance(x, dict):  # plotly's typed array: {"dtype": "f4", "bdata": base64}
        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=np.dtype(x["dtype"]))
    return np.asarray(x, dtype=float)


def expected_summary(lang: str, kind: str, values: np.ndarray, mean: float, std: float) -> str:
    """The sentence under a histogram, its numbers computed here with numpy from what the chart draws."""
    values = values.astype(np.float64)
    return translate(lang, f"tensors.chart_summary.{kind}", n=f"{len(values):,}", low=f"{values.min():.3f}",
                     high=f"{values.max():.3f}", sample_mean=f"{values.mean():.3f}", mean=f"{mean:.3f}",
                     sample_std=f"{values.std():.3f}", std=f"{std:.3f}")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_each_histogram_has_a_numeric_summary_that_follows_the_controls(page, lang):
    at = page("tensors", lang)
    captions = [c.value for c in at.caption]
    normal, uniform = histogram_values(at, 0), histogram_values(at, 1)
    assert len(normal) == len(uniform) == 1000
    assert expected_summary(lang, "normal", normal, 0.0, 1.0) in captions
    assert expected_summary(lang, "uniform", uniform, 0.5, 1 / np.sqrt(12.0)) in captions  # U[0, 1)
    if lang == "en":
        assert any(c.startswith("1,000 values between ") and "(chosen 0.000)" in c for c in captions)
    else:
        assert any(c.startswith("값 1,000개, 범위 ") and "(고른 값: 0.000)" in c for c in captions)

    at.slider(key="rmean").set_value(2.0)
    at.slider(key="count").set_value(200).run()
    normal = histogram_values(at, 0)
    assert len(normal) == 200
    summary = expected_summary(lang, "normal", normal, 2.0, 1.0)
    assert summary in [c.value for c in at.caption]
    assert metric(at, translate(lang, "tensors.m_sample_mean")) == f"{normal.mean():.3f}"  # the metric agrees
