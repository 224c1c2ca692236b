"""The sentences under the saving page's charts: numbers from the inputs, words from both catalogues."""

import numpy as np

from lib.lessons.saving import summary
from lib.lessons.saving.models import Graph, LayerInfo


def test_history_summary_first_last_and_best_accuracy():
    history = {"loss": [1.2, 0.61234, 0.5], "val_accuracy": [0.7, 0.81, 0.8]}
    best = int(np.argmax(history["val_accuracy"])) + 1
    assert summary.history_summary("en", history) == (
        "Training loss fell from 1.2000 to 0.5000 over 3 epochs. "
        f"Validation accuracy was highest (0.8100) at epoch {best}.")
    assert summary.history_summary("ko", history) == (
        "훈련 손실: 3 에포크 동안 1.2000에서 0.5000까지 줄었습니다. "
        "검증 정확도: 2번째 에포크에서 가장 높았습니다 (0.8100).")
    assert summary.history_summary("en", {}) == ""


def test_composition_summary_adds_the_parts():
    parts = {"weights": 64_000, "optimizer": 128_000, "config": 2_048, "overhead": 500}
    total = sum(parts.values()) / 1024
    assert summary.composition_summary("en", "m.keras", parts) == (
        f"m.keras is {total:,.0f} KB: model weights 62 KB, optimizer state 125 KB, config (JSON) 2 KB, "
        "HDF5 and zip bookkeeping 500 B.")
    ko = summary.composition_summary("ko", "m.keras", parts)
    assert ko.startswith(f"m.keras 전체 크기: {total:,.0f} KB. 구성: 모델 가중치")


def test_architecture_summary_counts_layers_and_parameters():
    nodes = (LayerInfo("input", "InputLayer", "", "(None, 28, 28)", "(None, 28, 28)", 0),
             LayerInfo("flatten", "Flatten", "", "(None, 28, 28)", "(None, 784)", 0),
             LayerInfo("dense", "Dense", "relu", "(None, 784)", "(None, 20)", 15_700),
             LayerInfo("out", "Dense", "softmax", "(None, 20)", "(None, 10)", 210))
    graph = Graph(nodes, ((0, 1), (1, 2), (2, 3)))
    assert summary.architecture_summary("en", graph) == (
        "The diagram shows 4 layers, InputLayer → Flatten → Dense → Dense, with 15,910 parameters in all; "
        "input (None, 28, 28), output (None, 10).")
    assert summary.architecture_summary("ko", graph).startswith("다이어그램의 층 4개: InputLayer → Flatten")
    assert summary.architecture_summary("en", Graph((), ())) == ""


def test_grid_and_probability_summaries_use_argmax():
    y = np.array([0, 1, 2, 1])
    probs = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.5, 0.1, 0.4], [0.1, 0.1, 0.8]])
    rows = np.array([1, 2, 3])
    right = int((probs[rows].argmax(axis=1) == y[rows]).sum())
    assert summary.grid_summary("en", y, probs, rows) == f"The model predicts {right} of the 3 images shown correctly."
    assert summary.grid_summary("ko", y, probs, rows) == f"보이는 이미지 3개 중 맞게 예측한 이미지: {right}개."
    names = ["cat", "dog", "bird"]
    assert summary.probability_summary("en", probs[2], names, 2) == (
        "Most likely: cat (0.5000); the true class bird gets 0.4000.")
    assert summary.probability_summary("ko", probs[2], names, 2) == (
        "가장 가능성 높은 클래스: cat (0.5000). 실제 클래스 bird의 확률: 0.4000.")
