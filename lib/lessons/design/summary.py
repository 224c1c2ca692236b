"""One sentence under each main chart of the design lesson saying in numbers what it shows.

The numbers come from the same results the charts draw, printed with ``fmt`` as the page
prints them; the sentences from the lesson's catalogues (``design.chart_summary.*``).
No Streamlit here: the page shows them with ``ui.chart_summary``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from lib.core import summaries
from lib.core.i18n import translate
from lib.core.numbers import fmt


def _key(name: str) -> str:
    return f"design.chart_summary.{name}"


def history_summary(lang: str, history: Mapping[str, Sequence[float]]) -> str:
    """The designer's run: training loss first to last, the best validation epoch, the last validation accuracy."""
    name = {k: translate(lang, _key(k)) for k in ("loss", "val_loss", "val_accuracy")}
    parts = [summaries.trend_sentence(lang, name["loss"], history.get("loss", []),
                                      translate(lang, "common.unit.epochs"), digits=4)]
    if history.get("val_loss"):
        parts.append(summaries.best_sentence(lang, name["val_loss"], history["val_loss"], digits=4))
    if history.get("val_accuracy"):
        parts.append(summaries.sentence(translate(lang, "common.summary_last", what=name["val_accuracy"],
                                        value=fmt(history["val_accuracy"][-1]))))
    return " ".join(p for p in parts if p)


def confusion_summary(lang: str, counts: np.ndarray) -> str:
    """The confusion matrix: images on the diagonal (right) out of all, and the accuracy that makes."""
    counts = np.asarray(counts)
    total, right = int(counts.sum()), int(np.trace(counts))
    if not total:
        return ""
    return translate(lang, _key("confusion"), right=f"{right:,}", total=f"{total:,}", wrong=f"{total - right:,}",
                     accuracy=fmt(right / total))


def _mean_sd(values: Sequence[float]) -> tuple[str, str]:
    arr = np.asarray(values, np.float64)
    return fmt(float(arr.mean())), fmt(float(arr.std(ddof=1))) if len(arr) > 1 else "—"


def seeds_summary(lang: str, val_acc: Mapping[str, Sequence[float]], names: Mapping[str, str]) -> str:
    """Each activation's mean validation accuracy ± spread over the seeds, and who was higher how often."""
    (a, va), (b, vb) = val_acc.items()
    n = len(va)
    (ma, sa), (mb, sb) = _mean_sd(va), _mean_sd(vb)
    wins_b = sum(y > x for x, y in zip(va, vb, strict=True))
    key = "seeds_one" if n == 1 else "seeds"
    return translate(lang, _key(key), n=n, a=names[a], mean_a=ma, sd_a=sa, b=names[b], mean_b=mb, sd_b=sb,
                     wins=wins_b)


def activations_summary(lang: str, z: np.ndarray, curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
                        names: Mapping[str, str]) -> str:
    """The activation picture: the sigmoid's largest slope and where, and ReLU's slopes either side of 0."""
    z = np.asarray(z, float)
    slope = np.asarray(curves["sigmoid"][1], float)
    relu = np.asarray(curves["relu"][1], float)
    return translate(lang, _key("activations"), sigmoid=names["sigmoid"], relu=names["relu"],
                     top=fmt(float(slope.max()), 3), at=fmt(float(z[int(slope.argmax())]), 1),
                     left=fmt(float(relu[z < 0].max()), 0), right=fmt(float(relu[z > 0].min()), 0))


def _ratio(values: np.ndarray) -> str:
    """Output layer's mean |gradient| over layer 1's, as the page's metric prints it."""
    ratio = values[-1] / values[0] if values[0] > 0 else float("inf")
    return f"{ratio:,.0f}" if ratio >= 100 else f"{ratio:.2f}"


def gradients_summary(lang: str, grads: Mapping[str, np.ndarray], names: Mapping[str, str]) -> str:
    """Per activation: the mean |∂L/∂W| at layer 1 and at the output layer, and their ratio."""
    parts = [translate(lang, _key("gradient_part"), act=names[act], first=f"{float(g[0]):.2e}",
                       last=f"{float(g[-1]):.2e}", ratio=_ratio(np.asarray(g, float)))
             for act, g in grads.items()]
    depth = len(next(iter(grads.values())))
    return translate(lang, _key("gradients"), layers=depth, parts="; ".join(parts))


def pair_summary(lang: str, curves: Mapping[str, Sequence[float]]) -> str:
    """Two runs' validation accuracy after the last epoch: which is higher and by how much."""
    (name_a, a), (name_b, b) = curves.items()
    last_a, last_b, epochs = float(a[-1]), float(b[-1]), len(a)
    if not (math.isfinite(last_a) and math.isfinite(last_b)) or fmt(last_a) == fmt(last_b):
        return translate(lang, _key("pair_same"), epochs=epochs, a=name_a, b=name_b, value_a=fmt(last_a),
                         value_b=fmt(last_b))
    (hi_name, hi), (lo_name, lo) = sorted(((name_a, last_a), (name_b, last_b)), key=lambda p: -p[1])
    return translate(lang, _key("pair"), epochs=epochs, high_name=hi_name, high=fmt(hi), low_name=lo_name,
                     low=fmt(lo), diff=fmt(hi - lo))


def ensemble_summary(lang: str, member_acc: Sequence[float], ensemble_acc: float) -> str:
    """The bars: the ensemble's accuracy against its best member's, and the members' range."""
    best, worst = max(member_acc), min(member_acc)
    key = "ensemble_same" if fmt(ensemble_acc) == fmt(best) else "ensemble_better" if ensemble_acc > best \
        else "ensemble_worse"
    return translate(lang, _key(key), m=len(member_acc), acc=fmt(ensemble_acc), best=fmt(best), worst=fmt(worst),
                     diff=fmt(abs(ensemble_acc - best)))


def search_summary(lang: str, trials: Sequence[tuple[float, int]], val_acc: Sequence[float], best: int) -> str:
    """The search picture: the best trial's settings and accuracy, and the range over all trials."""
    finite = [v for v in val_acc if math.isfinite(v)]
    lr, units = trials[best]
    return translate(lang, _key("search"), n=len(trials), trial=best + 1, lr=f"{lr:.3g}", units=units,
                     acc=fmt(val_acc[best]), worst=fmt(min(finite)) if finite else fmt(math.nan))
