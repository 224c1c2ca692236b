"""Figures for the layers page. Numbers in, figures out; every word is passed in as a label.

Model diagrams are Graphviz DOT text (``st.graphviz_chart`` lays out the branches of
a functional model); the rest are plotly figures.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from lib.core.figure_style import FONT, NEUTRAL, PALETTE, PLAIN_FILL, SYMBOLS, base, tint

if TYPE_CHECKING:  # figures stay free of TensorFlow; the boxes only need name/kind/shape/params/parents
    from lib.lessons.layers.lab import LayerInfo

# Box colours by layer family, so inputs, weights-free reshaping and outputs stand apart.
FILL = {
    "InputLayer": tint(PALETTE[1]),
    "Embedding": tint(PALETTE[0]),
    "LSTM": tint(PALETTE[5]),
    "Conv1D": tint(PALETTE[2]),
    "Dense": tint(PALETTE[4]),
}
PLAIN = PLAIN_FILL
OUTPUT_FILL = tint(PALETTE[0], 0.7)
DOT_FONT = "Helvetica"


def model_dot(layers: Sequence[LayerInfo], params_label: str, outputs: Sequence[str] = ()) -> str:
    """A top-to-bottom diagram: one box per layer (name, class, output shape, parameters), arrows for the data.

    ``params_label`` is a template with ``{n}`` (e.g. "{n} params"); ``outputs`` names the
    output layers, drawn in a warmer colour.
    """
    lines = [
        "digraph model {",
        '  rankdir=TB; nodesep=0.25; ranksep=0.3; bgcolor="transparent";',
        f'  node [shape=box, style="rounded,filled", fontname="{DOT_FONT}", fontsize=11, color="{NEUTRAL}", '
        'penwidth=1, margin="0.12,0.05"];',
        f'  edge [color="{NEUTRAL}", arrowsize=0.7];',
    ]
    for layer in layers:
        fill = OUTPUT_FILL if layer.name in outputs else FILL.get(layer.kind, PLAIN)
        params = html.escape(params_label.format(n=f"{layer.params:,}"))
        label = (f"<<b>{html.escape(layer.name)}</b> <font color='#495057'>({html.escape(layer.kind)})</font>"
                 f"<br/><font point-size='10'>{html.escape(layer.shape)} · {params}</font>>")
        lines.append(f'  "{layer.name}" [label={label}, fillcolor="{fill}"];')
    for layer in layers:
        for parent in layer.parents:
            lines.append(f'  "{parent}" -> "{layer.name}";')
    lines.append("}")
    return "\n".join(lines)


def _size(dim: int, biggest: int = 2048) -> float:
    """A drawing length for a tensor dimension: logarithmic, so 1 and 2048 both stay visible."""
    return 0.5 + 3.0 * math.log2(dim + 1) / math.log2(biggest + 1)


def shape_figure(batch: int, features: int, units: int, labels: Mapping[str, str]) -> go.Figure:
    """x (batch × features) @ W (features × units) + b (units) = y (batch × units), as rectangles.

    Heights are rows and widths are columns, both on a log scale. ``labels``: x, W, b, y.
    """
    fig = go.Figure()
    gap = 0.9
    blocks = [
        ("x", batch, features, PALETTE[1]),
        ("W", features, units, PALETTE[0]),
        ("b", 1, units, PALETTE[3]),
        ("y", batch, units, PALETTE[2]),
    ]
    symbols = ["@", "+", "="]
    left = 0.0
    tallest = max(_size(rows) for _, rows, _, _ in blocks)
    for i, (key, rows, cols, colour) in enumerate(blocks):
        width, height = _size(cols), _size(rows)
        top = tallest / 2 + height / 2
        fig.add_shape(type="rect", x0=left, x1=left + width, y0=top - height, y1=top,
                      line=dict(color=colour, width=2), fillcolor=colour, opacity=0.25)
        fig.add_annotation(x=left + width / 2, y=top + 0.12, text=f"<b>{labels[key]}</b>", showarrow=False,
                           yanchor="bottom", font=dict(size=13))  # the theme's ink: readable on light and dark
        shape = f"({cols},)" if key == "b" else f"({rows}, {cols})"
        fig.add_annotation(x=left + width / 2, y=top - height - 0.12, text=shape, showarrow=False,
                           yanchor="top", font=dict(size=12))
        left += width
        if i < len(symbols):
            fig.add_annotation(x=left + gap / 2, y=tallest / 2, text=f"<b>{symbols[i]}</b>", showarrow=False,
                               font=dict(size=20))
            left += gap
    base(fig, None, height=260)
    fig.update_xaxes(visible=False, range=[-0.3, left + 0.3])
    fig.update_yaxes(visible=False, range=[-0.5, tallest + 0.6], scaleanchor="x", scaleratio=1)
    fig.update_layout(showlegend=False, margin=dict(l=10, r=10, t=10, b=10), font=dict(family=FONT))
    return fig


def probabilities_figure(first: np.ndarray, second: np.ndarray, labels: Mapping[str, str]) -> go.Figure:
    """Class probabilities of one sample from two models, side by side. ``labels``: first, second, x, y."""
    classes = [str(i) for i in range(len(first))]
    fig = go.Figure([
        go.Bar(x=classes, y=np.asarray(first, float), name=labels["first"], marker_color=PALETTE[1]),
        go.Bar(x=classes, y=np.asarray(second, float), name=labels["second"], marker_color=PALETTE[0],
               marker_pattern_shape="/"),
    ])
    base(fig, None, height=280)
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_xaxes(title=labels["x"], type="category")
    fig.update_yaxes(title=labels["y"], rangemode="tozero")
    return fig


def compare_history_figure(runs: Mapping[str, Mapping[str, Sequence[float]]], labels: Mapping[str, str]) -> go.Figure:
    """Training and validation loss per epoch of several runs (e.g. by strings / by objects).

    ``runs`` maps a legend name to a history; ``labels``: x, y, train, val.
    """
    fig = go.Figure()
    dashes = ("solid", "dot", "dash")
    for i, (name, history) in enumerate(runs.items()):
        colour = PALETTE[i % len(PALETTE)]
        for key, dash_offset in (("loss", 0), ("val_loss", 1)):
            values = [v if math.isfinite(v) else None for v in history.get(key, [])]
            if not values:
                continue
            which = labels["train"] if key == "loss" else labels["val"]
            fig.add_trace(go.Scatter(
                x=list(range(1, len(values) + 1)), y=values, mode="lines+markers", name=f"{name} · {which}",
                line=dict(color=colour, dash=dashes[(i + dash_offset) % len(dashes)], width=3 - i),
                marker=dict(size=8 - 2 * i, symbol="circle" if key == "loss" else "diamond"),
            ))
    base(fig, None, height=320)
    fig.update_xaxes(title=labels["x"], dtick=1)
    fig.update_yaxes(title=labels["y"])
    return fig


def history_figure(history: Mapping[str, Sequence[float]], keys: Sequence[str], names: Mapping[str, str],
                   labels: Mapping[str, str], log_y: bool = False) -> go.Figure:
    """Chosen history curves (training solid, ``val_`` dotted, same colour). ``labels``: x, y, val."""
    fig = go.Figure()
    for i, key in enumerate(keys):
        colour, symbol = PALETTE[i % len(PALETTE)], SYMBOLS[i % len(SYMBOLS)]  # a marker shape per metric
        for prefix, dash in (("", "solid"), ("val_", "dot")):
            values = [v if math.isfinite(v) and (v > 0 or not log_y) else None for v in history.get(prefix + key, [])]
            if not values:
                continue
            name = names.get(key, key) + (f" ({labels['val']})" if prefix else "")
            fig.add_trace(go.Scatter(x=list(range(1, len(values) + 1)), y=values, mode="lines+markers", name=name,
                                     line=dict(color=colour, dash=dash), marker=dict(size=7, symbol=symbol)))
    base(fig, None, height=320)
    fig.update_xaxes(title=labels["x"], dtick=1)
    if log_y:  # only 1-2-5 ticks: every minor tick of a log axis labelled is unreadable
        fig.update_yaxes(title=labels["y"], type="log", dtick="D2", tickformat=".2g")
    else:
        fig.update_yaxes(title=labels["y"])
    return fig
