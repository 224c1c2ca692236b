"""Keras' own metrics on the page's predictions, beside ``sklearn.metrics``.

The trained weights go into a model compiled with ``BinaryAccuracy``,
``Precision``, ``Recall`` and two ``AUC`` metrics, and ``model.evaluate`` runs on
the validation rows: the numbers ``fit`` reports as ``val_*`` in its last epoch.
The ROC ``AUC`` metric's own counters (true/false positives at each of its
``num_thresholds`` thresholds) are read back, so the page can draw the polygon
whose area Keras computes. Compiled evaluators are pooled by structure, because
tracing ``evaluate`` costs far more than running it. No Streamlit here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

from lib.core.pool import Pool
from lib.lessons.evaluation import lab

NUM_THRESHOLDS = (3, 5, 10, 50, 200, 1000)
DEFAULT_THRESHOLDS = 200  # Keras' default
KERAS_THRESHOLD = 0.5  # BinaryAccuracy, Precision and Recall call a score positive when it is > 0.5
ROWS = ("binary_accuracy", "precision", "recall", "auc", "pr_auc")
EVAL_BATCH = 4096

_POOL: Pool = Pool(max_keys=12)


def keras_metrics(num_thresholds: int) -> list:
    """The metric objects, in the order the page's table lists them."""
    import keras

    return [
        keras.metrics.BinaryAccuracy(name="binary_accuracy"),
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
        keras.metrics.AUC(num_thresholds=num_thresholds, name="auc"),
        keras.metrics.AUC(num_thresholds=num_thresholds, curve="PR", name="pr_auc"),
    ]


class _Evaluator:
    """A compiled model whose traced ``evaluate`` is reused; it keeps its metric objects to read them back."""

    def __init__(self, spec: lab.ScoreSpec, dim: int, num_thresholds: int) -> None:
        from lib.core.models import build_model

        self.model = build_model(spec.model, (dim,), "binary", 2)
        self.metrics = keras_metrics(num_thresholds)
        self.model.compile(loss="binary_crossentropy", metrics=self.metrics)


@dataclass(frozen=True)
class KerasCheck:
    """Keras' numbers, sklearn's numbers on the same predictions, and Keras' ROC polygon."""

    num_thresholds: int
    keras: dict[str, float]
    sklearn: dict[str, float]  # NaN where sklearn calls the metric undefined
    thresholds: np.ndarray  # the AUC metric's thresholds, ascending
    tpr: np.ndarray  # Keras' counters turned into rates, one per threshold
    fpr: np.ndarray

    def difference(self, name: str) -> float:
        a, b = self.keras[name], self.sklearn[name]
        return a - b if math.isfinite(a) and math.isfinite(b) else math.nan


def sklearn_side(y: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """The same five numbers from ``sklearn.metrics``, with Keras' rule "positive when > 0.5"."""
    pred = (scores > KERAS_THRESHOLD).astype(np.int32)
    one_class = not ((y == 0).any() and (y == 1).any())
    return {
        "binary_accuracy": float(skm.accuracy_score(y, pred)),
        "precision": float(skm.precision_score(y, pred, zero_division=np.nan)),
        "recall": float(skm.recall_score(y, pred, zero_division=np.nan)),
        "auc": math.nan if one_class else float(skm.roc_auc_score(y, scores)),
        "pr_auc": float(skm.average_precision_score(y, scores)) if (y == 1).any() else math.nan,
    }


def _rates(numerator: np.ndarray, other: np.ndarray) -> np.ndarray:
    total = numerator + other
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, numerator / np.where(total > 0, total, 1), np.nan)


def keras_check(spec: lab.ScoreSpec, weights: list[np.ndarray], num_thresholds: int = DEFAULT_THRESHOLDS,
                scores: np.ndarray | None = None) -> KerasCheck:
    """``model.evaluate`` with the Keras metrics on the run's validation rows, and sklearn beside it."""
    lab.check(num_thresholds in NUM_THRESHOLDS, f"num_thresholds must be one of {NUM_THRESHOLDS}")
    prep = lab.prepare(spec)
    dim = prep.x_val.shape[1]
    key = (spec.hidden, dim, num_thresholds)
    evaluator = _POOL.take(key, lambda: _Evaluator(spec, dim, num_thresholds))
    try:
        evaluator.model.set_weights(weights)
        y = prep.y_val.astype(np.float32).reshape(-1, 1)
        values = evaluator.model.evaluate(prep.x_val, y, batch_size=EVAL_BATCH, verbose=0, return_dict=True)
        if scores is None:
            scores = evaluator.model.predict(prep.x_val, batch_size=EVAL_BATCH, verbose=0).ravel()
        roc = evaluator.metrics[3]
        tp, fp = roc.true_positives.numpy(), roc.false_positives.numpy()
        fn, tn = roc.false_negatives.numpy(), roc.true_negatives.numpy()
        thresholds = np.asarray(roc.thresholds, np.float64)
    finally:
        _POOL.give_back(key, evaluator)
    return KerasCheck(
        num_thresholds=num_thresholds,
        keras={name: float(values[name]) for name in ROWS},
        sklearn=sklearn_side(prep.y_val, np.asarray(scores)),
        thresholds=thresholds,
        tpr=_rates(tp, fn),
        fpr=_rates(fp, tn),
    )
