"""Figures for the training page. Numbers in, ``go.Figure`` out; every word is passed in as a label."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lib.core.figure_style import BOX_EDGE, BOX_INK, NEG, NEUTRAL, PALETTE, PLAIN_FILL, POS, base, ink, shade, tint

POSITIVE, NEGATIVE = NEG, POS  # blue for a positive number, vermillion for a negative one
POSITIVE_DASH, NEGATIVE_DASH = "solid", "dash"  # and solid against dashed, not by colour alone

# Node positions of the 2-2-1 network diagram.
NODES = {"x1": (0.0, 1.0), "x2": (0.0, -1.0), "h1": (1.0, 1.0), "h2": (1.0, -1.0), "y": (2.0, 0.0)}
# (parameter, source, target, where along the edge its label sits): the two crossing
# edges get their labels near the source so no two labels meet in the middle.
EDGES = (
    ("w11", "x1", "h1", 0.5),
    ("w21", "x2", "h1", 0.28),
    ("w12", "x1", "h2", 0.28),
    ("w22", "x2", "h2", 0.5),
    ("v1", "h1", "y", 0.5),
    ("v2", "h2", "y", 0.5),
)
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def symbol(name: str) -> str:
    """``w21`` -> ``w₂₁``, ``b1`` -> ``b₁``, ``c`` -> ``c``."""
    return name[0] + name[1:].translate(SUBSCRIPT)


def _sign_colour(value: float) -> str:
    return POSITIVE if value >= 0 else NEGATIVE


def _sign_dash(value: float) -> str:
    return POSITIVE_DASH if value >= 0 else NEGATIVE_DASH


def _two_lines(text: str, longer_than: int) -> str:
    """``a · b`` as two lines, and a long ``name = value`` with the value on a line of its own.

    The diagram has to stay readable on a phone (about 390 px for the whole drawing).
    """
    if " · " in text:
        return text.replace(" · ", "<br>")
    if len(text) > longer_than and " = " in text:
        head, _, value = text.rpartition(" = ")
        return f"{head}<br>= {value}"
    return text


def network_figure(edge_text: dict[str, str], edge_values: dict[str, float], node_text: dict[str, str],
                   node_notes: dict[str, str], loss_text: str, title: str | None = None,
                   height: int = 420) -> go.Figure:
    """The 2-2-1 network: nodes with their values, edges with a label each, the loss box above the output.

    ``edge_values`` sets each edge's colour and dash (sign: blue solid positive, vermillion dashed
    negative) and width (size relative to the largest); ``node_notes`` are small lines under a node
    (z = w·x + b, a bias gradient, ...). Drawn to read at a phone's width too: compact nodes, long labels
    on two lines, the loss box in the free corner above the output rather than beside it.
    """
    fig = go.Figure()
    biggest = max((abs(v) for v in edge_values.values() if math.isfinite(v)), default=1.0) or 1.0
    for name, src, dst, _ in EDGES:
        (x0, y0), (x1, y1) = NODES[src], NODES[dst]
        value = edge_values.get(name, 0.0)
        width = 1.5 + 6.0 * min(1.0, abs(value) / biggest) if math.isfinite(value) else 1.5
        fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", hoverinfo="skip", showlegend=False,
                                 line=dict(color=_sign_colour(value), width=width, dash=_sign_dash(value))))
    # The key: "+" and "−" need no translation.
    for sign, value in (("+", 1.0), ("−", -1.0)):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=sign, hoverinfo="skip",
                                 line=dict(color=_sign_colour(value), width=3, dash=_sign_dash(value))))
    # Edge labels as annotations with a white box so crossing lines stay readable. All annotations
    # are set in one go at the end: plotly copies the whole list on every add_annotation call.
    notes: list[dict] = []
    for name, src, dst, where in EDGES:
        (x0, y0), (x1, y1) = NODES[src], NODES[dst]
        notes.append(dict(x=x0 + where * (x1 - x0), y=y0 + where * (y1 - y0), text=_two_lines(edge_text[name], 12),
                          showarrow=False, font=dict(size=12, color=ink(_sign_colour(edge_values.get(name, 0.0)))),
                          bgcolor="rgba(255,255,255,0.92)", bordercolor=NEUTRAL, borderwidth=1, borderpad=2))
    names = list(NODES)
    colours = [tint(PALETTE[1])] * 2 + [tint(PALETTE[0])] * 2 + [tint(PALETTE[2])]
    fig.add_trace(go.Scatter(
        x=[NODES[n][0] for n in names], y=[NODES[n][1] for n in names], mode="markers+text",
        marker=dict(size=66, color=colours, line=dict(width=2, color=BOX_EDGE)),
        text=[node_text[n] for n in names], textfont=dict(size=13, color=BOX_INK), hoverinfo="skip",
        showlegend=False,
    ))
    for n, note in node_notes.items():
        x, y = NODES[n]
        notes.append(dict(x=x, y=y - 0.36 if y <= 0 else y + 0.36, text=_two_lines(note, 16), showarrow=False,
                          font=dict(size=12, color=NEUTRAL), yanchor="top" if y <= 0 else "bottom"))
    # The loss: the output compared with the target, in the free corner above the output.
    x_out, y_out = NODES["y"]
    notes.append(dict(x=x_out, y=y_out + 0.82, text=loss_text, showarrow=False, align="left", yanchor="bottom",
                      font=dict(size=12, color=BOX_INK), bgcolor=PLAIN_FILL, bordercolor=NEUTRAL, borderwidth=1,
                      borderpad=5))
    notes.append(dict(x=x_out, y=y_out + 0.78, ax=x_out, ay=y_out + 0.32, xref="x", yref="y", axref="x", ayref="y",
                      text="", showarrow=True, arrowhead=2, arrowwidth=1.5, arrowcolor=NEUTRAL))
    base(fig, title, height=height)
    fig.update_layout(annotations=notes, legend=dict(x=0, y=1.0, yanchor="top", orientation="h",
                                                     font=dict(size=14), itemwidth=40))
    fig.update_xaxes(visible=False, range=[-0.4, 2.5], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-1.75, 1.75], fixedrange=True)
    fig.update_layout(margin=dict(l=6, r=6, t=40 if title else 6, b=6))
    return fig


# --------------------------------------------------------------------------- epochs, batches, iterations

MAX_BLOCKS = 120  # more batches than this per epoch are drawn in groups


def batches_figure(n: int, batch_size: int, epochs: int, labels: dict[str, str], max_rows: int = 3,
                   height: int | None = None) -> tuple[go.Figure, int]:
    """The data (x: sample position) cut into mini-batches, one row per epoch, numbered by iteration.

    Returns the figure and how many batches one drawn block holds (1 unless there are
    more than ``MAX_BLOCKS`` batches per epoch). ``labels`` keys: epoch (with {epoch}),
    full, last, x, hover (with {batch}, {start}, {stop}, {size}, {iteration}), more (with {count}).
    """
    per_epoch = math.ceil(n / batch_size)
    last = n - (per_epoch - 1) * batch_size
    full_batches = per_epoch - 1 if last < batch_size else per_epoch
    group = max(1, math.ceil(full_batches / MAX_BLOCKS))
    rows = min(epochs, max_rows)
    row_names = [labels["epoch"].format(epoch=e + 1) for e in range(rows)]
    fig = go.Figure()
    # Neighbouring batches alternate two blues; the short last batch is vermillion and hatched.
    for kind, colour_a, colour_b in (("full", PALETTE[1], shade(PALETTE[1])), ("last", ink(POS), ink(POS))):
        xs, bases, ys, colours, texts, hovers = [], [], [], [], [], []
        for row in range(rows):
            if kind == "full":
                blocks = [(k, min(k + group, full_batches)) for k in range(0, full_batches, group)]
            else:
                blocks = [(full_batches, per_epoch)] if full_batches < per_epoch else []
            for i, (first, stop) in enumerate(blocks):
                start_sample, stop_sample = first * batch_size, min(stop * batch_size, n)
                iteration = row * per_epoch + first + 1
                xs.append(stop_sample - start_sample)
                bases.append(start_sample)
                ys.append(row_names[row])
                colours.append(colour_a if i % 2 == 0 else colour_b)
                texts.append(str(iteration) if per_epoch <= 24 else "")  # numbers only where they fit
                hovers.append(labels["hover"].format(batch=first + 1, start=start_sample, stop=stop_sample - 1,
                                                     size=stop_sample - start_sample, iteration=iteration))
        if xs:
            fig.add_trace(go.Bar(
                x=xs, base=bases, y=ys, orientation="h",
                marker=dict(color=colours, line=dict(width=1, color="white"),
                            pattern=dict(shape="/" if kind == "last" else "", fgcolor="white", fgopacity=0.35)),
                text=texts, textposition="inside", insidetextanchor="middle", hovertext=hovers, hoverinfo="text",
                name=labels[kind], showlegend=True, textfont=dict(color="white", size=12),
            ))
    if epochs > rows:
        fig.add_annotation(x=1, y=1.02, xref="paper", yref="paper", showarrow=False, xanchor="right", yanchor="bottom",
                           text=labels["more"].format(count=epochs - rows), font=dict(size=12, color=NEUTRAL))
    base(fig, height=height or 110 + 52 * rows)
    fig.update_layout(barmode="overlay", bargap=0.25)
    fig.update_xaxes(range=[0, n], title_text=labels["x"], showgrid=False)
    fig.update_yaxes(categoryorder="array", categoryarray=row_names[::-1], showgrid=False)
    return fig, group


def fit_history_figure(iterations_after_epoch: Sequence[int], loss: Sequence[float], labels: dict[str, str],
                       height: int = 300) -> go.Figure:
    """Training loss at the end of every epoch, against the optimizer steps taken so far.

    ``labels`` keys: x, y, trace, epoch (with {epoch}).
    """
    it = list(iterations_after_epoch)
    fig = go.Figure(go.Scatter(
        x=it, y=list(loss), mode="lines+markers", name=labels["trace"], line=dict(color=PALETTE[1], width=3),
        marker=dict(size=9), hovertext=[labels["epoch"].format(epoch=e + 1) for e in range(len(it))],
        hovertemplate="%{hovertext}<br>%{x}: %{y:.4f}<extra></extra>",
    ))
    base(fig, height=height)
    fig.update_xaxes(title_text=labels["x"], rangemode="tozero")
    fig.update_yaxes(title_text=labels["y"], rangemode="tozero")
    return fig


# --------------------------------------------------------------------------- gradient descent on a curve


def descent_figure(curve_w: np.ndarray, curve_loss: np.ndarray, path_w: np.ndarray, path_loss: np.ndarray,
                   labels: dict[str, str], escaped: bool = False, height: int = 430) -> go.Figure:
    """Left: L(w) with the ball's path (numbered steps). Right: the loss per step on a log scale.

    Points outside the drawn w-range are left out of the left panel (the right one shows
    them all). ``labels`` keys: curve, path, start, end, w, loss, loss_log, step, escaped.
    """
    lo, hi = float(curve_w.min()), float(curve_w.max())
    y_top = float(curve_loss.max()) * 1.08
    fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38], horizontal_spacing=0.1)
    fig.add_trace(go.Scatter(x=curve_w, y=curve_loss, mode="lines", name=labels["curve"],
                             line=dict(color=PALETTE[1], width=3), hoverinfo="skip"), row=1, col=1)
    inside = (path_w >= lo) & (path_w <= hi) & (path_loss <= y_top)
    steps = np.arange(len(path_w))
    shown = steps[inside]
    if len(shown):
        fig.add_trace(go.Scatter(
            x=path_w[inside], y=path_loss[inside], mode="lines+markers", name=labels["path"],
            line=dict(color=NEUTRAL, width=1.5, dash="dot"),
            marker=dict(size=[16 if s == 0 else 11 for s in shown],
                        color=[float(s) for s in shown], colorscale=[[0, tint(POS, 0.55)], [1, POS]],
                        line=dict(width=1, color="white")),
            hovertemplate=labels["step"] + " %{text}<br>w = %{x:.4f}<br>L = %{y:.4f}<extra></extra>",
            text=[str(s) for s in shown],
        ), row=1, col=1)
        # The ball where it ends up (or where it was last seen on the picture).
        fig.add_trace(go.Scatter(x=[path_w[inside][-1]], y=[path_loss[inside][-1]], mode="markers",
                                 name=labels["end"], marker=dict(size=22, color=POS, line=dict(width=2, color="white")),
                                 hoverinfo="skip"), row=1, col=1)
    if escaped or not inside.all():
        fig.add_annotation(x=0.5, y=0.98, xref="x domain", yref="y domain", text=labels["escaped"], showarrow=False,
                           font=dict(size=12, color=ink(POS)), bgcolor="rgba(255,255,255,0.9)", row=1, col=1)
    floor = 1e-12  # a loss of exactly 0 still gets a point on the log axis
    fig.add_trace(go.Scatter(x=steps, y=np.maximum(path_loss, floor), mode="lines+markers", name=labels["loss"],
                             line=dict(color=POS, width=2), marker=dict(size=6), showlegend=False, cliponaxis=False,
                             hovertemplate=labels["step"] + " %{x}<br>L = %{y:.3g}<extra></extra>"), row=1, col=2)
    base(fig, height=height)
    fig.update_xaxes(title_text=labels["w"], range=[lo, hi], row=1, col=1)
    fig.update_yaxes(title_text=labels["loss"], range=[-0.03 * y_top, y_top], row=1, col=1)
    # Step 0 sits half a step inside the axis, so its marker is drawn whole (rangemode="tozero" cut it in half).
    fig.update_xaxes(title_text=labels["step"], range=[-0.5, max(len(steps) - 1, 1) + 0.5], row=1, col=2)
    fig.update_yaxes(type="log", exponentformat="power", title_text=labels.get("loss_log", labels["loss"]),
                     row=1, col=2)
    return fig
