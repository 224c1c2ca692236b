"""Progress events of a training job, in an honest unit.

A job reports two kinds of event to its ``Reporter``:

* ``("queued", place)``: waiting for a training slot, ``place`` 1-based;
* ``("progress", Progress(...))``: ``done`` of ``total`` units finished, with the logs
  of the unit that just ended.

The unit is what the job really counts (epochs, epochs summed over several models,
batches): a job that trains three models for five epochs reports 15 epochs, not
"epoch 11 of 5". ``lib.core.ui.train`` draws these events as a progress bar and a
live loss chart; ``lib.core.progress_callback`` turns ``model.fit``'s epochs into them.
No Keras here (the pages' shared modules import this one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Reporter = Callable[[str, object], None]
UNITS = ("epoch", "batch", "step")


@dataclass(frozen=True)
class Progress:
    done: int  # units finished so far, 1-based after the first
    total: int | None  # units in the whole job (None: not known in advance)
    unit: str = "epoch"
    logs: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown progress unit {self.unit!r}")

    @property
    def fraction(self) -> float | None:
        return None if not self.total else min(1.0, self.done / self.total)


def report_progress(report: Reporter | None, done: int, total: int | None, logs: dict | None = None,
                    unit: str = "epoch") -> None:
    """Send one progress event (nothing without a reporter)."""
    if report is not None:
        report("progress", Progress(done, total, unit, {k: float(v) for k, v in (logs or {}).items()}))


def part(report: Reporter | None, offset: int, total: int, prefix: str = "") -> Reporter | None:
    """A reporter for one part of a longer job: ``done`` shifted by ``offset`` out of ``total``.

    A job that trains several models gives each a ``part`` so the bar runs once, from
    0 to the whole job's units; ``prefix`` names the part's logs (e.g. ``"relu "``).
    """
    if report is None:
        return None

    def relay(kind: str, payload: object) -> None:
        if kind == "progress" and isinstance(payload, Progress):
            logs = {f"{prefix}{k}": v for k, v in payload.logs.items()}
            report(kind, Progress(offset + payload.done, total, payload.unit, logs))
        else:
            report(kind, payload)

    return relay


def live_row(progress: Progress, names: dict[str, str]) -> dict[str, float]:
    """One point of the live loss chart: the finite losses of ``progress``, named for the learner.

    ``names`` maps ``"loss"``/``"val_loss"`` (Keras's log keys) to the learner's words;
    a part's prefix (``"relu loss"``) stays in front. Points sit at ``progress.done``,
    so the chart counts units from 1, as the finished charts do.
    """
    row = {}
    for key, value in progress.logs.items():
        prefix, _, metric = key.rpartition(" ")
        if metric in names and value == value and abs(value) != float("inf"):
            row[f"{prefix} · {names[metric]}" if prefix else names[metric]] = value
    return row


LIVE_CHART_HEIGHT = 300  # px of the live loss chart: Streamlit fits plot, axes and legend into it
LEGEND_PAIR_WIDTH = 20  # the longest label (in Latin letters; a Hangul syllable counts two) that fits two a row


def _text_width(text: str) -> int:
    return sum(2 if "\u1100" <= ch else 1 for ch in text)


def live_chart_spec(points: list[dict[str, float]], unit: str, y_title: str) -> dict:
    """A Vega-Lite spec of the live loss chart: one line per series, ``unit`` on the x axis.

    ``points`` are ``{"unit": done, series: value, ...}`` rows (``live_row`` plus the x).
    Written by hand: Streamlit's ``line_chart`` goes through Altair, about 50 ms per
    redraw, which the page pays many times while a run trains.
    """
    from lib.core.charts import TRAIN, VAL  # the colours of every finished history chart (plotly only here)
    from lib.core.figure_style import PALETTE

    values = [{"x": p["unit"], "series": name, "y": value}
              for p in points for name, value in p.items() if name != "unit"]
    # Series in the order they come (training, then validation), coloured like the finished charts.
    colours = [TRAIN, VAL, *(c for c in PALETTE if c not in (TRAIN, VAL))]
    # The plot has its own height (the element takes the chart's, legend included): a fixed element
    # height squeezed the plot into a strip above a legend far below. The legend sits on top: two
    # entries a row while two fit a 420 px phone beside the y axis, else one a row (never cut).
    names = list(dict.fromkeys(v["series"] for v in values))
    columns = 2 if max((_text_width(name) for name in names), default=0) <= LEGEND_PAIR_WIDTH else 1
    return {
        "data": {"values": values},
        "height": LIVE_CHART_HEIGHT,
        "mark": {"type": "line", "point": len(points) <= 30},
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "title": unit, "axis": {"tickMinStep": 1}},
            "y": {"field": "y", "type": "quantitative", "title": y_title, "scale": {"zero": False}},
            "color": {"field": "series", "type": "nominal", "title": None, "sort": None, "scale": {"range": colours},
                      "legend": {"orient": "top", "direction": "horizontal", "columns": columns, "labelLimit": 0,
                                 "columnPadding": 16, "offset": 6}},
            "strokeDash": {"field": "series", "type": "nominal", "legend": None, "sort": None},
        },
    }


class HistoryView:
    """``epochs_run`` and ``final`` for a result that keeps a Keras-style ``history``
    (``{"loss": [...], "val_loss": [...]}``); mixed into the lessons' result dataclasses."""

    history: dict[str, list[float]]

    @property
    def epochs_run(self) -> int:
        return len(self.history.get("loss", []))

    @property
    def final(self) -> dict[str, float]:
        return {k: v[-1] for k, v in self.history.items() if v}
