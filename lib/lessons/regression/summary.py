"""One sentence under each main chart of the regression page: the numbers the chart draws, in words.

The numbers come from the same objects the page draws; the words from the catalogues
(``regression.sum.*`` and the shared ``common.summary_*``). No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lib.core.i18n import translate
from lib.core.numbers import fmt
from lib.core.summaries import best_sentence, trend_sentence
from lib.lessons.regression.evaluation import Scores
from lib.lessons.regression.lab import TARGET
from lib.lessons.regression.training import fmt_loss


def features_summary(lang: str, correlations: Mapping[str, float], selected: Sequence[str]) -> str:
    """Each feature's correlation with sales as the panel titles print it (two decimals), and the features used."""
    name = {n: translate(lang, f"regression.feature.{n}") for n in (*correlations, TARGET)}
    r = ", ".join(f"{name[n]} {fmt(v, 2)}" for n, v in correlations.items())
    chosen = ", ".join(name[n] for n in selected) or "—"
    return translate(lang, "regression.sum.features", target=name[TARGET], r=r, chosen=chosen)


def loss_summary(lang: str, history: Mapping[str, Sequence[float]]) -> str:
    """The training MSE's first and last value over the epochs run, and the validation MSE's lowest epoch."""
    unit = translate(lang, "common.unit.epochs")
    parts = [trend_sentence(lang, translate(lang, "regression.sum.loss"), history.get("loss", []), unit,
                            number=fmt_loss),
             best_sentence(lang, translate(lang, "regression.sum.val_loss"), history.get("val_loss", []),
                           number=fmt_loss)]
    return " ".join(p for p in parts if p)


def prediction_summary(lang: str, n: int, network: Scores | None, least_squares: Scores) -> str:
    """Test MSE and R² of the network (when its predictions are numbers) and of least squares, on ``n`` rows."""
    ols = {"ols_mse": fmt(least_squares.mse, 4), "ols_r2": fmt(least_squares.r2, 4)}
    if network is None:
        return translate(lang, "regression.sum.prediction_diverged", n=n, **ols)
    return translate(lang, "regression.sum.prediction", n=n, mse=fmt(network.mse, 4), r2=fmt(network.r2, 4), **ols)
