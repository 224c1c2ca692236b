"""The sentences under the layers lesson's charts: numbers from the results, words from both catalogues."""

from __future__ import annotations

import math

import numpy as np

from lib.lessons.layers import summary


def test_shapes_sentence_counts_the_parameters() -> None:
    assert summary.shapes_summary("en", 128, 784, 512) == \
        "x (128, 784) @ W (784, 512) + b (512,) = y (128, 512): 401,920 parameters in W and b."
    assert summary.shapes_summary("ko", 1, 6, 4).endswith("W와 b의 파라미터: 28개.")


def test_probabilities_name_the_top_class_and_the_largest_gap() -> None:
    a = np.array([0.1, 0.7, 0.2])
    b = np.array([0.1, 0.69, 0.21])
    en = summary.probabilities_summary("en", a, b, ("keras.Sequential", "MySequential"))
    assert en == ("For the first sample both models rank class 1 highest (0.7000 from keras.Sequential, 0.6900 from "
                  "MySequential); over the 3 classes their probabilities differ by at most 0.01.")
    same = summary.probabilities_summary("en", a, a, ("A", "B"))
    assert same == ("For the first sample both models rank class 1 highest (0.7000) and give all 3 classes exactly "
                    "the same probabilities.")
    differ = summary.probabilities_summary("en", a, np.array([0.5, 0.3, 0.2]), ("A", "B"))
    assert "A ranks class 1 highest and B class 0" in differ


def test_compare_names_the_lower_run() -> None:
    runs = {"By strings": {"val_loss": [0.9, 0.31]}, "By objects": {"val_loss": [0.9, 0.35]}}
    assert summary.compare_summary("en", runs) == ("After 2 epochs the validation loss is lower by strings: 0.3100 "
                                                   "against 0.3500 by objects, a difference of 0.0400.")
    same = {"a": {"val_loss": [0.3]}, "b": {"val_loss": [0.30001]}}
    assert summary.compare_summary("en", same) == "After 1 epochs both runs reach the same validation loss, 0.3000."
    assert "not a number" in summary.compare_summary("en", {"a": {"val_loss": [math.nan]}, "b": {"val_loss": [1.0]}})


def test_history_sentence_trend_best_epoch_and_outputs() -> None:
    history = {"loss": [3.0, 2.0, 1.5], "val_loss": [2.5, 2.2, 2.4], "age_loss": [1.0, 0.5, 0.25]}
    en = summary.history_summary("en", history, "loss (total)", ["age_loss"])
    assert en == ("Loss (total) fell from 3.0000 to 1.5000 over 3 epochs. Validation loss was lowest (2.2000) at "
                  "epoch 2. Last epoch, per output: `age_loss` 0.2500.")
    ko = summary.history_summary("ko", history, "전체 손실(loss)")
    assert ko.startswith("전체 손실(loss): 3 에포크 동안 3.0000에서 1.5000까지 줄었습니다.")
