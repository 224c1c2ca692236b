"""Figures for the save/load/predict page. Numbers in, ``go.Figure`` out; every word arrives as a label."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from lib.core import charts
from lib.core.figure_style import BOX_EDGE, BOX_INK, GRID, NEUTRAL, PALETTE, PLAIN_FILL, base, tint

if TYPE_CHECKING:  # the figures need no Keras at import
    from lib.lessons.saving.models import Graph

TRAIN, VAL = PALETTE[1], PALETTE[0]
RIGHT, WRONG = PALETTE[2], PALETTE[0]  # bluish green / vermillion, and every title starts with ✓ or ✗
KIND_COLOURS = {"InputLayer": tint(PALETTE[1]), "Dense": tint(PALETTE[0]), "Dropout": tint(PALETTE[5]),
                "Flatten": tint(PALETTE[2])}
PART_PATTERNS = ("", "/", ".", "x", "-", "|")  # the file's parts differ in hatching too, not in colour alone


def history_figure(history: Mapping[str, Sequence[float]], labels: Mapping[str, str]) -> go.Figure:
    """Loss (left) and accuracy (right) per epoch: the course's history chart, a little shorter."""
    return charts.history_figure(history, labels, height=300)


def composition_figure(parts: Mapping[str, int], labels: Mapping[str, str]) -> go.Figure:
    """What the bytes of a file are: one stacked horizontal bar, a segment per part, sizes in KB."""
    fig = go.Figure()
    for i, (key, size) in enumerate(parts.items()):
        fig.add_trace(go.Bar(
            y=[labels["file"]], x=[size / 1024], orientation="h", name=labels[key],
            marker=dict(color=PALETTE[i % len(PALETTE)],
                        pattern=dict(shape=PART_PATTERNS[i % len(PART_PATTERNS)], fgcolor="white", fgopacity=0.45)),
            text=[f"{size / 1024:,.0f} KB"], textposition="inside",
            insidetextanchor="middle", hovertemplate=f"{labels[key]}: %{{x:,.1f}} KB<extra></extra>"))
    base(fig, None, height=170)
    fig.update_layout(barmode="stack", margin=dict(l=10, r=10, t=40, b=40), legend=dict(y=1.25, traceorder="normal"),
                      uniformtext=dict(minsize=10, mode="hide"))
    fig.update_xaxes(title_text="KB", gridcolor=GRID)
    fig.update_yaxes(visible=False)
    return fig


def _positions(graph: Graph) -> list[tuple[float, float]]:
    """x in [0, 1] spread per level, y = -level (inputs on top)."""
    levels = graph.levels()
    by_level: dict[int, list[int]] = {}
    for i, level in enumerate(levels):
        by_level.setdefault(level, []).append(i)
    pos = [(0.5, 0.0)] * len(graph.nodes)
    for level, members in by_level.items():
        for k, i in enumerate(members):
            pos[i] = ((k + 1) / (len(members) + 1), -float(level))
    return pos


def architecture_figure(graph: Graph, show_shapes: bool, labels: Mapping[str, str]) -> go.Figure:
    """Boxes for layers and arrows for data, top to bottom, as ``keras.utils.plot_model`` draws them."""
    pos = _positions(graph)
    widest = max((sum(1 for p in pos if p[1] == y) for _, y in pos), default=1)
    box_w = min(0.9, 0.92 / widest - 0.04) / 2
    box_h = 0.38 if show_shapes else 0.25
    fig = go.Figure()
    for a, b in graph.edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        fig.add_annotation(x=xb, y=yb + box_h, ax=xa, ay=ya - box_h, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.5, arrowcolor=NEUTRAL, text="")
    hover = []
    for node, (x, y) in zip(graph.nodes, pos, strict=True):
        fig.add_shape(type="rect", x0=x - box_w, x1=x + box_w, y0=y - box_h, y1=y + box_h,
                      fillcolor=KIND_COLOURS.get(node.cls, PLAIN_FILL), line=dict(color=BOX_EDGE, width=1.2))
        title = f"<b>{node.name}</b> ({node.cls}{', ' + node.activation if node.activation else ''})"
        lines = [title]
        if show_shapes:
            lines += [f"{labels['input']}: {node.input_shape}", f"{labels['output']}: {node.output_shape}"]
        lines.append(f"{labels['params']}: {node.params:,}")
        fig.add_annotation(x=x, y=y, text="<br>".join(lines), showarrow=False, font=dict(size=12, color=BOX_INK))
        hover.append("<br>".join([title, f"{labels['input']}: {node.input_shape}",
                                  f"{labels['output']}: {node.output_shape}", f"{labels['params']}: {node.params:,}"]))
    # Invisible points carry the hover text (shapes cannot).
    fig.add_trace(go.Scatter(x=[p[0] for p in pos], y=[p[1] for p in pos], mode="markers",
                             marker=dict(size=1, opacity=0), hovertext=hover, hoverinfo="text", showlegend=False))
    depth = max((-y for _, y in pos), default=0)
    base(fig, None, height=int(40 + (118 if show_shapes else 80) * (depth + 1)))
    fig.update_layout(margin=dict(l=10, r=10, t=10, b=10))
    fig.update_xaxes(visible=False, range=[0, 1], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-depth - 0.55, 0.55], fixedrange=True)
    return fig


def image_grid(images: np.ndarray, titles: Sequence[str], right: Sequence[bool] | None = None, cols: int = 8,
               row_height: int = 150) -> go.Figure:
    """Greyscale images (0 = white, 1 = black, as the course draws them); titles green when right, red when wrong."""
    cols = max(1, min(cols, len(images)))
    fig = charts.image_grid(images, titles, cols=cols, row_height=row_height)
    fig.update_annotations(font_size=11)
    if right is not None:
        for annotation, ok in zip(fig.layout.annotations, right, strict=False):
            annotation.font.color = RIGHT if ok else WRONG
    fig.update_layout(margin=dict(l=5, r=5, t=45, b=5))
    return fig


def probability_figure(probabilities: Sequence[float], names: Sequence[str], true: int,
                       labels: Mapping[str, str]) -> go.Figure:
    """One image's ten probabilities; the argmax bar is filled, the true class outlined."""
    p = np.asarray(probabilities, float)
    best = int(np.argmax(p))
    colours = [VAL if i == best else NEUTRAL for i in range(len(p))]
    fig = go.Figure(go.Bar(
        x=list(names), y=p, marker=dict(color=colours, line=dict(color=[RIGHT if i == true else "rgba(0,0,0,0)"
                                                                        for i in range(len(p))], width=3)),
        text=[f"{v:.1%}" if v >= 0.005 else "" for v in p], textposition="outside",
        hovertemplate="%{x}: %{y:.4f}<extra></extra>"))
    base(fig, None, height=300)
    fig.update_layout(margin=dict(l=50, r=10, t=20, b=90))
    fig.update_yaxes(title_text=labels["probability"], range=[0, 1.12], gridcolor=GRID, tickformat=".0%")
    fig.update_xaxes(tickangle=-35)
    return fig
