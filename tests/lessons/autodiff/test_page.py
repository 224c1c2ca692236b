"""The autodiff page through the real entry point: numbers shown, controls, URL parameters."""

from __future__ import annotations

import math

import pytest

from lib.core.i18n import translate
from lib.lessons.autodiff import lab
from tests.apptest import texts


def metric(at, name: str, lang: str = "en", **values) -> str:
    """The value of the metric whose label is the catalogue text ``autodiff.<name>``."""
    label = translate(lang, f"autodiff.{name}", **values)
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric labelled {label!r}; have {[m.label for m in at.metric]}"
    return found[0]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_renders_in_both_languages(page, lang):
    at = page("autodiff", lang)
    assert not at.exception
    assert at.title[0].value == translate(lang, "autodiff.title")
    assert len(at.get("plotly_chart")) == 4  # finite-difference errors, tangent, loss surface, falling apple
    panels = [e for e in at.main.expander if e.label == translate(lang, "common.show_code")]
    assert len(panels) == 6 and not at.main.code  # one code panel per part, closed: no code sent
    assert metric(at, "m_gradient", lang) == "6.0000"
    assert not at.warning  # no URL notice without URL parameters


def test_default_is_the_course_example(page):
    at = page("autodiff", code=["tape"])
    assert metric(at, "m_value") == "9.0000"
    assert metric(at, "m_gradient") == "6.0000"
    assert "input_var = tf.Variable(initial_value=3.0)" in at.code[0].value
    assert "result = tf.square(input_var)" in at.code[0].value
    assert metric(at, "m_grad_w") == "-16.0000" and metric(at, "m_grad_b") == "-8.0000"


def test_moving_x_and_the_function_shows_the_analytic_gradient(page):
    at = page("autodiff", code=["tape"])
    at.slider(key="x").set_value(1.5).run()
    assert metric(at, "m_gradient") == "3.0000"  # 2 · 1.5
    for fn, x in (("cube", 1.5), ("sin", -1.2), ("sigmoid", 0.4)):
        at.selectbox(key="fn").set_value(fn)
        at.slider(key="x").set_value(x).run()
        assert not at.exception
        expected = float(lab.analytic(fn, x)[1])
        shown = float(metric(at, "m_gradient"))
        assert math.isclose(shown, expected, abs_tol=1e-4), (fn, x, shown, expected)
        assert lab.EXPR[fn].format(v="input_var") in at.code[0].value
    at.selectbox(key="fn").set_value("relu")
    at.slider(key="x").set_value(0.0).run()
    assert metric(at, "m_gradient") == "0.0000"
    assert any("0.5000" in i.value for i in at.info)  # the finite difference at the corner


def test_unwatched_constant_shows_none(page):
    at = page("autodiff", code=["watch"])
    assert metric(at, "m_watch_gradient", x="3.0") == "6.0000"
    at.toggle(key="watch").set_value(False).run()
    assert not at.exception
    assert metric(at, "m_watch_gradient", x="3.0") == "None"
    assert "# tape.watch(input_const)" in at.code[0].value


def test_second_derivatives(page):
    at = page("autodiff", code=["falling"], x="2")
    assert metric(at, "m_acceleration") == "9.8000"
    at.slider(key="t").set_value(2.0).run()
    assert metric(at, "m_speed") == "19.6000"
    assert metric(at, "m_acceleration") == "9.8000"
    at.selectbox(key="fn").set_value("cube").run()
    assert metric(at, "m_second") == "12.0000"  # 6x at x = 2
    assert "outer_tape.gradient(speed, time)" in texts(at)


def test_bad_url_parameters_fall_back_with_a_notice(page):
    bad = dict(x="99", fn="zz", h="1e-9", deriv="maybe", w="abc", b="-99", watch="2", t="-1")
    at = page("autodiff", "en", **bad)
    assert not at.exception
    shown = "\n".join(w.value for w in at.warning)
    for value in bad.values():
        assert f"`{value}`" in shown
    # every rejected parameter is named exactly once (numbers together on top, choices where drawn)
    assert sum(shown.count(f"`{value}`") for value in bad.values()) == len(bad)
    assert metric(at, "m_gradient") == "6.0000"  # the defaults took over


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_chart_summaries_state_the_numbers_drawn_and_follow_the_controls(page, lang):
    at = page("autodiff", lang)
    said = captions(at)

    def surface(w: float, b: float) -> str:
        """The loss-surface sentence with numbers worked out by hand: loss = (w·2 + b − 5)², ∂/∂b = 2(w·2 + b − 5)."""
        error = w * lab.SAMPLE_X + b - lab.SAMPLE_TARGET
        way = {True: "dir_larger", False: "dir_smaller"}
        return translate(lang, "autodiff.chart_summary.surface", w=f"{w:.1f}", b=f"{b:.1f}", loss=f"{error**2:.4f}",
                         grad_w=f"{2 * error * lab.SAMPLE_X:.4f}", grad_b=f"{2 * error:.4f}",
                         dir_w=translate(lang, f"autodiff.chart_summary.{way[error < 0]}"),
                         dir_b=translate(lang, f"autodiff.chart_summary.{way[error < 0]}"))

    # x² at 3: value 9, slope 6, rising; the course's sample at w = 0.5, b = 0
    assert translate(lang, "autodiff.chart_summary.tangent", x="3.0", value="9.0000", slope="6.0000",
                     way=translate(lang, "autodiff.chart_summary.way_up")) in said
    assert surface(0.5, 0.0) in said
    expected_en = ("At w = 0.5, b = 0.0 the loss is 16.0000 and the gradient (∂loss/∂w, ∂loss/∂b) is "
                   "(-16.0000, -8.0000): the descent arrow points to larger w and larger b.")
    assert (expected_en in said) == (lang == "en")
    assert any(metric(at, "m_loss", lang) in s and metric(at, "m_grad_w", lang) in s for s in said)  # as shown above
    # the finite-difference chart: its best h is where the differences the lab measured are smallest
    errors = lab.finite_difference_errors("square", 3.0)
    best = min(errors, key=errors.get)
    if f"{errors[best]:.2e}" == f"{errors['1e-2']:.2e}":  # the chosen h is (as printed) as good as any
        assert translate(lang, "autodiff.chart_summary.steps_best", h="1e-2", error=f"{errors['1e-2']:.2e}") in said
    else:
        assert translate(lang, "autodiff.chart_summary.steps", best_h=best, best=f"{errors[best]:.2e}", h="1e-2",
                         error=f"{errors['1e-2']:.2e}") in said
    at.selectbox(key="h").set_value("1e-6").run()  # float32 rounding: a tiny step is far worse
    errors_now = [c.value for c in at.caption]
    assert translate(lang, "autodiff.chart_summary.steps", best_h=best, best=f"{errors[best]:.2e}", h="1e-6",
                     error=f"{errors['1e-6']:.2e}") in errors_now

    at.slider(key="w").set_value(3.0)
    at.slider(key="b").set_value(1.5)
    at.slider(key="x").set_value(-1.5).run()
    said = captions(at)
    assert surface(3.0, 1.5) in said  # over the target now: the arrow turns round
    assert translate(lang, "autodiff.chart_summary.tangent", x="-1.5", value="2.2500", slope="-3.0000",
                     way=translate(lang, "autodiff.chart_summary.way_down")) in said
    at.slider(key="t").set_value(2.0).run()
    assert translate(lang, "autodiff.chart_summary.falling_flat", t="2.0", position=f"{4.9 * 2.0**2:.4f}",
                     speed=f"{9.8 * 2.0:.4f}", acceleration="9.8000", lo="9.8000", end="5.0") in captions(at)
