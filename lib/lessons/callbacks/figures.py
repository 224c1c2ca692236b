"""Figures of the callbacks lesson: pure functions from numbers (and translated labels) to plotly figures.

Epochs are drawn from 1, as Keras prints them. Non-finite values (a run that
blew up) become gaps instead of breaking the chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from lib.core.figure_style import GRID, LABEL_BG, NEUTRAL, PALETTE, base

TRAIN, VAL = PALETTE[1], PALETTE[0]
TRAIN_DASH, VAL_DASH = "solid", "dash"  # training and validation differ in dash as well as colour
GOOD, BAD, MUTED = PALETTE[2], PALETTE[3], NEUTRAL


def _finite(values: Sequence[float]) -> list[float | None]:
    return [float(v) if v is not None and math.isfinite(v) else None for v in values]


def _epochs(n: int) -> list[int]:
    return list(range(1, n + 1))


def _pair(history: dict, key: str, labels: dict, axes: str = "", legend: bool = True) -> list[go.Scatter]:
    """Training (blue, solid) and validation (vermillion, dashed) curves of one metric; the axis title names it."""
    traces = []
    for name, colour, dash, group in ((key, TRAIN, TRAIN_DASH, "train"), (f"val_{key}", VAL, VAL_DASH, "validation")):
        values = history.get(name, [])
        traces.append(go.Scatter(x=_epochs(len(values)), y=_finite(values), name=labels[group], mode="lines",
                                 line=dict(color=colour, width=2, dash=dash), legendgroup=group, showlegend=legend,
                                 xaxis=f"x{axes}", yaxis=f"y{axes}",
                                 hovertemplate=f"{labels.get(name, name)} %{{y:.4f}}<extra></extra>"))
    return traces


def _vline(x: float, colour: str, axes: str, dash: str = "dash", width: int = 2) -> dict:
    return dict(type="line", x0=x, x1=x, y0=0, y1=1, xref=f"x{axes}", yref=f"y{axes} domain",
                line=dict(color=colour, width=width, dash=dash))


def _band(x0: float, x1: float, colour: str, opacity: float, axes: str) -> dict:
    return dict(type="rect", x0=x0, x1=x1, y0=0, y1=1, xref=f"x{axes}", yref=f"y{axes} domain", fillcolor=colour,
                opacity=opacity, line=dict(width=0), layer="below")


def _note(x: float, y: float, text: str, colour: str, axes: str, **kwargs: object) -> dict:
    """A label in the theme's text colour (readable on light and dark), framed in the colour of what it names."""
    return dict(dict(x=x, y=y, xref=f"x{axes}", yref=f"y{axes} domain", text=text, showarrow=False,
                     font=dict(size=11), bordercolor=colour, borderwidth=1.5, borderpad=2), **kwargs)


def _side_by_side(traces: list, labels: dict, height: int, shapes: list | None = None,
                  notes: list | None = None) -> go.Figure:
    """Loss on the left, accuracy on the right. Laid out by hand: make_subplots costs ~100 ms a chart."""
    fig = go.Figure(data=traces, layout=dict(
        xaxis=dict(domain=[0, 0.455], title=dict(text=labels["epoch"])),
        xaxis2=dict(domain=[0.545, 1], anchor="y2", title=dict(text=labels["epoch"])),
        yaxis=dict(title=dict(text=labels["loss"])),
        yaxis2=dict(anchor="x2", title=dict(text=labels["accuracy"])),
        shapes=shapes or [], annotations=notes or []))
    return base(fig, height=height)


def _single(traces: list, labels: dict, metric: str, height: int, shapes: list | None = None,
            notes: list | None = None) -> go.Figure:
    """One metric on its own axes: two of these side by side in ``st.columns`` stack on a phone."""
    fig = go.Figure(data=traces, layout=dict(
        xaxis=dict(title=dict(text=labels["epoch"])), yaxis=dict(title=dict(text=labels[metric])),
        shapes=shapes or [], annotations=notes or []))
    return base(fig, height=height)


def curves_figure(history: dict, labels: dict, best: int | None = None, stop: int | None = None,
                  warmup: int = 0, height: int = 340, metric: str | None = None) -> go.Figure:
    """Loss and accuracy, training and validation; ``best``/``stop`` are epochs from 1 to mark.

    Between ``best`` and ``stop`` lies the patience window: epochs without improvement.
    ``warmup`` shades the first epochs EarlyStopping ignores (``start_from_epoch``).
    ``metric`` ("loss" or "accuracy") draws that one alone, full width (the page puts the two
    in columns, which a phone stacks); without it both share one figure side by side.
    """
    if metric is not None:
        traces = _pair(history, metric, labels)
        panels = ("",)
    else:
        traces = _pair(history, "loss", labels) + _pair(history, "accuracy", labels, "2", legend=False)
        panels = ("", "2")
    shapes, notes = [], []
    for axes in panels:
        if warmup > 0:
            shapes.append(_band(0.5, warmup + 0.5, MUTED, 0.12, axes))
        if best is not None and stop is not None and stop > best:
            shapes.append(_band(best, stop, BAD, 0.08, axes))
        for epoch, colour, key, dash in ((best, GOOD, "best", "dash"), (stop, BAD, "stop", "dot")):
            if epoch is not None:
                shapes.append(_vline(epoch, colour, axes, dash=dash))
                notes.append(_note(epoch, 1.0, f"{labels[key]} {epoch}", colour, axes, yanchor="top",
                                   xanchor="left" if key == "stop" else "right", bgcolor=LABEL_BG))
    # The warm-up label over the loss, the patience label at the foot of the accuracy (where no curve runs).
    if warmup > 0 and metric in (None, "loss"):
        notes.append(_note((warmup + 1) / 2, 1.0, labels["warmup"], MUTED, "", yanchor="bottom", borderwidth=0))
    if best is not None and stop is not None and stop > best and metric in (None, "accuracy"):
        notes.append(_note((best + stop) / 2, 0.02, f"{labels['patience']} {stop - best}", BAD, panels[-1],
                           yanchor="bottom", borderwidth=0))
    if metric is not None:
        return _single(traces, labels, metric, height, shapes, notes)
    return _side_by_side(traces, labels, height, shapes, notes)


def plateau_figure(history: dict, lr: Sequence[float], monitor: str, labels: dict, height: int = 460) -> go.Figure:
    """The losses on top and, under them, the learning rate each epoch trained with (log scale)."""
    key = monitor.removeprefix("val_")
    traces = _pair(history, key, labels)
    traces.append(go.Scatter(x=_epochs(len(lr)), y=list(lr), name=labels["lr"], mode="lines+markers",
                             line=dict(color=PALETTE[3], width=2, shape="hv"), marker=dict(size=5, symbol="square"),
                             xaxis="x2", yaxis="y2"))
    shapes = [_vline(i + 1, PALETTE[3], axes, dash="dot", width=1)
              for i in range(1, len(lr)) if lr[i] != lr[i - 1] for axes in ("", "2")]
    fig = go.Figure(data=traces, layout=dict(
        xaxis=dict(anchor="y", matches="x2", showticklabels=False),
        xaxis2=dict(anchor="y2", title=dict(text=labels["epoch"])),
        yaxis=dict(domain=[0.42, 1], title=dict(text=labels[key])),
        yaxis2=dict(domain=[0, 0.34], type="log", exponentformat="power", title=dict(text=labels["lr"])),
        shapes=shapes))
    return base(fig, height=height)


def checkpoint_figure(history: dict, monitor: str, saved: Sequence[tuple], picked: int | None,
                      labels: dict, height: int = 320) -> go.Figure:
    """The monitored curve with a marker on every epoch whose checkpoint file was written."""
    values = history.get(monitor, [])
    fig = go.Figure(go.Scatter(x=_epochs(len(values)), y=_finite(values), name=labels[monitor], mode="lines",
                               line=dict(color=VAL if monitor.startswith("val_") else TRAIN, width=2)))
    fig.add_trace(go.Scatter(x=[c[0] for c in saved], y=_finite([c[1] for c in saved]), name=labels["saved"],
                             mode="markers", marker=dict(symbol="diamond", size=9, color=GOOD,
                                                         line=dict(width=1, color="white")),
                             hovertext=[c[2] for c in saved], hoverinfo="text+y"))
    chosen = [c for c in saved if c[0] == picked]
    if chosen:
        star = dict(symbol="star", size=18, color=PALETTE[4], line=dict(width=1, color=NEUTRAL))
        fig.add_trace(go.Scatter(x=[chosen[0][0]], y=_finite([chosen[0][1]]), name=labels["picked"], mode="markers",
                                 marker=star))
    base(fig, height=height)
    fig.update_xaxes(title_text=labels["epoch"])
    fig.update_yaxes(title_text=labels[monitor])
    return fig


def board_figure(scalars: dict, history: dict, labels: dict, height: int = 340, metric: str | None = None) -> go.Figure:
    """Scalars read back from the event files (markers) over the history fit returned (lines).

    ``metric`` ("loss" or "accuracy") draws that one alone, as ``curves_figure`` does.
    """
    traces = []
    panels = (("", metric),) if metric is not None else (("", "loss"), ("2", "accuracy"))
    for axes, key in panels:
        traces += _pair(history, key, labels, axes, legend=not axes)
        for run, colour, symbol, name in (("train", TRAIN, "circle-open", labels["from_train"]),
                                          ("validation", VAL, "diamond-open", labels["from_val"])):
            steps, values = scalars.get(run, {}).get(f"epoch_{key}", (np.array([]), np.array([])))
            traces.append(go.Scatter(x=[int(s) + 1 for s in steps], y=_finite(values), name=name, mode="markers",
                                     marker=dict(color=colour, size=8, symbol=symbol, line=dict(width=2)),
                                     legendgroup=f"tb_{run}", showlegend=not axes, xaxis=f"x{axes}",
                                     yaxis=f"y{axes}"))
    if metric is not None:
        return _single(traces, labels, metric, height)
    return _side_by_side(traces, labels, height)


def histogram_figure(steps: Sequence[int], hists: Sequence[np.ndarray], labels: dict, bins: int = 60,
                     height: int = 300) -> go.Figure:
    """TensorBoard's histogram tab as a heatmap: how the weights' distribution moves, epoch by epoch."""
    rows = [h for h in hists if h.size]
    lo = min((float(h[:, 0].min()) for h in rows), default=-1.0)
    hi = max((float(h[:, 1].max()) for h in rows), default=1.0)
    edges = np.linspace(lo, hi, bins + 1)
    grid = np.zeros((bins, len(hists)))
    for i, h in enumerate(hists):
        if h.size:  # re-bin each epoch's buckets onto one common grid by their centres
            grid[:, i], _ = np.histogram((h[:, 0] + h[:, 1]) / 2, bins=edges, weights=h[:, 2])
    fig = go.Figure(go.Heatmap(x=[int(s) + 1 for s in steps], y=(edges[:-1] + edges[1:]) / 2, z=grid,
                               colorscale="Viridis", colorbar=dict(title=dict(text=labels["count"])),
                               hovertemplate=f"{labels['epoch']} %{{x}}<br>{labels['value']} %{{y:.3f}}"
                                             f"<br>{labels['count']} %{{z:.0f}}<extra></extra>"))
    base(fig, title=labels["title"], height=height)
    fig.update_xaxes(title_text=labels["epoch"])
    fig.update_yaxes(title_text=labels["value"])
    return fig


def progress_figure(updates: Sequence[tuple], steps_per_epoch: int, history: dict, labels: dict,
                    height: int = 320) -> go.Figure:
    """Every update the progress callback sent, at its place in training (epochs, fractional for batches)."""
    xs = [e + 1 if b < 0 else e + (b + 1) / steps_per_epoch for e, b, _ in updates]
    per_batch = any(b >= 0 for _, b, _ in updates)
    fig = go.Figure(go.Scatter(x=xs, y=_finite([u[2] for u in updates]), name=labels["updates"],
                               mode="lines+markers" if per_batch else "markers",
                               line=dict(color=PALETTE[2], width=1), marker=dict(size=4 if per_batch else 8)))
    losses = history.get("loss", [])
    fig.add_trace(go.Scatter(x=_epochs(len(losses)), y=_finite(losses), name=labels["loss"], mode="lines",
                             line=dict(color=TRAIN, width=2, dash="dot")))
    base(fig, height=height)
    fig.update_xaxes(title_text=labels["epoch"])
    fig.update_yaxes(title_text=labels["loss"])
    return fig


EFFECT_STYLE = {
    "saved": ("diamond", GOOD), "not_saved": ("circle-open", MUTED), "improved": ("triangle-up", GOOD),
    "waiting": ("circle", MUTED), "stop": ("x", BAD), "lr_cut": ("triangle-down", PALETTE[1]),
    "cooldown": ("square-open", PALETTE[1]), "wrote": ("square", PALETTE[5]),
}


def events_figure(events: Sequence[tuple], lanes: Sequence[str], effect_names: dict, labels: dict,
                  picked: int | None = None, height: int = 300) -> go.Figure:
    """What each callback did at the end of every epoch, one lane per callback in list order."""
    fig = go.Figure()
    ends = [e for e in events if e[1] == "on_epoch_end" and e[3]]
    epochs = max((e[0] + 1 for e in ends), default=1)
    size = min(10, max(6, 260 // epochs))  # smaller for many epochs, so a phone's width keeps them apart
    for code, (symbol, colour) in EFFECT_STYLE.items():
        mine = [e for e in ends if e[3] == code]
        if not mine:
            continue
        fig.add_trace(go.Scatter(x=[e[0] + 1 for e in mine], y=[e[2] for e in mine], mode="markers",
                                 name=effect_names[code], marker=dict(symbol=symbol, size=size, color=colour,
                                                                      line=dict(width=1, color=colour)),
                                 hovertemplate=f"{labels['epoch']} %{{x}}: {effect_names[code]}<extra></extra>"))
    if picked is not None:
        fig.add_vrect(x0=picked - 0.5, x1=picked + 0.5, fillcolor=PALETTE[4], opacity=0.15, line_width=0)
    base(fig, height=height)
    fig.update_yaxes(categoryorder="array", categoryarray=list(lanes)[::-1], showgrid=True, gridcolor=GRID)
    fig.update_xaxes(title_text=labels["epoch"])
    return fig
