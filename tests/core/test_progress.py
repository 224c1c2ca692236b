"""The live loss chart's points (``lib.core.progress.live_row``): counted from 1, named in the learner's words."""

from __future__ import annotations

import math

from lib.core.i18n import translate
from lib.core.progress import Progress, live_row


def _names(lang: str) -> dict[str, str]:
    return {"loss": translate(lang, "common.live_train"), "val_loss": translate(lang, "common.live_val")}


def test_points_sit_at_the_unit_just_finished_and_keep_only_finite_losses():
    row = live_row(Progress(1, 5, "epoch", {"loss": 0.7, "val_loss": math.nan, "accuracy": 0.5}), _names("en"))
    assert row == {"training loss": 0.7}


def test_korean_names_and_parts_keep_their_prefix():
    row = live_row(Progress(7, 15, "epoch", {"relu loss": 0.3, "relu val_loss": 0.4}), _names("ko"))
    assert row == {"relu · 학습 손실": 0.3, "relu · 검증 손실": 0.4}
    assert not any("loss" in name.split(" · ")[-1] for name in row)


def test_the_live_chart_spec_has_one_line_per_series_at_the_units_done():
    from lib.core.progress import live_chart_spec

    rows = [{"unit": 1, "training loss": 0.9, "validation loss": 1.0}, {"unit": 2, "training loss": 0.5}]
    spec = live_chart_spec(rows, "epoch", "loss")
    assert spec["data"]["values"] == [
        {"x": 1, "series": "training loss", "y": 0.9}, {"x": 1, "series": "validation loss", "y": 1.0},
        {"x": 2, "series": "training loss", "y": 0.5}]
    assert spec["encoding"]["x"]["title"] == "epoch" and spec["encoding"]["y"]["title"] == "loss"
    assert spec["encoding"]["strokeDash"]["field"] == "series"  # lines differ by dash too, not colour alone
    from lib.core.charts import TRAIN, VAL

    # In the order the series come (training first, in Korean too, where "검증" sorts before "학습"),
    # coloured as the finished history charts colour them.
    assert spec["encoding"]["color"]["sort"] is None and spec["encoding"]["color"]["scale"]["range"][:2] == [TRAIN, VAL]


def test_the_live_chart_is_a_chart_not_a_strip():
    """The plot has its own height and the legend sits on top, two entries a row (it was a
    thin strip with its legend far below: the element's fixed height held plot and legend)."""
    from lib.core.progress import LIVE_CHART_HEIGHT, live_chart_spec

    rows = [{"unit": 1, **{f"run {k} · training loss": 0.9 for k in range(4)}}]
    spec = live_chart_spec(rows, "epoch", "loss")
    assert spec["height"] == LIVE_CHART_HEIGHT >= 160
    legend = spec["encoding"]["color"]["legend"]
    assert legend["orient"] == "top" and legend["labelLimit"] == 0  # never cut
    assert legend["columns"] == 1  # "run 0 · training loss": two a row ran past a 420 px screen
    short = live_chart_spec([{"unit": 1, "training loss": 0.9, "validation loss": 1.0}], "epoch", "loss")
    assert short["encoding"]["color"]["legend"]["columns"] == 2
    korean = live_chart_spec([{"unit": 1, "relu · 학습 손실": 0.9, "relu · 검증 손실": 1.0}], "에포크", "손실")
    assert korean["encoding"]["color"]["legend"]["columns"] == 2
