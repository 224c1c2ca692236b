"""Figures for the layer-design page. Numbers in, ``go.Figure`` out; every word arrives as a label."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lib.core.charts import history_figure, image_grid  # noqa: F401  (drawn by the design page)
from lib.core.figure_style import DASHES, GRID, NEUTRAL, PALETTE, SYMBOLS, base

ACT_COLOURS = {"sigmoid": PALETTE[1], "relu": PALETTE[0]}
# And a dash and a marker each, so the two activations differ by more than colour.
ACT_DASHES = {"sigmoid": "solid", "relu": "dash"}
ACT_SYMBOLS = {"sigmoid": "circle", "relu": "square"}
TRAIN, VAL = PALETTE[1], PALETTE[0]






def confusion_figure(counts: np.ndarray, names: Sequence[str], labels: Mapping[str, str]) -> go.Figure:
    """Counts[true, predicted] as a heatmap with the number in every cell; the diagonal is right."""
    names = list(names)
    fig = go.Figure(go.Heatmap(
        z=counts, x=names, y=names, colorscale="Blues", showscale=False, texttemplate="%{z}",
        hovertemplate=f"{labels['true']}: %{{y}}<br>{labels['pred']}: %{{x}}<br>%{{z}}<extra></extra>"))
    base(fig, None, height=470)
    fig.update_layout(margin=dict(l=110, r=20, t=20, b=100))
    fig.update_xaxes(title_text=labels["pred"], tickangle=-35, side="bottom")
    fig.update_yaxes(title_text=labels["true"], autorange="reversed")
    return fig


def seeds_figure(val_acc: Mapping[str, Sequence[float]], labels: Mapping[str, str]) -> go.Figure:
    """Every seed's validation accuracy as a dot, per activation, with the mean ± standard deviation."""
    fig = go.Figure()
    for i, (act, values) in enumerate(val_acc.items()):
        values = list(values)
        jitter = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else np.zeros(1)
        fig.add_trace(go.Scatter(
            x=i + jitter, y=values, mode="markers", name=labels[act], showlegend=False,
            marker=dict(size=11, color=ACT_COLOURS.get(act, PALETTE[2]), opacity=0.75,
                        symbol=ACT_SYMBOLS.get(act, "triangle-up"),
                        line=dict(width=1, color="white")),
            text=[f"{labels['seed']} {s}" for s in range(len(values))],
            hovertemplate="%{text}: %{y:.4f}<extra></extra>"))
        mean = float(np.mean(values))
        std = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        fig.add_trace(go.Scatter(
            x=[i + 0.3], y=[mean], mode="markers", showlegend=False, name=labels["mean"],
            marker=dict(symbol="diamond", size=13, color=NEUTRAL),
            error_y=dict(type="data", array=[std], color=NEUTRAL, thickness=2, width=8),
            hovertemplate=f"{labels['mean']}: %{{y:.4f}}<extra></extra>"))
    base(fig, None, height=340)
    fig.update_xaxes(tickvals=list(range(len(val_acc))), ticktext=[labels[a] for a in val_acc],
                     range=[-0.5, len(val_acc) - 0.4])
    fig.update_yaxes(title_text=labels["y"], gridcolor=GRID, tickformat=".3f")
    return fig


def activation_figure(z: np.ndarray, curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
                      labels: Mapping[str, str]) -> go.Figure:
    """Each activation (left) and its derivative (right)."""
    # A title's explanation in brackets goes on its own line: on one line the right title ran past the edge at 420 px.
    titles = [text.replace(" (", "<br>(", 1) for text in (labels["value"], labels["slope"])]
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.1)
    for act, (y, dy) in curves.items():
        colour, dash = ACT_COLOURS.get(act, PALETTE[2]), ACT_DASHES.get(act, "dot")
        fig.add_trace(go.Scatter(x=z, y=y, name=labels[act], line=dict(color=colour, width=2.5, dash=dash),
                                 legendgroup=act), row=1, col=1)
        fig.add_trace(go.Scatter(x=z, y=dy, name=labels[act], line=dict(color=colour, width=2.5, dash=dash),
                                 legendgroup=act, showlegend=False), row=1, col=2)
    base(fig, None, height=320)
    fig.update_layout(margin=dict(t=84), legend=dict(y=1.3))
    fig.update_annotations(font=dict(size=12))
    fig.update_xaxes(title_text="z", gridcolor=GRID, zeroline=True)
    fig.update_yaxes(gridcolor=GRID)
    fig.update_yaxes(range=[-0.5, 2.5], row=1, col=1)  # ReLU leaves the frame; the sigmoid stays readable
    fig.update_yaxes(range=[-0.1, 1.15], row=1, col=2)
    return fig


def gradient_figure(grads: Mapping[str, np.ndarray], labels: Mapping[str, str]) -> go.Figure:
    """Mean |∂L/∂W| per Dense layer on a log scale: layer 1 is next to the input, the last is the output."""
    fig = go.Figure()
    for act, values in grads.items():
        layers = list(range(1, len(values) + 1))
        fig.add_trace(go.Scatter(x=layers, y=values, mode="lines+markers", name=labels[act],
                                 line=dict(color=ACT_COLOURS.get(act, PALETTE[2]), width=2.5,
                                           dash=ACT_DASHES.get(act, "dot")),
                                 marker=dict(size=8, symbol=ACT_SYMBOLS.get(act, "triangle-up")),
                                 hovertemplate=f"{labels['layer']} %{{x}}: %{{y:.2e}}<extra>{labels[act]}</extra>"))
    n = max(len(v) for v in grads.values())
    base(fig, None, height=340)
    fig.update_xaxes(title_text=labels["x"], tickvals=list(range(1, n + 1)),
                     ticktext=[str(i) for i in range(1, n)] + [labels["output"]], gridcolor=GRID)
    fig.update_yaxes(title_text=labels["y"], type="log", gridcolor=GRID, exponentformat="power")
    return fig


def pair_figure(curves: Mapping[str, Sequence[float]], labels: Mapping[str, str]) -> go.Figure:
    """Validation accuracy per epoch for a few named runs."""
    fig = go.Figure()
    for i, (name, values) in enumerate(curves.items()):
        fig.add_trace(go.Scatter(x=list(range(1, len(values) + 1)), y=list(values), mode="lines+markers", name=name,
                                 line=dict(color=PALETTE[(i + 1) % len(PALETTE)], width=2.5,
                                           dash=DASHES[i % len(DASHES)]),
                                 marker=dict(symbol=SYMBOLS[i % len(SYMBOLS)], size=8)))
    base(fig, None, height=320)
    fig.update_xaxes(title_text=labels["x"], dtick=1, gridcolor=GRID)
    fig.update_yaxes(title_text=labels["y"], gridcolor=GRID, tickformat=".3f")
    return fig


def bars_figure(names: Sequence[str], values: Sequence[float], labels: Mapping[str, str],
                highlight: int | None = None, text_format: str = "{:.4f}", log: bool = False) -> go.Figure:
    """One bar per name, the value written on it; ``highlight`` gets the accent colour."""
    colours = [PALETTE[0] if i == highlight else PALETTE[1] for i in range(len(names))]
    hatch = ["/" if i == highlight else "" for i in range(len(names))]  # the highlight is hatched, not only coloured
    fig = go.Figure(go.Bar(x=list(names), y=list(values),
                           marker=dict(color=colours, pattern=dict(shape=hatch, fgcolor="white", fgopacity=0.5)),
                           text=[text_format.format(v) for v in values], textposition="outside", cliponaxis=False))
    base(fig, None, height=320)
    finite = [v for v in values if math.isfinite(v)]
    if log:
        fig.update_yaxes(type="log")
    elif finite:
        lo, hi = min(finite), max(finite)
        pad = max((hi - lo) * 0.6, 0.01)
        fig.update_yaxes(range=[max(0.0, lo - pad), min(1.0, hi + pad) if hi <= 1 else hi + pad])
    fig.update_yaxes(title_text=labels["y"], gridcolor=GRID)
    fig.update_layout(margin=dict(t=30))
    return fig


def search_figure(lrs: Sequence[float], units: Sequence[int], acc: Sequence[float], best: int,
                  labels: Mapping[str, str]) -> go.Figure:
    """Each trial: learning rate (log x) against validation accuracy, one colour per width; the best ringed."""
    fig = go.Figure()
    for i, width in enumerate(sorted(set(units))):
        mine = [j for j, u in enumerate(units) if u == width]
        fig.add_trace(go.Scatter(
            x=[lrs[j] for j in mine], y=[acc[j] for j in mine], mode="markers", name=f"{labels['units']} {width}",
            marker=dict(size=13, color=PALETTE[(i + 1) % len(PALETTE)], symbol=SYMBOLS[i % len(SYMBOLS)],
                        line=dict(width=1, color="white")),
            text=[str(j + 1) for j in mine],
            hovertemplate=f"#%{{text}}<br>{labels['x']} %{{x:.3g}}<br>{labels['y']} %{{y:.4f}}<extra></extra>"))
    if 0 <= best < len(acc) and math.isfinite(acc[best]):
        fig.add_trace(go.Scatter(x=[lrs[best]], y=[acc[best]], mode="markers", showlegend=False, hoverinfo="skip",
                                 marker=dict(size=24, color="rgba(0,0,0,0)", line=dict(width=2.5, color=PALETTE[0]))))
    base(fig, None, height=340)
    fig.update_xaxes(title_text=labels["x"], type="log", gridcolor=GRID, exponentformat="power")
    fig.update_yaxes(title_text=labels["y"], gridcolor=GRID, tickformat=".3f")
    return fig
