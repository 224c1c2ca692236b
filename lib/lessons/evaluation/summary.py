"""One sentence under each main chart of the evaluation page: the numbers the chart draws, in words.

Every function takes the same result object the page draws from (counts, ``ThresholdStats``,
``Curves``, ``Sweep``, ``KerasCheck``, ``SegResult``) and fills a template of the
``evaluation.sum`` catalogue table. No Streamlit here.
"""

from __future__ import annotations

import math

import numpy as np

from lib.core.i18n import translate
from lib.core.numbers import fmt
from lib.lessons.evaluation.keras_metrics import KerasCheck
from lib.lessons.evaluation.lab import Curves, Sweep, ThresholdStats, pct
from lib.lessons.evaluation.segmentation import SegResult


def _t(lang: str, name: str, **values: object) -> str:
    return translate(lang, f"evaluation.sum.{name}", **values)


def distribution_summary(lang: str, train: tuple[int, int], val: tuple[int, int], removed: int) -> str:
    """Rows per class in training and validation (negatives, positives), and the positives removed."""
    text = _t(lang, "distribution", train_neg=train[0], train_pos=train[1], val_neg=val[0], val_pos=val[1],
              share=pct(val[1] / max(sum(val), 1)))
    return text + (" " + _t(lang, "removed", n=removed) if removed else "")


def histogram_summary(lang: str, stats: ThresholdStats) -> str:
    """How many rows of each class score at or above the threshold (the shaded side of the histogram)."""
    return _t(lang, "histogram", thr=fmt(stats.threshold, 2), tp=stats.tp, pos=stats.tp + stats.fn, fp=stats.fp,
              neg=stats.tn + stats.fp)


def confusion_summary(lang: str, stats: ThresholdStats) -> str:
    """The four cells and the share of rows the threshold gets right."""
    return _t(lang, "confusion", tn=stats.tn, fp=stats.fp, fn=stats.fn, tp=stats.tp, right=stats.tn + stats.tp,
              n=stats.tn + stats.fp + stats.fn + stats.tp, acc=fmt(stats.accuracy, 3))


def roc_summary(lang: str, cv: Curves, stats: ThresholdStats | None, cv_b: Curves | None = None,
                noise_b: float | None = None) -> str:
    """Model A's AUC, the operating point's TPR and FPR, and model B's AUC when it is drawn."""
    parts = [_t(lang, "roc", auc=fmt(cv.auc, 4))]
    if stats is not None:
        parts.append(_t(lang, "roc_point", thr=fmt(stats.threshold, 2), tpr=fmt(stats.sensitivity, 3),
                        fpr=fmt(stats.fpr, 3)))
    if cv_b is not None and cv_b.auc is not None and noise_b is not None:
        parts.append(_t(lang, "roc_b", noise=fmt(noise_b, 1), auc=fmt(cv_b.auc, 4)))
    return " ".join(parts)


def pr_summary(lang: str, cv: Curves, stats: ThresholdStats | None) -> str:
    """AP against the no-skill line, and the operating point's recall and precision when it is defined."""
    text = _t(lang, "pr", ap=fmt(cv.ap, 4), rate=fmt(cv.positive_rate, 4))
    if stats is not None and stats.predicted_positive > 0:
        text += " " + _t(lang, "pr_point", thr=fmt(stats.threshold, 2), recall=fmt(stats.sensitivity, 3),
                         precision=fmt(stats.precision, 3))
    return text


def sweep_summary(lang: str, sweep: Sweep) -> str:
    """AUC and AP at the data's own share of positives and at the rarest share of the sweep."""
    if len(sweep.shares) < 2:
        return ""
    return _t(lang, "sweep", first=pct(sweep.shares[0]), last=pct(sweep.shares[-1]), auc0=fmt(sweep.auc[0], 3),
              auc1=fmt(sweep.auc[-1], 3), ap0=fmt(sweep.ap[0], 3), ap1=fmt(sweep.ap[-1], 3))


def keras_roc_summary(lang: str, check: KerasCheck) -> str:
    """Keras's AUC from ``num_thresholds`` points against sklearn's exact one."""
    keras_auc, exact = check.keras["auc"], check.sklearn["auc"]
    if not (math.isfinite(keras_auc) and math.isfinite(exact)):
        return ""
    return _t(lang, "keras_roc", n=check.num_thresholds, keras=fmt(keras_auc, 4), exact=fmt(exact, 4),
              gap=fmt(abs(keras_auc - exact), 4))


def masks_summary(lang: str, result: SegResult) -> str:
    """How many pixels the two masks agree on, the pixel accuracy and the mean IoU."""
    total = int(np.sum(result.truth))
    return _t(lang, "masks", right=int(np.sum(result.correct)), n=total, pixel=fmt(result.pixel_accuracy, 3),
              iu=fmt(result.mean_iu, 3))
