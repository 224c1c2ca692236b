"""The linear-classifier lesson through the real entry point: real numbers, both languages, divergence."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest

from lib.core.i18n import translate
from lib.lessons.linear import lab
from tests.apptest import metric, texts

URL_KEYS = ("samples", "neg_x", "neg_y", "pos_x", "pos_y", "corr", "rng", "lr", "steps", "minibatch", "batch", "step")


def chart(at, key: str) -> dict:
    """The plotly spec of the chart drawn with ``key`` (Streamlit keeps the user key in the element id)."""
    for element in at.get("plotly_chart"):
        if key in element.proto.id:
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart {key}")


@pytest.mark.parametrize("lang, title, accuracy_label", [
    ("en", "A linear classifier from scratch", "Accuracy (threshold 0.5)"),
    ("ko", "밑바닥부터 만드는 선형 분류기", "정확도 (임곗값 0.5)"),
])
def test_course_defaults_reach_97_percent(page, lang, title, accuracy_label):
    at = page("linear", lang, code=["train"])
    assert not at.exception and not at.warning and not at.error
    assert at.title[0].value == title
    assert at.slider[0].key == "samples"  # the browser test moves the first slider
    bound = {w.key for w in [*at.slider, *at.toggle]}
    assert set(URL_KEYS) <= bound
    assert len(at.get("plotly_chart")) == 6
    assert float(metric(at, accuracy_label)) >= 0.97  # 40 full-batch steps at learning rate 0.1
    shown = texts(at)
    assert "Loss at step 0: 5.5895" in shown and "Loss at step 39: 0.0285" in shown
    train_code = next(c.value for c in at.code if "def training_step" in c.value and "range(40)" in c.value)
    assert "learning_rate = 0.1\n" in train_code and "seed=0" in train_code


def test_boundary_line_is_the_models_half_contour(page):
    at = page("linear", "en", code=["boundary"], step="12", rng="3")
    assert not at.exception
    spec = lab.LinearSpec(seed=3)
    run = lab.train(spec)  # deterministic: the run the page drew
    w, b = run.state(12)
    fig = chart(at, "boundary_plot")
    assert len(fig["frames"]) == 41
    region, line = fig["data"][0], fig["data"][3]
    ends = np.column_stack([line["x"], line["y"]])
    assert ends.shape == (2, 2)
    assert np.allclose(lab.predict(w, b, ends), 0.5, atol=1e-5)  # the drawn line is where the model says 0.5
    assert np.all(lab.predict(w, b, np.column_stack([region["x"], region["y"]])) >= 0.5 - 1e-6)
    # the formula on the page is the same line
    slope, sign, size = re.search(r"= \*\*(-?\d+\.\d+) · x₁ ([+−]) (\d+\.\d+)\*\*", texts(at)).groups()
    slope, intercept = float(slope), float(size) * (-1 if sign == "−" else 1)
    assert np.allclose(ends[:, 1], slope * ends[:, 0] + intercept, atol=2e-3)
    assert metric(at, "Step") == "12 / 40"
    assert "The model after step 12" in fig["layout"]["title"]["text"]
    assert "for step in range(12):" in next(c.value for c in at.code if "boundary:" in c.value)


@pytest.mark.parametrize("lang, words", [("en", "Training diverged"), ("ko", "학습이 발산했습니다")])
def test_divergent_learning_rate_is_explained_not_raised(page, lang, words):
    at = page("linear", lang, code=["train"], lr="0.6")
    assert not at.exception
    errors = "\n".join(e.value for e in at.error)
    assert words in errors and "0.145" in errors  # names the safe limit
    shown = texts(at)
    assert re.search(r"Loss at step \d+: (inf|nan)", shown)
    assert "training diverged" in next(c.value for c in at.code if "learning_rate = 0.6" in c.value)
    # the boundary section still draws, at the last (blown-up) state
    assert len(at.get("plotly_chart")) == 6


def test_minibatch_toggle_changes_the_code_that_ran(page):
    at = page("linear", "en", code=["train", "minibatch"], minibatch="true", batch="64", samples="300", lr="0.05",
              steps="30")
    assert not at.exception
    spec = lab.LinearSpec(n_per_class=300, learning_rate=0.05, steps=30, batch_size=64)
    run = lab.train(spec)
    assert metric(at, "Accuracy (threshold 0.5)") == f"{run.accuracy:.4f}"
    assert metric(at, "Loss at step 29") == f"{run.losses[-1]:.4f}"
    train_code = next(c.value for c in at.code if "def training_step" in c.value and "range(30)" in c.value)
    assert "batch_size = 64" in train_code and "learning_rate = 0.05" in train_code
    assert len(chart(at, "loss_plot")["data"]) == 2  # the batch's loss and the loss on all points
    assert "10 steps per pass over the 600 points" in texts(at)


def test_first_slider_moves_a_visible_number(page):
    at = page("linear", "en", code=["data"])
    at.slider(key="samples").set_value(1010).run()
    assert not at.exception
    assert metric(at, "Points") == "2020"
    assert "num_samples_per_class = 1010" in at.code[0].value
    reopened = page("linear", "en", samples="1010")  # the share link holds the same value
    assert metric(reopened, "Points") == "2020"


def test_scrubber_survives_a_shorter_run(page):
    at = page("linear", "en")
    at.slider(key="step").set_value(30).run()
    at.slider(key="steps").set_value(10).run()  # the scrubber's range shrinks below its value
    assert not at.exception
    assert metric(at, "Step") == "10 / 10"
    at.slider(key="steps").set_value(40).run()
    assert not at.exception and metric(at, "Step") == "10 / 40"


def drawn(trace: dict, axis: str = "y") -> np.ndarray:
    """A trace's values as plotly carries them (a plain list, or a typed array in base64)."""
    values = trace[axis]
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).astype(float)
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def lowered(sentences: list[str]) -> list[str]:
    """Sentences as the catalogue writes them: a name placed first starts lower case there."""
    return [s[:1].lower() + s[1:] for s in sentences]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_chart_summaries_state_the_numbers_drawn_and_follow_the_controls(page, lang):
    at = page("linear", lang, step="12", rng="3")
    assert not at.exception
    said = [c.value for c in at.caption]
    key = "linear.chart_summary."

    # the loss curve: first and last value of the drawn trace, and its last step
    loss = drawn(chart(at, "loss_plot")["data"][0])
    assert translate(lang, key + "curve_fell", what=translate(lang, "linear.trace_loss"), first=f"{loss[0]:.4f}",
                     last=f"{loss[-1]:.4f}", step=len(loss) - 1) in lowered(said)
    if lang == "en":
        assert any(s.startswith("Loss (as printed) fell from ") and s.endswith(" at step 39.") for s in said)

    # the decision boundary at step 12: points on the wrong side counted here with numpy, in float64
    spec = lab.LinearSpec(seed=3)
    inputs, targets = lab.dataset(spec)
    w, b = lab.train(spec).state(12)
    wrong = int(np.sum((lab.predict(w, b, inputs) > 0.5) != targets[:, 0]))
    accuracy = metric(at, translate(lang, "linear.m_step_accuracy"))
    assert translate(lang, key + "boundary", step=12, steps=40, wrong=wrong, n="2,000", right=f"{2000 - wrong:,}",
                     accuracy=accuracy) in said
    assert 0 < wrong < 200

    # mini-batch against full batch: the lower final loss of the two drawn curves, and the gap
    full, mini = (drawn(trace) for trace in chart(at, "compare_loss")["data"])
    if chart(at, "compare_loss")["data"][0]["name"] != translate(lang, "linear.trace_full_batch"):
        full, mini = mini, full
    names = translate(lang, "linear.trace_full_batch"), translate(lang, "linear.trace_mini_batch", batch=128)
    low = int(mini[-1] < full[-1])
    ends = (full[-1], mini[-1])
    gap = ends[1 - low] - ends[low]
    assert translate(lang, key + "compare", winner=names[low], other=names[1 - low], steps=40,
                     low=f"{ends[low]:.4f}", high=f"{ends[1 - low]:.4f}",
                     diff=f"{gap:.4f}" if gap >= 1e-4 else f"{gap:.3g}") in lowered(said)  # below 1e-4: no "0.0000"

    at.slider(key="step").set_value(0).run()  # the scrubber: the summary follows the step
    said_now = [c.value for c in at.caption]
    w0, b0 = lab.train(spec).state(0)
    wrong0 = int(np.sum((lab.predict(w0, b0, inputs) > 0.5) != targets[:, 0]))
    assert wrong0 != wrong
    assert translate(lang, key + "boundary", step=0, steps=40, wrong=wrong0, n="2,000", right=f"{2000 - wrong0:,}",
                     accuracy=f"{1 - wrong0 / 2000:.4f}") in said_now
    at.slider(key="samples").set_value(500).run()
    assert any(s.startswith("1,000 ") or s.startswith("점 1,000개") for s in (c.value for c in at.caption))


@pytest.mark.parametrize("lang, card, words", [
    ("en", "Loss at step 39", "grew by about {n} orders of magnitude"),
    ("ko", "스텝 39의 손실", "손실의 자릿수가 약 {n}자리 늘었습니다"),
])
def test_a_large_learning_rate_shows_readable_numbers_and_says_how_fast_the_loss_grows(page, lang, card, words):
    at = page("linear", lang, lr="0.2")
    assert not at.exception and not at.error
    run = lab.train(lab.LinearSpec(learning_rate=0.2))  # deterministic: the run the page drew
    first, last = float(run.full_losses[0]), float(run.full_losses[-1])
    assert np.isfinite(last) and last / first > 1e10  # finite, but many powers of ten up
    shown_card = metric(at, card)
    assert re.fullmatch(r"-?\d\.\d{1,2}e\+\d\d", shown_card), shown_card  # scientific, never a cut 20-digit number
    assert float(shown_card) == pytest.approx(float(run.losses[-1]), rel=5e-3)
    warning = "\n".join(w.value for w in at.warning)
    assert f"{last:.3g}" in warning and "5.5895" in warning  # the loss it ended on, readable
    prose = [m.value for m in at.markdown] + [c.value for c in at.caption] + [m.value for m in at.metric]
    # (the printed output is code: as Python prints it)
    assert not re.search(r"\d{7,}\.\d{4}", "\n".join([warning, *prose]))
    n = int(np.round(np.log10(last / first)))  # about 19 powers of ten in 40 steps
    assert words.format(n=n) in warning
    assert "a little higher" not in warning and "조금 더 높은" not in warning


@pytest.mark.parametrize("lang, mild", [("en", "a little higher"), ("ko", "조금 더 높은")])
def test_a_loss_that_barely_grows_is_called_mild(lang, mild):
    from dataclasses import replace

    from lib.lessons.linear import summary

    run = lab.train(lab.LinearSpec(learning_rate=0.15))
    first, last = float(run.full_losses[0]), float(run.full_losses[-1])
    text = summary.growing_warning(lang, run, "0.15", "0.145")
    n = int(np.round(np.log10(last / first)))
    assert n >= 2 and mild not in text  # 5.6 -> 674: two orders of magnitude is not "a little"
    faked = replace(run, full_losses=np.array([5.0, 6.0, 7.5], dtype=np.float32))
    assert mild in summary.growing_warning(lang, faked, "0.15", "0.145")
