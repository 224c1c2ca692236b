"""Evaluate, predict, compare: the regression network's test scores beside a least-squares reference.

``LinearRegression`` is fitted on the same training rows the network learns from and
scored on the same test rows, with the same ``sklearn.metrics`` as the script
``lib.lessons.regression.code`` writes. No Streamlit in this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.lessons.regression.lab import SHOWN_ROWS, TARGET, SplitSpec, all_finite, split


@dataclass(frozen=True)
class Scores:
    mse: float
    mae: float
    rmse: float
    r2: float


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> Scores | None:
    """MSE, MAE, RMSE and R² with ``sklearn.metrics``; None when a prediction is NaN or infinite."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if not (all_finite(y_pred) and np.abs(y_pred).max(initial=0.0) < 1e150):  # squares of 1e150+ overflow
        return None
    mse = float(mean_squared_error(y_true, y_pred))
    return Scores(mse=mse, mae=float(mean_absolute_error(y_true, y_pred)), rmse=math.sqrt(mse),
                  r2=float(r2_score(y_true, y_pred)))


@dataclass(frozen=True)
class LeastSquares:
    intercept: float
    coef: tuple[float, ...]
    pred: np.ndarray
    scores: Scores


def least_squares(spec: SplitSpec) -> LeastSquares:
    """``LinearRegression`` fitted on the same training rows the network learns from, scored on the test set."""
    from sklearn.linear_model import LinearRegression

    s = split(spec)
    ols = LinearRegression().fit(s.x_train, s.y_train)
    pred = ols.predict(s.x_test).astype(np.float32)
    return LeastSquares(float(ols.intercept_), tuple(float(c) for c in ols.coef_), pred, scores(s.y_test, pred))


def prediction_table(y_test: np.ndarray, pred: np.ndarray | None, ols_pred: np.ndarray,
                     rows: int = SHOWN_ROWS) -> pd.DataFrame:
    """The first test rows: label, the network's prediction and error, the least-squares prediction.

    ``pred`` is None when training diverged: those columns are then empty (NaN).
    """
    n = min(rows, len(y_test))
    pred = np.full(n, np.nan) if pred is None else pred
    y, p, o = (np.asarray(a[:n], dtype=np.float64) for a in (y_test, pred, ols_pred))
    return pd.DataFrame({"label": y, "prediction": p, "error": p - y, "least_squares": o})


def verdict(network: Scores | None, reference: Scores, tolerance: float = 0.1) -> str:
    """"beats", "matches" (within ``tolerance`` of the reference's MSE), "worse" or "diverged"."""
    if network is None:
        return "diverged"
    ratio = network.mse / reference.mse
    if ratio < 1 - tolerance:
        return "beats"
    return "matches" if ratio <= 1 + tolerance else "worse"


def score_frame(network: Scores | None, reference: Scores) -> pd.DataFrame:
    """Rows MSE, MAE, RMSE, R²; columns ``network`` and ``least_squares`` (NaN where training diverged)."""
    names = ("mse", "mae", "rmse", "r2")
    net = [getattr(network, n) if network else float("nan") for n in names]
    return pd.DataFrame({"network": net, "least_squares": [getattr(reference, n) for n in names]},
                        index=["MSE", "MAE", "RMSE", "R²"]).round(4)


def ols_formula(ls: LeastSquares, features: tuple[str, ...]) -> str:
    """The fitted plane as text: ``sales ≈ 2.642 + 0.0466·TV + …``."""
    terms = "".join(f" {'−' if c < 0 else '+'} {abs(c):.4f}·{name}" for c, name in zip(ls.coef, features, strict=True))
    return f"{TARGET} ≈ {ls.intercept:.3f}{terms}"
