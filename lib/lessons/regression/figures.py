"""Figures for the regression page. Numbers in, ``go.Figure`` out; every label is passed in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lib.core.figure_style import NEUTRAL, PALETTE, base

TRAIN_COLOUR, VAL_COLOUR = PALETTE[1], PALETTE[0]
NET_COLOUR, OLS_COLOUR, MUTED = PALETTE[0], PALETTE[1], NEUTRAL


def _finite_or_none(values: Sequence[float]) -> list[float | None]:
    # Plotly cannot draw NaN or inf on a log axis; a gap says "no number here".
    return [float(v) if np.isfinite(v) and v > 0 else None for v in values]


def feature_scatter(frame: pd.DataFrame, features: Sequence[str], selected: Sequence[str], target: str,
                    correlations: Mapping[str, float], labels: Mapping[str, str], height: int = 330) -> go.Figure:
    """One panel per feature against the target; features left out of X are greyed.

    ``labels`` keys: y (target axis title), x (budget axis title); a column's own name (``"radio"``)
    names it on the figure where given (the learner's language), else the column name is shown.
    """
    shown = {name: labels.get(name, name) for name in (*features, target)}
    # name and r on two lines: on one line the three titles ran into each other at 420 px
    titles = [f"{shown[name]}<br>(r = {correlations[name]:.2f})" for name in features]
    fig = make_subplots(rows=1, cols=len(features), shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=titles)
    for col, name in enumerate(features, start=1):
        used = name in selected
        fig.add_trace(go.Scatter(
            x=frame[name], y=frame[target], mode="markers", name=shown[name], showlegend=False,
            marker=dict(size=6, color=PALETTE[(col + 1) % len(PALETTE)] if used else MUTED,
                        opacity=0.75 if used else 0.35),
            hovertemplate=f"{shown[name]} = %{{x}}<br>{shown[target]} = %{{y}}<extra></extra>",
        ), row=1, col=col)
        fig.update_xaxes(title_text=labels["x"], row=1, col=col)
    fig.update_yaxes(title_text=labels["y"], row=1, col=1)
    base(fig, height=height)
    fig.update_layout(margin=dict(t=58))
    fig.update_annotations(font=dict(size=13))
    return fig


def loss_figure(history: Mapping[str, Sequence[float]], labels: Mapping[str, str], log_y: bool = True,
                height: int = 340) -> go.Figure:
    """Training and validation loss per epoch (log scale by default: MSE falls by orders of magnitude).

    ``labels`` keys: loss, val_loss, x, y.
    """
    fig = go.Figure()
    top = max((v for vals in history.values() for v in vals if np.isfinite(v)), default=1.0)
    for key, colour, dash, symbol in (("loss", TRAIN_COLOUR, "solid", "circle"),
                                      ("val_loss", VAL_COLOUR, "dash", "diamond")):
        values = history.get(key, [])
        if not values:
            continue
        epochs = list(range(1, len(values) + 1))
        mode = "lines+markers" if len(values) < 30 else "lines"
        fig.add_trace(go.Scatter(x=epochs, y=_finite_or_none(values), mode=mode,
                                 name=labels[key], line=dict(color=colour, width=2.5, dash=dash),
                                 marker=dict(symbol=symbol, size=7),
                                 hovertemplate=labels["x"] + " %{x}<br>%{y:.4f}<extra></extra>"))
    base(fig, height=height)
    fig.update_xaxes(title_text=labels["x"], rangemode="tozero")
    if log_y:  # one labelled tick per power of ten; the default 2-5 minor labels read like a jumble
        fig.update_yaxes(type="log", dtick=1, exponentformat="none" if top < 1e5 else "power",
                         minor=dict(dtick="D1", showgrid=True))
    fig.update_yaxes(title_text=labels["y"])
    return fig


def prediction_figure(y_true: np.ndarray, network: np.ndarray | None, least_squares: np.ndarray,
                      labels: Mapping[str, str], height: int = 430) -> go.Figure:
    """Predicted against actual for the test set, both models, with the identity line y = x.

    ``network`` is None when training diverged. ``labels`` keys: network, ols, identity, x, y.
    """
    y_true = np.asarray(y_true, dtype=float)
    shown = [np.asarray(least_squares, dtype=float)]
    fig = go.Figure()
    if network is not None:
        net = np.asarray(network, dtype=float)
        shown.append(net)
        fig.add_trace(go.Scatter(x=y_true, y=net, mode="markers", name=labels["network"],
                                 marker=dict(size=9, color=NET_COLOUR, line=dict(width=1, color="white")),
                                 hovertemplate="%{x:.2f} → %{y:.2f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=y_true, y=shown[0], mode="markers", name=labels["ols"],
                             marker=dict(size=8, color=OLS_COLOUR, symbol="diamond-open", line=dict(width=1.5)),
                             hovertemplate="%{x:.2f} → %{y:.2f}<extra></extra>"))
    # The axes cover the labels and least squares; a wildly wrong network may fall off the chart
    # rather than squash every other point into a corner.
    anchor = np.concatenate([y_true, shown[0]])
    lo, hi = float(anchor.min()), float(anchor.max())
    span = hi - lo or 1.0
    if network is not None:
        net = shown[1][np.isfinite(shown[1])]
        if net.size:
            lo, hi = max(min(lo, float(net.min())), lo - span), min(max(hi, float(net.max())), hi + span)
    pad = 0.05 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name=labels["identity"],
                             line=dict(color=NEUTRAL, width=1.5, dash="dot"), hoverinfo="skip"))
    base(fig, height=height)
    fig.update_xaxes(title_text=labels["x"], range=[lo, hi])
    fig.update_yaxes(title_text=labels["y"], range=[lo, hi], scaleanchor="x", scaleratio=1)
    return fig
