"""The 2-2-1 network diagram: signs by dash as well as colour, and labels short enough for a phone."""

from __future__ import annotations

from lib.lessons.training import figures as figs


def network(edge_text: dict, values: dict, notes: dict | None = None):
    return figs.network_figure(edge_text, values, {n: n for n in figs.NODES}, notes or {}, "L")


def test_negative_edges_are_dashed_and_a_sign_key_explains_it():
    values = {n: (1.0 if i % 2 else -1.0) for i, (n, *_) in enumerate(figs.EDGES)}
    fig = network({n: n for n in values}, values)
    edges = fig.data[:len(figs.EDGES)]
    for (name, *_), trace in zip(figs.EDGES, edges, strict=True):
        assert trace.line.dash == ("solid" if values[name] >= 0 else "dash")
        assert trace.line.color == (figs.POSITIVE if values[name] >= 0 else figs.NEGATIVE)
    key = [t for t in fig.data if t.showlegend is not False]
    assert [(t.name, t.line.dash) for t in key] == [("+", "solid"), ("−", "dash")]


def test_long_labels_wrap_and_short_ones_stay_whole():
    text = {n: f"∂L/∂{figs.symbol(n)} = -0.000663" for n, *_ in figs.EDGES}
    text["w11"] = "w₁₁ = 0.30"
    fig = network(text, dict.fromkeys(text, 0.1), {"h1": "z₁ = 1.000 · b₁ = 0.50", "y": "∂L/∂c = δ = 0.00884"})
    shown = {a.text for a in fig.layout.annotations}
    assert "w₁₁ = 0.30" in shown  # short: one line
    assert "∂L/∂w₂₁<br>= -0.000663" in shown  # long: the value on a line of its own
    assert "z₁ = 1.000<br>b₁ = 0.50" in shown and "∂L/∂c = δ<br>= 0.00884" in shown
    assert fig.layout.xaxis.range == (-0.4, 2.5)  # the loss box sits above the output, not beside it
