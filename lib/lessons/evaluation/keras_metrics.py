"""Keras' own metrics on the page's predictions, beside ``sklearn.metrics``.

The trained weights go into a model compiled with ``BinaryAccuracy``,
``Precision``, ``Recall`` and two ``AUC`` metrics, and ``model.evaluate`` runs on
the validation rows: the numbers ``fit`` reports as ``val_*`` in its last epoch.
The ROC ``AUC`` metric's own counters (true/false positives at each of its
``num_thresholds`` thresholds) are read back, so the page can draw the polygon
whose area Keras computes. The compiled evaluator comes from the engine's pool
(``engine.model_session``, keyed by structure), because tracing ``evaluate`` costs
far more than running it. No Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
from sklearn import metrics as skm

from lib.core import engine
from lib.core.models import build_model
from lib.core.specs import check
from lib.lessons.evaluation import lab
from lib.lessons.evaluation.controls import CONTROLS

NUM_THRESHOLDS = CONTROLS["ev_nthr"].options
DEFAULT_THRESHOLDS = CONTROLS["ev_nthr"].default  # Keras' default
KERAS_THRESHOLD = 0.5  # BinaryAccuracy, Precision and Recall call a score positive when it is > 0.5
ROWS = ("binary_accuracy", "precision", "recall", "auc", "pr_auc")
EVAL_BATCH = 4096


def keras_metrics(num_thresholds: int) -> list[keras.metrics.Metric]:
    """The metric objects, in the order the page's table lists them."""
    return [
        keras.metrics.BinaryAccuracy(name="binary_accuracy"),
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
        keras.metrics.AUC(num_thresholds=num_thresholds, name="auc"),
        keras.metrics.AUC(num_thresholds=num_thresholds, curve="PR", name="pr_auc"),
    ]


def _evaluator(spec: lab.ScoreSpec, dim: int, num_thresholds: int) -> Callable[[], keras.Model]:
    """What ``engine.model_session`` builds: the run's network, compiled with the Keras metrics."""

    def build() -> keras.Model:
        model = build_model(spec.model, (dim,), "binary", 2)
        model.compile(loss="binary_crossentropy", metrics=keras_metrics(num_thresholds))
        return model

    return build


def compiled_metric(model: keras.Model, name: str) -> keras.metrics.Metric:
    """The metric object ``compile`` was given under ``name`` (to read its counters back)."""
    for tracker in model.metrics:
        for metric in getattr(tracker, "metrics", [tracker]):
            if metric.name == name:
                return metric
    raise KeyError(name)


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
    check(num_thresholds in NUM_THRESHOLDS, f"num_thresholds must be one of {NUM_THRESHOLDS}")
    prep = lab.prepare(spec)
    dim = prep.x_val.shape[1]
    key = ("evaluation", "keras_metrics", spec.hidden, dim, num_thresholds)
    with engine.model_session(key, _evaluator(spec, dim, num_thresholds)) as pooled:
        model = pooled.model
        model.set_weights(weights)
        y = prep.y_val.astype(np.float32).reshape(-1, 1)
        values = model.evaluate(prep.x_val, y, batch_size=EVAL_BATCH, verbose=0, return_dict=True)
        if scores is None:
            scores = model.predict(prep.x_val, batch_size=EVAL_BATCH, verbose=0).ravel()
        roc = compiled_metric(model, "auc")
        tp, fp = roc.true_positives.numpy(), roc.false_positives.numpy()
        fn, tn = roc.false_negatives.numpy(), roc.true_negatives.numpy()
        thresholds = np.asarray(roc.thresholds, np.float64)
    return KerasCheck(
        num_thresholds=num_thresholds,
        keras={name: float(values[name]) for name in ROWS},
        sklearn=sklearn_side(prep.y_val, np.asarray(scores)),
        thresholds=thresholds,
        tpr=_rates(tp, fn),
        fpr=_rates(fp, tn),
    )
