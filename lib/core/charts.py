"""Figures two or more lessons draw: image grids and training histories."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lib.core.figure_style import GRID, PALETTE, base

TRAIN, VAL = PALETTE[1], PALETTE[0]
# Training and validation differ in dash and marker too, not in colour alone: (colour, dash, marker).
TRAIN_STYLE, VAL_STYLE = (TRAIN, "solid", "circle"), (VAL, "dash", "diamond")


def image_grid(images: np.ndarray, titles: Sequence[str], cols: int = 5, row_height: int = 150,
               title: str | None = None, title_size: int = 12) -> go.Figure:
    """Greyscale images (0 = white, 1 = black, as the course draws them) in a grid with a title each."""
    n = len(images)
    rows = max(1, math.ceil(n / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(titles) + [""] * (rows * cols - n),
                        horizontal_spacing=0.02, vertical_spacing=0.12 / rows + 0.06)
    for i, img in enumerate(images):
        fig.add_trace(go.Heatmap(z=img[::-1], colorscale="Greys", zmin=0, zmax=1, showscale=False,
                                 hovertemplate="%{z:.2f}<extra></extra>"), row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, scaleanchor="x", constrain="domain")
    for i in range(1, rows * cols):  # every subplot keeps square pixels
        fig.update_yaxes(scaleanchor=f"x{i + 1}", row=i // cols + 1, col=i % cols + 1)
    base(fig, title, height=(60 if title else 30) + row_height * rows)
    fig.update_annotations(font_size=title_size)
    fig.update_layout(margin=dict(l=10, r=10, t=60 if title else 30, b=10))
    return fig


def history_figure(history: Mapping[str, Sequence[float]], labels: Mapping[str, str], height: int = 330) -> go.Figure:
    """Loss (left) and accuracy (right) per epoch, training and validation."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(labels["loss"], labels["accuracy"]), horizontal_spacing=0.1)
    for col, key in ((1, "loss"), (2, "accuracy")):
        for prefix, (colour, dash, symbol), name in (("", TRAIN_STYLE, labels["train"]),
                                                      ("val_", VAL_STYLE, labels["val"])):
            values = history.get(prefix + key, [])
            fig.add_trace(go.Scatter(x=list(range(1, len(values) + 1)), y=list(values), mode="lines+markers",
                                     name=name, line=dict(color=colour, width=2.5, dash=dash),
                                     marker=dict(symbol=symbol, size=7), showlegend=col == 1,
                                     legendgroup=name), row=1, col=col)
    base(fig, None, height=height)
    fig.update_layout(margin=dict(t=60), legend=dict(y=1.12))
    fig.update_xaxes(title_text=labels["epoch"], dtick=1 if len(history.get("loss", [])) <= 12 else 2,
                     gridcolor=GRID)
    fig.update_yaxes(gridcolor=GRID)
    return fig
