"""The loss and accuracy charts drawn one at a time (two columns on a wide screen, stacked on a phone)."""

from __future__ import annotations

from lib.lessons.callbacks import figures as figs

LABELS = {k: k for k in ("train", "validation", "loss", "accuracy", "epoch", "best", "stop", "patience", "warmup",
                         "from_train", "from_val")}
HISTORY = {"loss": [1.0, 0.5, 0.4, 0.45, 0.5], "val_loss": [1.1, 0.6, 0.5, 0.55, 0.6],
           "accuracy": [0.2, 0.5, 0.6, 0.6, 0.6], "val_accuracy": [0.1, 0.4, 0.5, 0.5, 0.5]}


def test_one_metric_per_figure_keeps_the_marks():
    loss = figs.curves_figure(HISTORY, LABELS, best=3, stop=5, warmup=1, metric="loss")
    acc = figs.curves_figure(HISTORY, LABELS, best=3, stop=5, warmup=1, metric="accuracy")
    assert [t.y for t in loss.data] == [tuple(HISTORY["loss"]), tuple(HISTORY["val_loss"])]
    assert [t.y for t in acc.data] == [tuple(HISTORY["accuracy"]), tuple(HISTORY["val_accuracy"])]
    for fig in (loss, acc):
        assert "xaxis2" not in fig.to_plotly_json()["layout"]  # a single panel, full width of its column
        assert {round(s.x0) for s in fig.layout.shapes if s.type == "line"} == {3, 5}
        assert [t.line.dash for t in fig.data] == ["solid", "dash"]  # training and validation not by colour alone
    assert "warmup" in {a.text for a in loss.layout.annotations}
    assert "patience 2" in {a.text for a in acc.layout.annotations}


def test_both_metrics_side_by_side_still_work():
    fig = figs.curves_figure(HISTORY, LABELS, best=3, stop=5)
    assert len(fig.data) == 4 and fig.layout.xaxis2.domain == (0.545, 1)


def test_board_figure_one_metric_reads_back_with_two_shapes():
    scalars = {"train": {"epoch_loss": ([0, 1], [1.0, 0.5])}, "validation": {"epoch_loss": ([0, 1], [1.1, 0.6])}}
    fig = figs.board_figure(scalars, HISTORY, LABELS, metric="loss")
    dots = [t for t in fig.data if t.mode == "markers"]
    assert [t.marker.symbol for t in dots] == ["circle-open", "diamond-open"]
