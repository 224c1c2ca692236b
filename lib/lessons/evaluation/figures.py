"""Figures for the evaluation page. Numbers in, ``go.Figure`` out; every word comes in through ``labels``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lib.core.figure_style import (
    DASHES,
    GRID,
    LABEL_BG,
    NEG,
    NEUTRAL,
    PALETTE,
    PLAIN_FILL,
    POS,
    SYMBOLS,
    base,
    rgba,
    tint,
)

CHANCE = NEUTRAL
MODEL_A, MODEL_B = PALETTE[3], PALETTE[1]
PIN_COLOURS = (PALETTE[2], PALETTE[4], PALETTE[5], PALETTE[0], NEUTRAL, PALETTE[1])
CLASS_COLOURS = ("#DEE2E6", NEUTRAL, POS)  # background, road, car (each cell also shows its class number)
RIGHT, WRONG = PALETTE[2], PALETTE[0]  # bluish green / vermillion (the cells also show ✓ / ✗)
CURVE_MARKERS = 12  # a curve's marker shape, drawn at this many points of it: runs differ by shape, not colour alone


def _layout(title: str | None, height: int, **extra: object) -> dict:
    """``style.base``'s layout as a dict, merged with ``extra``, for ``go.Figure(layout=...)``.

    One constructor call instead of ``base`` + ``update_layout`` halves the cost of the figures
    a threshold move redraws (plotly's relayout machinery is the slow part).
    """
    layout: dict = dict(
        title=dict(text=title, x=0.01, font=dict(size=15)) if title else None,
        height=height,
        margin=dict(l=50, r=20, t=50 if title else 20, b=45),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    for key, value in extra.items():
        layout[key] = {**layout[key], **value} if isinstance(layout.get(key), dict) and isinstance(value, dict) \
            else value
    return layout


def _legend_below(fig: go.Figure, y: float = -0.22) -> None:
    """A legend under the axes, where it cannot collide with the title or with tall bars."""
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=y, x=0, xanchor="left"))


def _exact(values: np.ndarray) -> list[float]:
    """Plain floats (float32 -> float64 is exact), so a test can recompute the metrics from the chart."""
    return np.asarray(values, np.float64).tolist()


def distribution_figure(counts: dict[str, tuple[int, int]], removed: int, labels: dict[str, str]) -> go.Figure:
    """Stacked bars per class: training and validation rows, and the positives removed (hatched)."""
    x = [labels["neg"], labels["pos"]]
    data = [go.Bar(x=x, y=list(counts[part]), name=labels[part], marker_color=colour, text=list(counts[part]),
                   textposition="inside", insidetextanchor="middle")
            for part, colour in (("train", PALETTE[1]), ("val", NEUTRAL))]
    data[1].marker.pattern = dict(shape=".", fgcolor="white", fgopacity=0.5)  # validation: dotted, not a colour alone
    if removed:
        data.append(go.Bar(x=x[1:], y=[removed], name=labels["removed"], text=[removed], textposition="inside",
                           marker=dict(color="rgba(0,0,0,0)", line=dict(color=POS, width=2),
                                       pattern=dict(shape="/", fgcolor=POS, size=8))))
    return go.Figure(data=data, layout=_layout(
        labels.get("title"), 330, barmode="stack", bargap=0.45, margin=dict(b=40),
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0, xanchor="left"),
        yaxis=dict(title=labels["y"], gridcolor=GRID)))


def _threshold_line(threshold: float, text: str) -> dict:
    """The dashed threshold line, the shaded "predicted positive" side and its label, as plain layout dicts.

    ``add_vline``/``add_vrect`` cost ~20 ms each (they re-validate every axis); a threshold move redraws
    this figure, so the shapes are written directly.
    """
    return dict(
        shapes=[dict(type="rect", xref="x", yref="paper", x0=threshold, x1=1.0, y0=0, y1=1, fillcolor=POS,
                     opacity=0.07, line_width=0, layer="below"),
                dict(type="line", xref="x", yref="paper", x0=threshold, x1=threshold, y0=0, y1=1,
                     line=dict(color=NEUTRAL, width=2, dash="dash"))],
        annotations=[dict(x=threshold, y=1.0, xref="x", yref="paper", text=text, showarrow=False,
                          yanchor="bottom", font=dict(size=12))],
    )


def histogram_figure(y: np.ndarray, scores: np.ndarray, threshold: float, labels: dict[str, str],
                     share: bool = False) -> go.Figure:
    """Scores of both classes on one axis; the threshold line and the "predicted positive" side shaded.

    ``share``: each class as a share of itself, so a rare class stays visible beside a common one.
    """
    bins = dict(start=0.0, end=1.0 + 1e-9, size=0.025)
    data = [go.Histogram(x=_exact(scores[y == cls]), xbins=bins, name=name, opacity=0.65,
                         marker=dict(color=colour, pattern=dict(shape=pattern, fgcolor="white", fgopacity=0.6)),
                         histnorm="probability" if share else None,
                         hovertemplate=labels["hover"] + "<extra>" + name + "</extra>")
            for cls, colour, pattern, name in ((0, NEG, "", labels["neg"]), (1, POS, "/", labels["pos"]))]
    return go.Figure(data=data, layout=_layout(
        labels.get("title"), 360, barmode="overlay", margin=dict(t=60, b=40),
        legend=dict(orientation="h", yanchor="top", y=-0.25, x=0, xanchor="left"),
        xaxis=dict(title=labels["x"], range=[0, 1], gridcolor=GRID), yaxis=dict(title=labels["y"], gridcolor=GRID),
        **_threshold_line(threshold, labels["threshold"])))


def confusion_figure(confusion: np.ndarray, labels: dict[str, str]) -> go.Figure:
    """The 2×2 matrix, rows = actual class; each cell shows its count and its share of the row."""
    cm = np.asarray(confusion, float)
    rows = cm.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = np.where(rows > 0, cm / np.where(rows > 0, rows, 1), np.nan)
    names = [[labels["tn"], labels["fp"]], [labels["fn"], labels["tp"]]]
    text = [[f"<b>{names[i][j]}</b><br>{int(cm[i, j])}<br>"
             + ("—" if np.isnan(rates[i, j]) else f"{100 * rates[i, j]:.1f}%") for j in range(2)] for i in range(2)]
    good = np.array([[1.0, 0.0], [0.0, 1.0]])
    # Colour by how well each row does: correct cells blue when high, error cells vermillion when high
    # (a diverging pair colour-blind readers tell apart; every cell also names itself).
    z = np.where(good == 1, np.nan_to_num(rates), -np.nan_to_num(rates))
    heatmap = go.Heatmap(
        z=z.tolist(), x=[labels["pred_neg"], labels["pred_pos"]], y=[labels["act_neg"], labels["act_pos"]],
        text=text, texttemplate="%{text}", textfont=dict(size=14), zmin=-1, zmax=1, showscale=False,
        hoverinfo="skip", colorscale=[[0.0, tint(POS, 0.55)], [0.5, PLAIN_FILL], [1.0, tint(NEG, 0.55)]],
        xgap=3, ygap=3)
    return go.Figure(data=[heatmap], layout=_layout(labels.get("title"), 300, margin=dict(t=80, l=110),
                                                   yaxis=dict(autorange="reversed"), xaxis=dict(side="top")))


def _square_axes(x: str, y: str) -> dict:
    return dict(xaxis=dict(title=x, range=[-0.02, 1.02], gridcolor=GRID, constrain="domain"),
                yaxis=dict(title=y, range=[-0.02, 1.04], gridcolor=GRID))


def _marker(point: tuple[float, float] | None, name: str) -> list[go.Scatter]:
    if point is None:
        return []
    return [go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name=name,
                       marker=dict(size=13, color=NEUTRAL, symbol="circle-open", line=dict(width=3)))]


_FILL = rgba(MODEL_A, 0.10)


def _run_trace(run: dict, i: int, x: list, y: list, hovertemplate: str, **extra: object) -> go.Scatter:
    """The i-th compared curve: its colour, a dash and a marker shape of its own (a few markers along it).

    Plotly keeps ``maxdisplayed`` markers of a long curve, so thousands of ROC points stay cheap to draw.
    """
    return go.Scatter(
        x=x, y=y, mode="lines+markers", name=run["name"],
        line=dict(color=run["colour"], width=2.5 if run.get("fill") else 2,
                  dash=DASHES[i % len(DASHES)]),  # by position: a run's own "dash" would repeat among the pins
        marker=dict(symbol=SYMBOLS[i % len(SYMBOLS)], size=7, maxdisplayed=CURVE_MARKERS),
        fill="tozeroy" if run.get("fill") else None, fillcolor=_FILL if run.get("fill") else None,
        hovertemplate=hovertemplate, **extra)


def roc_figure(runs: Sequence[dict], point: tuple[float, float] | None, labels: dict[str, str]) -> go.Figure:
    """ROC curves (``runs``: name, fpr, tpr, colour, optional dash and fill), chance and perfect, the threshold."""
    data = [go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name=labels["chance"], line=dict(color=CHANCE, dash="dot")),
            go.Scatter(x=[0, 0, 1], y=[0, 1, 1], mode="lines", name=labels["perfect"],
                       line=dict(color=NEUTRAL, dash="longdash", width=1.5))]
    for i, run in enumerate(runs):
        data.append(_run_trace(run, i, _exact(run["fpr"]), _exact(run["tpr"]),
                               "FPR %{x:.3f}<br>TPR %{y:.3f}<extra>" + run["name"] + "</extra>"))
    return go.Figure(data=data + _marker(point, labels["point"]), layout=_layout(
        labels.get("title"), 430, legend=dict(orientation="v", yanchor="bottom", y=0.02, x=0.98, xanchor="right",
                                              bgcolor=LABEL_BG),
        **_square_axes(labels["x"], labels["y"])))


def pr_figure(runs: Sequence[dict], baseline: float, point: tuple[float, float] | None,
              labels: dict[str, str]) -> go.Figure:
    """Precision-recall steps (sklearn's order, drawn "steps-post"), the no-skill line at the positive rate."""
    data = [go.Scatter(x=[0, 1], y=[baseline, baseline], mode="lines", name=labels["chance"],
                       line=dict(color=CHANCE, dash="dot"))]
    for i, run in enumerate(runs):
        data.append(_run_trace(run, i, _exact(run["recall"]), _exact(run["precision"]),
                               labels["hover"] + "<extra>" + run["name"] + "</extra>", line_shape="hv"))
    # Legend under the axes: under heavy imbalance the curve runs along the bottom, where a legend would sit.
    return go.Figure(data=data + _marker(point, labels["point"]), layout=_layout(
        labels.get("title"), 470, margin=dict(b=40), legend=dict(orientation="h", yanchor="top", y=-0.16, x=0),
        **_square_axes(labels["x"], labels["y"])))


def sweep_figure(shares: np.ndarray, auc: np.ndarray, ap: np.ndarray, labels: dict[str, str]) -> go.Figure:
    """ROC AUC and AP of the same scores as positives get rarer; the no-skill AP equals the share."""
    pct = np.asarray(shares) * 100
    data = [
        go.Scatter(x=pct, y=auc, mode="lines+markers", name=labels["auc"], line=dict(color=MODEL_A)),
        go.Scatter(x=pct, y=ap, mode="lines+markers", name=labels["ap"], line=dict(color=PALETTE[4], dash="dash"),
                   marker=dict(symbol="diamond", size=8)),
        go.Scatter(x=pct, y=shares, mode="lines", name=labels["chance"], line=dict(color=CHANCE, dash="dot")),
        go.Scatter(x=[pct[0], pct[0]], y=[auc[0], ap[0]], mode="markers", name=labels["now"],
                   marker=dict(size=12, color=NEUTRAL, symbol="circle-open", line=dict(width=2.5))),
    ]
    ticks = [v for v in (50, 20, 10, 5, 2, 1, 0.5) if pct.min() * 0.95 <= v <= pct.max() * 1.05]
    return go.Figure(data=data, layout=_layout(
        labels.get("title"), 430, margin=dict(b=40),
        legend=dict(orientation="h", yanchor="top", y=-0.2, x=0, xanchor="left"),
        xaxis=dict(title=labels["x"], type="log", autorange="reversed", gridcolor=GRID, tickvals=ticks,
                   ticktext=[f"{v:g}%" for v in ticks]),
        yaxis=dict(title=labels["y"], range=[0, 1.04], gridcolor=GRID)))


def keras_roc_figure(fpr: np.ndarray, tpr: np.ndarray, keras_fpr: np.ndarray, keras_tpr: np.ndarray,
                     labels: dict[str, str]) -> go.Figure:
    """sklearn's exact ROC beside the polygon through Keras' thresholds, whose area ``keras.metrics.AUC`` is."""
    ok = np.isfinite(keras_fpr) & np.isfinite(keras_tpr)
    data = [
        go.Scatter(x=_exact(fpr), y=_exact(tpr), mode="lines", name=labels["sklearn"],
                   line=dict(color=MODEL_A, width=2)),
        go.Scatter(x=keras_fpr[ok], y=keras_tpr[ok], mode="lines+markers", name=labels["keras"],
                   line=dict(color=PALETTE[4], width=2, dash="dash"), marker=dict(size=6, symbol="diamond"),
                   fill="tozeroy", fillcolor=rgba(PALETTE[4], 0.10)),
    ]
    return go.Figure(data=data, layout=_layout(
        labels.get("title"), 380, legend=dict(orientation="v", yanchor="bottom", y=0.02, x=0.98, xanchor="right",
                                              bgcolor=LABEL_BG),
        **_square_axes(labels["x"], labels["y"])))


def masks_figure(gt: np.ndarray, pred: np.ndarray, class_names: Sequence[str], labels: dict[str, str]) -> go.Figure:
    """Ground truth, prediction and where they agree, as three grids with the class number in each cell."""
    n = len(class_names)
    fig = make_subplots(rows=1, cols=3, subplot_titles=(labels["gt"], labels["pred"], labels["agree"]),
                        horizontal_spacing=0.04)
    steps = []
    for i, colour in enumerate(CLASS_COLOURS[:n]):
        steps += [[i / n, colour], [(i + 1) / n, colour]]
    names = np.asarray(class_names, dtype=object)
    for col, mask in ((1, gt), (2, pred)):
        fig.add_trace(go.Heatmap(z=mask, zmin=-0.5, zmax=n - 0.5, colorscale=steps, showscale=False, xgap=2, ygap=2,
                                 text=mask.astype(str), texttemplate="%{text}", customdata=names[mask],
                                 hovertemplate="%{customdata}<extra></extra>"), row=1, col=col)
    agree = (gt == pred).astype(int)
    fig.add_trace(go.Heatmap(z=agree, zmin=0, zmax=1, colorscale=[[0, WRONG], [0.5, WRONG], [0.5, RIGHT], [1, RIGHT]],
                             showscale=False, xgap=2, ygap=2, text=np.where(agree == 1, "✓", "✗"),
                             texttemplate="%{text}", hoverinfo="skip", opacity=0.8), row=1, col=3)
    # One invisible marker per class makes a legend for the colours. The class is told apart by the number
    # in every cell, not by colour alone; ``meta`` says so (tests/core/test_chart_encodings.py reads it).
    for i, name in enumerate(class_names):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=f"{i} · {name}",
                                 meta={"encoding": "cell text"},
                                 marker=dict(size=12, color=CLASS_COLOURS[i], symbol="square",
                                             line=dict(color=NEUTRAL, width=1))), row=1, col=1)
    base(fig, labels.get("title"), height=330)
    fig.update_layout(margin=dict(t=40, b=40))
    _legend_below(fig, -0.04)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, autorange="reversed", scaleanchor=None)
    return fig
