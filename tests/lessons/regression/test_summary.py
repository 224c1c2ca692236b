"""The sentences under the regression charts: numbers from the inputs, words from both catalogues."""

import math

import numpy as np
from sklearn.metrics import mean_squared_error, r2_score

from lib.lessons.regression import evaluation as ev
from lib.lessons.regression import lab, summary


def test_features_summary_rounds_like_the_panel_titles():
    r = lab.correlations()
    en = summary.features_summary("en", r, ("TV", "radio"))
    assert en == (f"Correlation with sales (r): TV {r['TV']:.2f}, radio {r['radio']:.2f}, newspaper "
                  f"{r['newspaper']:.2f}. In the model: TV, radio.")
    ko = summary.features_summary("ko", r, ())
    assert ko.startswith("판매량(sales)에 대한 상관계수(r): TV 0.78") and ko.endswith("모델에 넣은 특성: —.")


def test_loss_summary_first_last_and_best_validation_epoch():
    history = {"loss": [220.5, 30.25, 2.5], "val_loss": [210.0, 3.1, 3.4]}
    assert summary.loss_summary("en", history) == (
        "Training loss (MSE) fell from 220.5000 to 2.5000 over 3 epochs. "
        f"Validation loss (MSE) was lowest (3.1000) at epoch {int(np.argmin(history['val_loss'])) + 1}.")
    assert summary.loss_summary("ko", history) == (
        "훈련 손실(MSE): 3 에포크 동안 220.5000에서 2.5000까지 줄었습니다. "
        "검증 손실(MSE): 2번째 에포크에서 가장 낮았습니다 (3.1000).")
    diverged = summary.loss_summary("en", {"loss": [5.0, math.inf, math.nan], "val_loss": [math.nan] * 3})
    assert diverged == "Training loss (MSE) became infinite or NaN within 3 epochs."
    assert "1.600e+10" in summary.loss_summary("en", {"loss": [1.6e10, 2.0]})
    assert summary.loss_summary("en", {}) == ""


def test_prediction_summary_matches_sklearn():
    y = np.array([10.0, 12.0, 8.0, 15.0])
    net, ols = np.array([10.5, 11.0, 8.2, 14.0]), np.array([9.0, 12.5, 9.0, 16.0])
    text = summary.prediction_summary("en", len(y), ev.scores(y, net), ev.scores(y, ols))
    assert text == (f"On 4 test rows the network has MSE {mean_squared_error(y, net):.4f} and R² "
                    f"{r2_score(y, net):.4f}; least squares has MSE {mean_squared_error(y, ols):.4f} and R² "
                    f"{r2_score(y, ols):.4f}.")
    ko = summary.prediction_summary("ko", 4, None, ev.scores(y, ols))
    assert ko == (f"테스트 4행에서 신경망의 예측은 숫자가 아닙니다. 최소제곱: MSE {mean_squared_error(y, ols):.4f}, "
                  f"R² {r2_score(y, ols):.4f}.")
