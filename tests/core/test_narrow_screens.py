"""Issue 21's 420 px items, checked on the figures themselves (each was seen on a screenshot)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.lessons.design import figures as design_figures
from lib.lessons.home.figures import EVENTS, LEFT_OF_MARKER_FROM, timeline
from lib.lessons.regression import figures as regression_figures


def test_the_last_timeline_dates_sit_left_of_their_marker():
    fig = timeline([key for _, _, key in EVENTS])
    placed = {text: pos for trace in fig.data for text, pos in zip(trace.text, trace.textposition, strict=True)}
    assert placed["2023-11"] == "middle left"  # on the right it ran past the plot at 420 px
    assert placed["2007-01"] == "middle right"
    assert all((pos == "middle left") == (d >= LEFT_OF_MARKER_FROM) for d, _, _ in EVENTS
               for pos in [placed[d[:7]]])


def test_regression_scatter_titles_take_two_lines():
    frame = pd.DataFrame({"TV": [1.0, 2.0], "radio": [1.0, 3.0], "newspaper": [2.0, 1.0], "sales": [1.0, 2.0]})
    fig = regression_figures.feature_scatter(frame, ("TV", "radio", "newspaper"), ("TV",), "sales",
                                             {"TV": 0.78, "radio": 0.58, "newspaper": 0.23},
                                             {"x": "budget", "y": "sales", "radio": "라디오(radio)"})
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["TV<br>(r = 0.78)", "라디오(radio)<br>(r = 0.58)", "newspaper<br>(r = 0.23)"]


def test_activation_titles_put_their_explanation_on_a_second_line():
    z = np.linspace(-6, 6, 5)
    curves = {"sigmoid": (z, z), "relu": (z, z)}
    labels = {"value": "활성화 함수", "slope": "기울기 (GradientTape로 구한 도함수)", "sigmoid": "시그모이드", "relu": "ReLU"}  # noqa: E501
    titles = [a.text for a in design_figures.activation_figure(z, curves, labels).layout.annotations]
    assert titles == ["활성화 함수", "기울기<br>(GradientTape로 구한 도함수)"]
