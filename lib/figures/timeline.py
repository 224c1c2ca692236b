"""The history of the deep-learning libraries as a timeline."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from lib.figures.style import PALETTE, base

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


def timeline(labels: Sequence[str], title: str | None = None) -> go.Figure:
    """One marker per event in ``EVENTS``, labelled with ``labels`` (same order)."""
    fig = go.Figure()
    for lane, colour in zip(LANES, PALETTE):
        rows = [(d, text) for (d, ln, _), text in zip(EVENTS, labels) if ln == lane]
        fig.add_trace(
            go.Scatter(
                x=[d for d, _ in rows],
                y=[lane] * len(rows),
                mode="markers+text",
                marker=dict(size=16, color=colour, line=dict(width=1, color="white")),
                text=[text for _, text in rows],
                textposition="top center",
                hovertext=[f"{d[:7]} · {text}" for d, text in rows],
                hoverinfo="text",
                name=lane,
                showlegend=False,
                cliponaxis=False,
            )
        )
    base(fig, title, height=380)
    fig.update_xaxes(range=["2006-01-01", "2025-06-01"], showgrid=True, dtick="M24", tickformat="%Y")
    fig.update_yaxes(categoryorder="array", categoryarray=list(LANES)[::-1], range=[-0.5, len(LANES) - 0.2])
    return fig
