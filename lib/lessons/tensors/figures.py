"""Figures for the tensors lesson."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lib.core.figure_style import NEUTRAL, PALETTE, base


def sample_histogram(values: np.ndarray, curve_x: np.ndarray, curve_y: np.ndarray,
                     chosen_mean: float, sample_mean: float, *, bars: str, curve: str,
                     chosen: str, sample: str, x_title: str, y_title: str,
                     colour: str = PALETTE[1], title: str | None = None, height: int = 320) -> go.Figure:
    """Histogram of ``values`` as a density, the density the parameters promise
    (``curve_x``, ``curve_y``), and two vertical lines: the chosen and the sample mean.

    The keyword-only strings are the legend and axis texts (already translated).
    """
    values = np.asarray(values, dtype=float)
    fig = go.Figure()
    fig.add_trace(go.Histogram(x=values, histnorm="probability density", nbinsx=40, name=bars,
                               marker=dict(color=colour, line=dict(width=0.5, color="white")), opacity=0.75))
    fig.add_trace(go.Scatter(x=curve_x, y=curve_y, mode="lines", name=curve,
                             line=dict(color=NEUTRAL, width=2, dash="dot")))
    heights = np.histogram(values, bins=40, density=True)[0] if len(values) else np.zeros(1)
    top = max(float(np.max(curve_y, initial=0.0)), float(np.max(heights))) * 1.1 or 1.0
    for x, name, colour_line, dash in ((chosen_mean, chosen, NEUTRAL, "dash"),
                                       (sample_mean, sample, PALETTE[0], "solid")):
        fig.add_trace(go.Scatter(x=[x, x], y=[0, top], mode="lines", name=name,
                                 line=dict(color=colour_line, width=2.5, dash=dash)))
    base(fig, title, height=height)
    fig.update_layout(bargap=0.02)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    return fig
