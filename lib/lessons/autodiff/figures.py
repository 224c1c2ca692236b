"""Figures for the automatic-differentiation page. Numbers in, ``go.Figure`` out; labels are passed in."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lib.core.figure_style import NEUTRAL, PALETTE, base

F_COLOUR, TANGENT_COLOUR, DERIV_COLOUR, POINT_COLOUR = PALETTE[1], PALETTE[0], PALETTE[2], PALETTE[3]
# f solid, the tangent dashed, f' dotted: the three lines differ by more than colour.
F_DASH, TANGENT_DASH, DERIV_DASH = "solid", "dash", "dot"


def _padded(lo: float, hi: float, pad: float = 0.08) -> list[float]:
    span = hi - lo or 1.0
    return [lo - pad * span, hi + pad * span]


def tangent_figure(xs: Sequence[float], ys: Sequence[float], x0: float, y0: float, slope: float,
                   dys: Sequence[float] | None, labels: dict[str, str], height: int = 460) -> go.Figure:
    """f on a grid, the tangent at (x0, y0) with the tape's slope, and optionally f' below.

    ``labels`` keys: f, tangent, point, deriv, x, y, dy.
    """
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    rows = 2 if dys is not None else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[0.62, 0.38] if rows == 2 else None)
    y_range = _padded(float(ys.min()), float(ys.max()))
    tangent = y0 + slope * (xs - x0)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=labels["f"],
                             line=dict(color=F_COLOUR, width=3)), row=1, col=1)
    fig.add_trace(go.Scatter(x=xs, y=tangent, mode="lines", name=labels["tangent"],
                             line=dict(color=TANGENT_COLOUR, width=2, dash=TANGENT_DASH)), row=1, col=1)
    fig.add_trace(go.Scatter(x=[x0], y=[y0], mode="markers", name=labels["point"],
                             marker=dict(size=13, color=POINT_COLOUR, line=dict(width=2, color="white")),
                             hovertemplate="x = %{x:.4f}<br>f(x) = %{y:.4f}<extra></extra>"), row=1, col=1)
    fig.update_yaxes(title_text=labels["y"], range=y_range, row=1, col=1)
    if dys is not None:
        dys = np.asarray(dys, float)
        fig.add_trace(go.Scatter(x=xs, y=dys, mode="lines", name=labels["deriv"],
                                 line=dict(color=DERIV_COLOUR, width=3, dash=DERIV_DASH)), row=2, col=1)
        fig.add_trace(go.Scatter(x=[x0], y=[slope], mode="markers", showlegend=False,
                                 marker=dict(size=11, color=POINT_COLOUR, line=dict(width=2, color="white")),
                                 hovertemplate="x = %{x:.4f}<br>f'(x) = %{y:.4f}<extra></extra>"), row=2, col=1)
        fig.update_yaxes(title_text=labels["dy"], range=_padded(float(dys.min()), float(dys.max())), row=2, col=1)
    fig.add_vline(x=x0, line=dict(color=NEUTRAL, width=1, dash="dot"))
    fig.update_xaxes(range=[float(xs.min()), float(xs.max())], zeroline=True, zerolinecolor="#ced4da")
    fig.update_xaxes(title_text=labels["x"], row=rows, col=1)
    base(fig, height=height)
    return fig


def step_error_figure(steps: Sequence[float], errors: Sequence[float], chosen: float,
                      labels: dict[str, str], height: int = 300) -> go.Figure:
    """|tape − finite difference| against the step h, both axes logarithmic.

    ``labels`` keys: x, y, chosen. A zero error (exact in float32) is drawn at a floor value.
    """
    steps = np.asarray(steps, float)
    errors = np.asarray(errors, float)
    floor = 1e-9
    shown = np.maximum(errors, floor)
    colours = [POINT_COLOUR if np.isclose(s, chosen) else NEUTRAL for s in steps]
    fig = go.Figure(go.Scatter(
        x=steps, y=shown, mode="lines+markers", showlegend=False,
        line=dict(color=NEUTRAL, width=1.5),
        marker=dict(size=[15 if np.isclose(s, chosen) else 9 for s in steps], color=colours,
                    line=dict(width=1, color="white")),
        customdata=errors,
        hovertemplate="h = %{x:.0e}<br>|Δ| = %{customdata:.2e}<extra></extra>",
    ))
    base(fig, height=height)
    fig.update_xaxes(type="log", title_text=labels["x"], autorange="reversed", tickformat=".0e",
                     tickvals=list(steps))
    fig.update_yaxes(type="log", title_text=labels["y"], exponentformat="power")
    i = int(np.argmin(np.abs(steps - chosen)))
    fig.add_annotation(x=np.log10(steps[i]), y=np.log10(shown[i]), text=labels["chosen"], showarrow=True,
                       arrowhead=2, ax=0, ay=-32, font=dict(color=POINT_COLOUR))
    return fig


def loss_figure(ws: Sequence[float], bs: Sequence[float], loss: np.ndarray, w: float, b: float,
                grad_w: float, grad_b: float, labels: dict[str, str], height: int = 440) -> go.Figure:
    """The loss over (w, b) as a heat map with contours, the point, and the descent arrow −∇.

    The arrow shows the direction of −(grad_w, grad_b); its length is scaled to fit the view.
    ``labels`` keys: w, b, loss, point, arrow.
    """
    ws, bs = np.asarray(ws, float), np.asarray(bs, float)
    fig = go.Figure(go.Contour(
        x=ws, y=bs, z=np.log10(np.asarray(loss, float) + 1e-3), colorscale="Blues", reversescale=True,
        contours=dict(coloring="heatmap", showlines=True), line=dict(width=0.5, color="rgba(255,255,255,0.6)"),
        customdata=np.asarray(loss, float), ncontours=18,
        hovertemplate=f"w = %{{x:.2f}}<br>b = %{{y:.2f}}<br>{labels['loss']} = %{{customdata:.3f}}<extra></extra>",
        colorbar=dict(title=dict(text=f"log₁₀ {labels['loss']}", side="right"), thickness=12),
    ))
    fig.add_trace(go.Scatter(x=[w], y=[b], mode="markers", name=labels["point"],
                             marker=dict(size=13, color=POINT_COLOUR, line=dict(width=2, color="white"))))
    norm = float(np.hypot(grad_w, grad_b))
    if norm > 1e-9:
        length = 0.22 * min(ws.max() - ws.min(), bs.max() - bs.min())
        tip_w, tip_b = w - length * grad_w / norm, b - length * grad_b / norm
        fig.add_annotation(x=tip_w, y=tip_b, ax=w, ay=b, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=3, arrowsize=1.3, arrowwidth=3, arrowcolor=TANGENT_COLOUR,
                           text="")
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=labels["arrow"],
                                 line=dict(color=TANGENT_COLOUR, width=3)))
    base(fig, height=height)
    fig.update_xaxes(title_text=labels["w"], range=[ws.min(), ws.max()])
    fig.update_yaxes(title_text=labels["b"], range=[bs.min(), bs.max()])
    return fig


def falling_figure(ts: Sequence[float], position: Sequence[float], speed: Sequence[float],
                   acceleration: Sequence[float], t0: float, at_t0: Sequence[float], labels: dict[str, str],
                   height: int = 300) -> go.Figure:
    """Position, speed and acceleration against time side by side, with the values ``at_t0`` marked.

    ``labels`` keys: time, position, speed, acceleration.
    """
    ts = np.asarray(ts, float)
    series = (("position", position), ("speed", speed), ("acceleration", acceleration))
    fig = make_subplots(rows=1, cols=3, subplot_titles=[labels[k] for k, _ in series], horizontal_spacing=0.08)
    colours = (F_COLOUR, DERIV_COLOUR, TANGENT_COLOUR)
    for col, ((_, values), colour, at) in enumerate(zip(series, colours, at_t0, strict=True), start=1):
        values = np.asarray(values, float)
        fig.add_trace(go.Scatter(x=ts, y=values, mode="lines", line=dict(color=colour, width=3),
                                 showlegend=False), row=1, col=col)
        fig.add_trace(go.Scatter(x=[t0], y=[float(at)], mode="markers", showlegend=False,
                                 marker=dict(size=11, color=POINT_COLOUR, line=dict(width=2, color="white")),
                                 hovertemplate="t = %{x:.2f}<br>%{y:.4f}<extra></extra>"), row=1, col=col)
        fig.update_xaxes(title_text=labels["time"], row=1, col=col)
        lo, hi = float(values.min()), float(values.max())
        fig.update_yaxes(range=_padded(min(lo, 0.0), hi if hi > lo else hi + 1.0), row=1, col=col)
    base(fig, height=height)
    fig.update_layout(margin=dict(t=40))
    return fig
