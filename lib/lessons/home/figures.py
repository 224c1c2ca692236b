"""The history of the deep-learning libraries as a timeline."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from lib.core.figure_style import GRID, PALETTE, SYMBOLS, base

# (date, library lane, i18n key of the event); dates as the course gives them.
EVENTS: tuple[tuple[str, str, str], ...] = (
    ("2007-01-01", "Theano", "theano"),
    ("2015-03-27", "Keras", "keras_theano"),
    ("2015-11-09", "TensorFlow", "tensorflow"),
    ("2016-06-01", "Keras", "keras_tf_default"),
    ("2016-09-01", "PyTorch", "pytorch"),
    ("2017-06-01", "Keras", "keras_backends"),
    ("2018-03-29", "PyTorch", "pytorch_caffe2"),
    ("2019-09-30", "TensorFlow", "tf2"),
    ("2023-11-28", "Keras", "keras3"),
)
LANES = ("Theano", "TensorFlow", "Keras", "PyTorch")
LEFT_OF_MARKER_FROM = "2020-01-01"  # events from here on print their date left of the marker


def timeline(labels: Sequence[str], title: str | None = None) -> go.Figure:
    """One row per event in ``EVENTS`` (oldest on top), coloured by library; ``labels`` in the same order."""
    fig = go.Figure()
    rows = list(zip(EVENTS, labels, strict=True))
    order = [text for _, text in rows]
    for lane, colour, symbol in zip(LANES, PALETTE, SYMBOLS, strict=False):  # a shape per library, not colour alone
        mine = [(d, text) for (d, ln, _), text in rows if ln == lane]
        fig.add_trace(
            go.Scatter(
                x=[d for d, _ in mine],
                y=[text for _, text in mine],
                mode="markers+text",
                marker=dict(size=14, color=colour, symbol=symbol, line=dict(width=1, color="white")),
                text=[d[:7] for d, _ in mine],
                # the last years' dates go left of their marker: on the right they ran past the plot's edge at 420 px
                textposition=["middle left" if d >= LEFT_OF_MARKER_FROM else "middle right" for d, _ in mine],
                textfont=dict(size=11),  # the theme's text colour: readable on light and dark
                hovertext=[f"{d[:7]} · {text}" for d, text in mine],
                hoverinfo="text",
                name=lane,
            )
        )
    base(fig, title, height=90 + 34 * len(rows))
    fig.update_xaxes(range=["2006-01-01", "2025-12-31"], dtick="M24", tickformat="%Y", showgrid=True)
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], showgrid=True, gridcolor=GRID)
    return fig
