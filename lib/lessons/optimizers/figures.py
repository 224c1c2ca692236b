"""Figures for the optimizers page. Numbers in, ``go.Figure`` out; every word is passed in as a label."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lib.core.figure_style import BOX_INK, GRID, NEUTRAL, PALETTE, base

# One colour, dash and marker per optimizer, the same in every figure of the page: six lines on one axis
# stay apart for a colour-blind reader too.
COLOURS = {
    "sgd": NEUTRAL,
    "momentum": PALETTE[0],
    "nesterov": PALETTE[3],
    "adagrad": PALETTE[2],
    "rmsprop": PALETTE[5],
    "adam": PALETTE[1],
}
DASH = {"sgd": "dot", "momentum": "dash", "nesterov": "dashdot", "adagrad": "longdash", "rmsprop": "longdashdot",
        "adam": "solid"}
SYMBOL = {"sgd": "circle", "momentum": "diamond", "nesterov": "square", "adagrad": "triangle-up",
          "rmsprop": "triangle-down", "adam": "hexagon"}
# The three learning rates of the comparison: too small, right, too large.
RATE_COLOURS = (NEUTRAL, PALETTE[2], PALETTE[3])
RATE_DASHES = ("dot", "solid", "dash")
RATE_SYMBOLS = ("circle", "diamond", "square")
COORD_COLOURS = (PALETTE[1], PALETTE[0])  # x, y
COORD_DASHES = ("solid", "dash")
LOSS_FLOOR = 1e-12  # an exact 0 drawn on a log axis
SURFACE_SCALE = [[0.0, "#fbfcfd"], [0.4, "#e3eaf2"], [0.75, "#c3d0de"], [1.0, "#9fb1c5"]]  # pale blue-greys


def _clip(points: np.ndarray, x_range: tuple[float, float], y_range: tuple[float, float]) -> np.ndarray:
    """Keep far-away points drawable: a path that left the window is clipped to a wide margin around it."""
    (x0, x1), (y0, y1) = x_range, y_range
    mx, my = x1 - x0, y1 - y0
    return np.column_stack((np.clip(points[:, 0], x0 - mx, x1 + mx), np.clip(points[:, 1], y0 - my, y1 + my)))


def surface_figure(xs: np.ndarray, ys: np.ndarray, zs: np.ndarray, paths: Sequence[Mapping], minima: Sequence,
                   at_step: int, labels: Mapping[str, str], height: int = 540) -> go.Figure:
    """Contours of log10(f) with each optimizer's path and a dot where it is after ``at_step`` steps.

    ``paths``: dicts with ``key`` (optimizer), ``label`` and ``positions`` (k+1, 2); a path that
    stopped early (blew up) keeps its dot at its last finite point. ``labels`` keys: x, y, start, minimum, step.
    """
    x_range = (float(xs[0]), float(xs[-1]))
    y_range = (float(ys[0]), float(ys[-1]))
    logz = np.log10(np.maximum(zs, 1e-12))
    lo, hi = np.percentile(logz, [1, 99])  # the flat bottom and the steep corners would eat the colour range
    fig = go.Figure(go.Contour(
        x=xs, y=ys, z=logz, colorscale=SURFACE_SCALE, zmin=lo, zmax=hi, ncontours=26, showscale=False,
        hoverinfo="skip", contours=dict(coloring="heatmap", showlines=True),
        line=dict(width=0.7, color="rgba(60,70,90,0.28)"),
    ))
    drawn = [dict(p, shown=_clip(np.asarray(p["positions"], float), x_range, y_range)) for p in paths]
    for p in drawn:
        pts = p["shown"]
        fig.add_trace(go.Scatter(
            x=pts[:, 0], y=pts[:, 1], mode="lines", name=p["label"], legendgroup=p["key"],
            line=dict(color=COLOURS[p["key"]], width=2.5, dash=DASH[p["key"]]), opacity=0.9,
            customdata=np.arange(len(pts)),
            hovertemplate=f"{p['label']}<br>{labels['step']} %{{customdata}}: (%{{x:.3f}}, %{{y:.3f}})<extra></extra>",
        ))
    for p in drawn:
        k = min(at_step, len(p["shown"]) - 1)
        fig.add_trace(go.Scatter(x=[p["shown"][k, 0]], y=[p["shown"][k, 1]], mode="markers", showlegend=False,
                                 legendgroup=p["key"],
                                 hovertemplate=f"{p['label']}: {labels['step']} {k}<extra></extra>",
                                 marker=dict(size=13, color=COLOURS[p["key"]], symbol=SYMBOL[p["key"]],
                                             line=dict(width=1.5, color="white"))))
    if drawn:
        start = drawn[0]["shown"][0]
        fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers", name=labels["start"],
                                 marker=dict(symbol="circle-open", size=16, color=BOX_INK, line=dict(width=2.5)),
                                 hoverinfo="name"))
    fig.add_trace(go.Scatter(x=[m[0] for m in minima], y=[m[1] for m in minima], mode="markers",
                             name=labels["minimum"], marker=dict(symbol="star", size=16, color="white",
                                                                 line=dict(width=1.5, color=BOX_INK)),
                             hoverinfo="name"))
    base(fig, height=height)
    fig.update_layout(legend=dict(y=1.01))
    fig.update_xaxes(range=list(x_range), title_text=labels["x"], showgrid=False, zeroline=False)
    fig.update_yaxes(range=list(y_range), title_text=labels["y"], showgrid=False, zeroline=False)
    return fig


def loss_steps_figure(series: Sequence[Mapping], labels: Mapping[str, str], at_step: int | None = None,
                      height: int = 540) -> go.Figure:
    """Loss per step on a log axis, one line per optimizer; a cross where a run blew up.

    ``series``: dicts with ``key``, ``label``, ``losses`` and ``diverged`` (bool). ``labels``: x, y, diverged.
    ``at_step`` draws a dotted line where the replay dots are.
    """
    fig = go.Figure()
    if at_step is not None:
        fig.add_vline(x=at_step, line=dict(color=NEUTRAL, width=1.5, dash="dot"))
    for s in series:
        losses = np.maximum(np.asarray(s["losses"], float), LOSS_FLOOR)
        fig.add_trace(go.Scatter(
            x=np.arange(len(losses)), y=losses, mode="lines", name=s["label"], legendgroup=s["key"],
            line=dict(color=COLOURS[s["key"]], width=2.2, dash=DASH[s["key"]]),
            hovertemplate=f"{s['label']}<br>{labels['x']} %{{x}}<br>%{{y:.3e}}<extra></extra>",
        ))
        if s["diverged"]:
            fig.add_trace(go.Scatter(x=[len(losses) - 1], y=[losses[-1]], mode="markers+text", showlegend=False,
                                     marker=dict(symbol="x", size=12, color=COLOURS[s["key"]]),
                                     text=[labels["diverged"]], textposition="top center", hoverinfo="skip"))
    base(fig, height=height)
    fig.update_xaxes(title_text=labels["x"], gridcolor=GRID)
    fig.update_yaxes(title_text=labels["y"], type="log", exponentformat="power", dtick=1, gridcolor=GRID)
    return fig


def inside_figure(steps: np.ndarray, panels: Sequence[Mapping], labels: Mapping[str, str],
                  height_per_panel: int = 170) -> go.Figure:
    """Stacked panels over the steps, each with the x and the y coordinate of one quantity.

    ``panels``: dicts with ``title``, ``values`` (k, 2) and ``log`` (bool). ``labels``: step, x, y.
    """
    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[p["title"] for p in panels])
    for row, panel in enumerate(panels, start=1):
        values = np.asarray(panel["values"], float)
        for j, (coord, colour, dash) in enumerate(zip((labels["x"], labels["y"]), COORD_COLOURS, COORD_DASHES,
                                                      strict=True)):
            y = values[:, j] if values.size else values
            if panel["log"]:
                y = np.maximum(np.abs(y), LOSS_FLOOR)
            fig.add_trace(go.Scatter(x=steps, y=y, mode="lines", name=coord, legendgroup=coord,
                                     showlegend=row == 1, line=dict(color=colour, width=2, dash=dash),
                                     hovertemplate=f"{coord}: %{{y:.4g}}<extra></extra>"), row=row, col=1)
        if panel["log"]:
            fig.update_yaxes(type="log", exponentformat="power", dtick=1, row=row, col=1)
    base(fig, height=80 + height_per_panel * len(panels))
    fig.update_layout(hovermode="x unified", margin=dict(l=60, r=20, t=60, b=45))
    fig.update_annotations(font=dict(size=13))
    fig.update_xaxes(gridcolor=GRID)
    fig.update_yaxes(gridcolor=GRID, zeroline=True, zerolinecolor="#ced4da")
    fig.update_xaxes(title_text=labels["step"], row=len(panels), col=1)
    return fig


def race_figure(histories: Sequence[Mapping], labels: Mapping[str, str], height: int = 620) -> go.Figure:
    """Train and validation loss and accuracy per epoch, one colour per optimizer.

    ``histories``: dicts with ``key``, ``label``, ``history`` (Keras-style dict). ``labels``: loss, val_loss,
    accuracy, val_accuracy, epoch.
    """
    panels = (("loss", 1, 1), ("val_loss", 1, 2), ("accuracy", 2, 1), ("val_accuracy", 2, 2))
    fig = make_subplots(rows=2, cols=2, shared_xaxes=True, vertical_spacing=0.12, horizontal_spacing=0.08,
                        subplot_titles=[labels[name] for name, _, _ in panels])
    for h in histories:
        for i, (name, row, col) in enumerate(panels):
            values = np.asarray(h["history"].get(name, []), float)
            epochs = np.arange(1, len(values) + 1)
            fig.add_trace(go.Scatter(
                x=epochs, y=np.where(np.isfinite(values), values, np.nan), mode="lines", name=h["label"],
                legendgroup=h["key"], showlegend=i == 0,
                line=dict(color=COLOURS[h["key"]], width=2.2, dash=DASH[h["key"]]),
                hovertemplate=f"{h['label']}<br>{labels['epoch']} %{{x}}: %{{y:.4f}}<extra></extra>",
            ), row=row, col=col)
    base(fig, height=height)
    fig.update_layout(margin=dict(l=55, r=20, t=95, b=45), legend=dict(y=1.09))  # above the subplot titles
    fig.update_annotations(font=dict(size=13))
    fig.update_xaxes(gridcolor=GRID)
    fig.update_yaxes(gridcolor=GRID)
    fig.update_yaxes(type="log", exponentformat="power", row=1)
    for col in (1, 2):
        fig.update_xaxes(title_text=labels["epoch"], row=2, col=col)
    return fig


def rates_figure(runs: Sequence[Mapping], labels: Mapping[str, str], height: int = 400) -> go.Figure:
    """Training and validation loss per epoch for the three learning rates (log axis).

    ``runs``: dicts with ``label``, ``history`` and ``stopped`` (epoch where TerminateOnNaN ended it, or None).
    ``labels``: loss, val_loss, epoch, stopped. A run that exploded would flatten the others against the
    bottom of the axis, so the axis stops three decades above the runs that did not, and the exploding
    line leaves through the top with its cross pinned to the edge.
    """
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08, subplot_titles=[labels["loss"], labels["val_loss"]])
    calm = [v for run in runs if run["stopped"] is None for name in ("loss", "val_loss")
            for v in run["history"].get(name, []) if np.isfinite(v) and v > 0]
    every = [v for run in runs for name in ("loss", "val_loss") for v in run["history"].get(name, [])
             if np.isfinite(v) and v > 0]
    firsts = [v for run in runs if run["stopped"] is not None for v in run["history"].get("loss", [])[:1]
              if np.isfinite(v) and v > 0]
    low = min(every, default=1e-3)
    if calm and firsts:  # show where the exploding run started, then let it leave through the top
        top = max(max(calm) * 1e3, max(firsts) * 30)
    else:
        top = max(every, default=1.0) * 2
    for i, run in enumerate(runs):
        colour, dash, symbol = (RATE_COLOURS[i % len(RATE_COLOURS)], RATE_DASHES[i % len(RATE_DASHES)],
                                RATE_SYMBOLS[i % len(RATE_SYMBOLS)])
        for col, name in ((1, "loss"), (2, "val_loss")):
            values = np.asarray(run["history"].get(name, []), float)
            finite = np.isfinite(values)
            epochs = np.arange(1, len(values) + 1)
            fig.add_trace(go.Scatter(
                x=epochs[finite], y=values[finite], mode="lines+markers", name=run["label"], legendgroup=run["label"],
                showlegend=col == 1, line=dict(color=colour, width=2.2, dash=dash), marker=dict(size=6, symbol=symbol),
                hovertemplate=f"{run['label']}<br>{labels['epoch']} %{{x}}: %{{y:.4g}}<extra></extra>",
            ), row=1, col=col)
            if run["stopped"] is not None:
                last = int(np.flatnonzero(finite)[-1]) if finite.any() else 0
                fig.add_trace(go.Scatter(x=[epochs[last] if len(epochs) else 1], y=[top / 1.6], mode="markers+text",
                                         showlegend=False, marker=dict(symbol="x", size=13, color=colour),
                                         text=[labels["stopped"]], textposition="middle right",
                                         hoverinfo="skip"), row=1, col=col)
    base(fig, height=height)
    fig.update_layout(margin=dict(l=55, r=20, t=95, b=45), legend=dict(y=1.14))  # above the subplot titles
    fig.update_annotations(font=dict(size=13))
    fig.update_xaxes(title_text=labels["epoch"], gridcolor=GRID)
    span = np.log10(top) - np.log10(low) + 0.2
    fig.update_yaxes(type="log", exponentformat="power", gridcolor=GRID, dtick=max(1, int(np.ceil(span / 8))),
                     range=[np.log10(low) - 0.2, np.log10(top)])
    return fig
