"""One sentence under each main chart of the regression page: the numbers the chart draws, in words.

The numbers come from the same objects the page draws; the words from the catalogues
(``regression.sum.*`` and the shared ``common.summary_*``). No Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from lib.core.i18n import translate
from lib.core.numbers import fmt
from lib.lessons.regression.evaluation import Scores
from lib.lessons.regression.lab import TARGET
from lib.lessons.regression.training import fmt_loss


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def features_summary(lang: str, correlations: Mapping[str, float], selected: Sequence[str]) -> str:
    """Each feature's correlation with sales as the panel titles print it (two decimals), and the features used."""
    name = {n: translate(lang, f"regression.feature.{n}") for n in (*correlations, TARGET)}
    r = ", ".join(f"{name[n]} {fmt(v, 2)}" for n, v in correlations.items())
    chosen = ", ".join(name[n] for n in selected) or "—"
    return translate(lang, "regression.sum.features", target=name[TARGET], r=r, chosen=chosen)


def loss_summary(lang: str, history: Mapping[str, Sequence[float]]) -> str:
    """The training MSE's first and last value over the epochs run, and the validation MSE's lowest epoch."""
    loss = [float(v) for v in history.get("loss", [])]
    if not loss:
        return ""
    what, unit = translate(lang, "regression.sum.loss"), translate(lang, "common.unit.epochs")
    first, last = fmt_loss(loss[0]), fmt_loss(loss[-1])
    if not (math.isfinite(loss[0]) and math.isfinite(loss[-1])):
        way = "undefined"
    else:
        way = "same" if first == last else "fell" if loss[-1] < loss[0] else "rose"
    parts = [translate(lang, f"common.summary_{way}", what=what, first=first, last=last, n=len(loss), unit=unit)]
    val = [float(v) for v in history.get("val_loss", [])]
    finite = [v for v in val if math.isfinite(v)]
    if finite:
        best = min(finite)
        parts.append(translate(lang, "common.summary_lowest", what=translate(lang, "regression.sum.val_loss"),
                               value=fmt_loss(best), epoch=val.index(best) + 1))
    return " ".join(_capital(p) for p in parts)


def prediction_summary(lang: str, n: int, network: Scores | None, least_squares: Scores) -> str:
    """Test MSE and R² of the network (when its predictions are numbers) and of least squares, on ``n`` rows."""
    ols = {"ols_mse": fmt(least_squares.mse, 4), "ols_r2": fmt(least_squares.r2, 4)}
    if network is None:
        return translate(lang, "regression.sum.prediction_diverged", n=n, **ols)
    return translate(lang, "regression.sum.prediction", n=n, mse=fmt(network.mse, 4), r2=fmt(network.r2, 4), **ols)
