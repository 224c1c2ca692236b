"""The one-sentence chart summaries: numbers from the data, words from both catalogues."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lib.core import summaries

LOSS = [0.6931, 0.52, 0.41, 0.3549, 0.2137]


def test_trend_says_first_last_count_and_direction_in_both_languages() -> None:
    en = summaries.trend_sentence("en", "training loss", LOSS, "epochs")
    assert en == "Training loss fell from 0.693 to 0.214 over 5 epochs."
    ko = summaries.trend_sentence("ko", "학습 손실", LOSS, "에포크")
    assert ko == "학습 손실: 5 에포크 동안 0.693에서 0.214까지 줄었습니다."
    assert "rose from 0.214 to 0.693" in summaries.trend_sentence("en", "loss", LOSS[::-1], "epochs")
    assert "stayed at 0.500" in summaries.trend_sentence("en", "loss", [0.5, 0.5001], "epochs")
    assert "NaN" in summaries.trend_sentence("en", "loss", [0.5, math.nan], "epochs")
    assert summaries.trend_sentence("en", "loss", [], "epochs") == ""


def test_best_epoch_matches_numpy() -> None:
    val = [0.9, 0.5, 0.31, 0.35, math.nan, 0.4]
    best_epoch = int(np.nanargmin(val)) + 1
    en = summaries.best_sentence("en", "validation loss", val)
    assert en == f"Validation loss was lowest (0.310) at epoch {best_epoch}."
    acc = [0.5, 0.8, 0.75]
    assert f"at epoch {int(np.argmax(acc)) + 1}" in summaries.best_sentence("en", "accuracy", acc, lowest=False)
    assert summaries.best_sentence("en", "loss", [math.nan]) == ""


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_history_sentence_joins_the_parts(lang: str) -> None:
    history = {"loss": LOSS, "val_loss": [0.7, 0.6, 0.55, 0.58, 0.6], "val_accuracy": [0.5, 0.6, 0.7, 0.72, 0.71]}
    names = {"loss": "training loss", "val_loss": "validation loss", "val_accuracy": "validation accuracy"}
    text = summaries.history_sentence(lang, history, names)
    for number in ("0.693", "0.214", "0.550", "0.710", "3"):
        assert number in text
    assert ("over 5 epochs" if lang == "en" else "5 에포크 동안") in text
    one = summaries.history_sentence(lang, {"loss": [0.5]}, {"loss": "training loss" if lang == "en" else "학습 손실"})
    expected = {"en": "Training loss stayed at 0.500 over 1 epoch.",
                "ko": "학습 손실: 1 에포크 동안 0.500에 머물렀습니다."}
    assert one == expected[lang]
    assert text.count(".") >= 3
