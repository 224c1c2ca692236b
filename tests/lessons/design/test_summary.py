"""The sentences under the design lesson's charts: numbers from the results, words from both catalogues."""

from __future__ import annotations

import numpy as np

from lib.lessons.design import compare as sr
from lib.lessons.design import summary

ACTS = {"sigmoid": "sigmoid", "relu": "ReLU"}


def test_history_sentence_trend_best_and_last() -> None:
    history = {"loss": [0.9, 0.5], "val_loss": [0.6, 0.55], "val_accuracy": [0.8, 0.83]}
    assert summary.history_summary("en", history) == (
        "Training loss fell from 0.9000 to 0.5000 over 2 epochs. Validation loss was lowest (0.5500) at epoch 2. "
        "Validation accuracy ended at 0.8300.")
    assert summary.history_summary("ko", history).endswith("마지막 검증 정확도: 0.8300.")


def test_confusion_counts_the_diagonal() -> None:
    counts = np.array([[5, 1], [2, 12]])
    assert summary.confusion_summary("en", counts) == (
        "17 of 20 validation images are on the diagonal (classified right) and 3 off it: accuracy 0.8500.")
    assert summary.confusion_summary("en", np.zeros((2, 2))) == ""


def test_seeds_means_spreads_and_wins() -> None:
    val = {"sigmoid": [0.80, 0.82, 0.81], "relu": [0.83, 0.81, 0.85]}
    en = summary.seeds_summary("en", val, ACTS)
    assert en == ("Mean validation accuracy over 3 seeds: sigmoid 0.8100 ± 0.0100, ReLU 0.8300 ± 0.0200; "
                  "ReLU was higher on 2 of 3 seeds.")
    assert summary.seeds_summary("en", {"sigmoid": [0.8], "relu": [0.9]}, ACTS) == \
        "With one seed: validation accuracy sigmoid 0.8000, ReLU 0.9000."


def test_activation_slopes_from_the_tape() -> None:
    z, curves = sr.activation_curves()
    assert summary.activations_summary("en", z, curves, ACTS) == (
        "The sigmoid's slope is at most 0.250 (at z = 0.0); ReLU's slope is 0 for z < 0 and 1 for z > 0.")


def test_gradients_pair_ensemble_and_search() -> None:
    grads = {"sigmoid": np.array([1e-5, 2e-4, 4e-3]), "relu": np.array([2e-3, 2.5e-3, 3e-3])}
    assert summary.gradients_summary("en", grads, ACTS) == (
        "Mean |∂L/∂W| in a stack of 3 Dense layers, layer 1 and the output layer: "
        "sigmoid 1.00e-05 and 4.00e-03 (400×); ReLU 2.00e-03 and 3.00e-03 (1.50×).")
    pair = summary.pair_summary("en", {"with BN": [0.5, 0.8], "without BN": [0.5, 0.7]})
    assert pair == ("After 2 epochs the validation accuracy is higher with BN: 0.8000 against 0.7000 without BN, "
                    "0.1000 more.")
    assert "above its best member (0.8100)" in summary.ensemble_summary("en", [0.8, 0.81], 0.83)
    assert "0.0050 below its best member (0.8100)" in summary.ensemble_summary("en", [0.8, 0.81], 0.805)
    assert "as high as its best member" in summary.ensemble_summary("en", [0.8, 0.81], 0.81)
    search = summary.search_summary("en", [(0.001, 64), (0.0316, 128)], [0.7, 0.8], 1)
    assert search == ("Best of 2 trials: trial 2 (learning rate 0.0316, 128 units) with validation accuracy 0.8000; "
                      "the worst trial reached 0.7000.")
