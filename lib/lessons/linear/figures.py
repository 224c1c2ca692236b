"""Figures for the linear-classifier page. Numbers in, ``go.Figure`` out; labels are passed in.

Speed: a slider move redraws six figures, and validating plotly's template costs
about 20 ms per figure. The course style (``style.base``) is therefore applied once
per height to an empty figure and reused as a plain layout dict, and the figures
are assembled without a second validation of that known-good layout.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from lib.core.figure_style import NEG, NEG_SYMBOL, NEUTRAL, PALETTE, POS, POS_SYMBOL, base, rgba
from lib.lessons.linear.lab import Boundary, boundary

LINE_COLOUR = PALETTE[2]  # the boundary: a third colour, apart from both classes (the course's "-r" red is a class's)
# Drawing order of the series styles: a dashed comparison line goes on top of the wide main line, which
# is drawn a little transparent, so two runs that end up close (full batch and mini-batch) both stay
# visible. The legend keeps the order the page gives.
_LAYER = {"thin": 0, "main": 1, "dashed": 2}
REGION_COLOUR = rgba(POS, 0.13)  # POS, light: "the model says class 1 here"


@functools.lru_cache(maxsize=16)
def _layout_json(height: int) -> str:
    return json.dumps(base(go.Figure(), height=height).layout.to_plotly_json())


def _styled(traces: Sequence, height: int, title: str | None = None, frames: list | None = None) -> go.Figure:
    """``base(go.Figure(traces), title, height)`` without re-validating the template each time."""
    layout = json.loads(_layout_json(height))
    if title:  # what base() sets for a title
        layout["title"] = dict(text=title, x=0.01, font=dict(size=15))
        layout["margin"]["t"] = 50
    return go.Figure(data=list(traces), layout=layout, frames=frames or [], _validate=False)


def _finite_or_none(values: Sequence[float]) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in values]


def _class_traces(inputs: np.ndarray, targets: np.ndarray, labels: dict[str, str]) -> list[go.Scatter]:
    y = np.asarray(targets).ravel()
    traces = []
    for cls, colour, symbol, name in ((0, NEG, NEG_SYMBOL, labels["neg"]), (1, POS, POS_SYMBOL, labels["pos"])):
        pts = inputs[y == cls]
        # Small, translucent markers: 10000 points stay readable and fast (SVG is fine at this size).
        # The classes differ in shape too (circle / x), not in colour alone.
        traces.append(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=name,
                                 marker=dict(size=6, color=colour, symbol=symbol, opacity=0.55, line=dict(width=0)),
                                 hovertemplate="(%{x:.2f}, %{y:.2f})<extra>" + name + "</extra>"))
    return traces


def _square_axes(fig: go.Figure, box: tuple[float, float, float, float], labels: dict[str, str]) -> None:
    """Equal units on both axes, so the boundary's angle is the true angle."""
    fig.update_xaxes(range=[box[0], box[1]], title_text=labels["x"], zeroline=True, zerolinecolor="#dee2e6",
                     constrain="domain")
    fig.update_yaxes(range=[box[2], box[3]], title_text=labels["y"], zeroline=True, zerolinecolor="#dee2e6",
                     scaleanchor="x", scaleratio=1, constrain="domain")


def data_figure(inputs: np.ndarray, targets: np.ndarray, box: tuple[float, float, float, float],
                labels: dict[str, str], height: int = 440) -> go.Figure:
    """The two classes as a scatter plot. ``labels`` keys: neg, pos, x, y."""
    fig = _styled(_class_traces(inputs, targets, labels), height)
    _square_axes(fig, box, labels)
    return fig


def _region_xy(bd: Boundary) -> tuple[list[float], list[float]]:
    if bd.positive.size == 0:
        return [], []
    closed = np.vstack([bd.positive, bd.positive[:1]])
    return closed[:, 0].tolist(), closed[:, 1].tolist()


def _line_xy(bd: Boundary) -> tuple[list[float], list[float]]:
    if bd.segment is None:
        return [], []
    return bd.segment[:, 0].tolist(), bd.segment[:, 1].tolist()


def boundary_figure(inputs: np.ndarray, targets: np.ndarray, w: np.ndarray, b: np.ndarray, step: int,
                    box: tuple[float, float, float, float], labels: dict[str, str],
                    height: int = 520) -> go.Figure:
    """The data, the side the model calls class 1 (shaded) and the 0.5 line after ``step`` steps.

    ``w`` (states, 2) and ``b`` (states,) are every state of the run; they become animation
    frames, so the play button moves the line through training without a round trip.
    ``labels`` keys: neg, pos, x, y, line, region, play, frame.
    """
    states = [boundary(w[k], b[k], box) for k in range(len(b))]
    step = min(max(int(step), 0), len(b) - 1)
    rx, ry = _region_xy(states[step])
    lx, ly = _line_xy(states[step])
    region = go.Scatter(x=rx, y=ry, fill="toself", fillcolor=REGION_COLOUR, mode="lines", line=dict(width=0),
                        name=labels["region"], hoverinfo="skip")
    line = go.Scatter(x=lx, y=ly, mode="lines", name=labels["line"], line=dict(color=LINE_COLOUR, width=3),
                      hovertemplate="(%{x:.2f}, %{y:.2f})<extra>" + labels["line"] + "</extra>")
    frames = []
    for k, bd in enumerate(states):  # plain dicts: only the shaded side and the line move
        fx, fy = _region_xy(bd)
        gx, gy = _line_xy(bd)
        frames.append(dict(name=str(k), traces=[0, 3],
                           data=[dict(type="scatter", x=fx, y=fy), dict(type="scatter", x=gx, y=gy)],
                           layout=dict(title=dict(text=labels["frame"].format(step=k), x=0.01, font=dict(size=15)))))
    fig = _styled([region, *_class_traces(inputs, targets, labels), line], height,
                  title=labels["frame"].format(step=step), frames=frames)
    _square_axes(fig, box, labels)
    fig.update_layout(
        legend=dict(orientation="h", yanchor="top", y=-0.14, x=0),
        margin=dict(b=90),
        updatemenus=[dict(
            type="buttons", showactive=False, x=1.0, xanchor="right", y=1.02, yanchor="bottom",
            buttons=[dict(label=labels["play"], method="animate",
                          args=[None, dict(frame=dict(duration=120, redraw=False), transition=dict(duration=0),
                                           fromcurrent=False, mode="immediate")])],
        )],
    )
    return fig


def _drawing_order(series: Sequence[tuple[str, Sequence[float], str]]) -> list[tuple[int, tuple]]:
    """(legend rank, series) in drawing order: thin lines first, then the main line, dashed ones on top."""
    ranked = [(1000 + i, s) for i, s in enumerate(series)]
    return sorted(ranked, key=lambda item: _LAYER.get(item[1][2], 1))


def loss_figure(series: Sequence[tuple[str, Sequence[float], str]], labels: dict[str, str],
                height: int = 340) -> go.Figure:
    """Loss per step; ``series`` is (name, values, style) with style "main", "thin" or "dashed".

    The loss falls by two decades in the course's 40 steps and grows by dozens when training
    diverges, so the axis is logarithmic whenever the values span more than two decades,
    with plain tick labels (0.02, 0.05, 0.1, …) up to three decades and one per decade beyond.
    ``labels`` keys: x, y.
    """
    styles = {
        "main": dict(color=PALETTE[0], width=3),
        "thin": dict(color=NEUTRAL, width=1.5, dash="dot"),
        "dashed": dict(color=PALETTE[1], width=2.5, dash="dash"),
    }
    symbols = {"main": "circle", "thin": "circle", "dashed": "diamond"}
    fig = _styled([], height)
    finite: list[float] = []
    for rank, (name, values, style) in _drawing_order(series):
        values = np.asarray(values, dtype=np.float64)
        finite += [float(v) for v in values if np.isfinite(v) and v > 0]
        fig.add_trace(go.Scatter(x=np.arange(len(values)), y=_finite_or_none(values), mode="lines+markers",
                                 name=name, line=styles[style], marker=dict(size=4, symbol=symbols[style]),
                                 legendrank=rank,
                                 opacity=0.8 if style == "main" and len(series) > 1 else 1.0,
                                 hovertemplate=labels["x"] + " %{x}: %{y:.4g}<extra>" + name + "</extra>"))
    log = bool(finite) and max(finite) / min(finite) > 100
    fig.update_xaxes(title_text=labels["x"], rangemode="tozero")
    fig.update_yaxes(title_text=labels["y"], type="log" if log else "linear", exponentformat="power")
    if log and max(finite) / min(finite) < 1e3:
        ticks = _log_ticks(min(finite), max(finite))
        fig.update_yaxes(tickvals=ticks, ticktext=[f"{v:g}" for v in ticks])
    elif log:
        fig.update_yaxes(dtick=1)  # one label per decade: 1, 10, 100, 10³, …
    return fig


def _log_ticks(lo: float, hi: float) -> list[float]:
    """1, 2, 5 × 10^k between lo and hi, a little beyond both ends."""
    first, last = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
    ticks = [m * 10.0**k for k in range(first, last + 1) for m in (1, 2, 5)]
    return [float(f"{v:.12g}") for v in ticks if lo / 2.5 <= v <= hi * 2.5]


def accuracy_figure(series: Sequence[tuple[str, Sequence[float], str]], labels: dict[str, str],
                    height: int = 340) -> go.Figure:
    """Accuracy on all points (threshold 0.5) for every state. ``labels`` keys: x, y."""
    fig = _styled([], height)
    colours = {"main": PALETTE[2], "dashed": PALETTE[1], "thin": NEUTRAL}
    dashes = {"main": "solid", "dashed": "dash", "thin": "dot"}
    for rank, (name, values, style) in _drawing_order(series):
        fig.add_trace(go.Scatter(x=np.arange(len(values)), y=_finite_or_none(values), mode="lines+markers",
                                 name=name, legendrank=rank,
                                 marker=dict(size=4, symbol="diamond" if style == "dashed" else "circle"),
                                 opacity=0.8 if style == "main" and len(series) > 1 else 1.0,
                                 line=dict(color=colours.get(style, PALETTE[2]), width=3 if style == "main" else 2.5,
                                           dash=dashes.get(style, "solid")),
                                 hovertemplate=labels["x"] + " %{x}: %{y:.4f}<extra>" + name + "</extra>"))
    fig.update_xaxes(title_text=labels["x"], rangemode="tozero")
    fig.update_yaxes(title_text=labels["y"], range=[0, 1.03], tickformat=".0%")
    return fig
