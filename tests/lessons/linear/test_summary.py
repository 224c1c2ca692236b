"""The sentences under the linear lesson's charts: numbers from the runs, words from both catalogues."""

from __future__ import annotations

import math

import numpy as np

from lib.lessons.linear import lab, summary


def test_data_summary_states_the_class_centres() -> None:
    spec = lab.LinearSpec(n_per_class=300, seed=2)
    inputs, _ = lab.dataset(spec)
    neg, pos = inputs[:300].mean(axis=0), inputs[300:].mean(axis=0)
    en = summary.data_summary("en", inputs, 300)
    assert en == (f"600 points, 300 per class: class 0 is centred at ({neg[0]:.3f}, {neg[1]:.3f}), "
                  f"class 1 at ({pos[0]:.3f}, {pos[1]:.3f}).")
    assert summary.data_summary("ko", inputs, 300).startswith("점 600개, 클래스마다 300개.")


def test_curve_summary_directions_and_a_blow_up() -> None:
    assert summary.curve_summary("en", "loss", [5.5895, 1.0, 0.0285]) == \
        "Loss fell from 5.5895 at step 0 to 0.0285 at step 2."
    assert summary.curve_summary("en", "accuracy", [0.5, 0.9]).startswith("Accuracy rose from 0.5000")
    assert "stayed at 1.0000 from step 0 to step 1" in summary.curve_summary("en", "accuracy", [1.0, 1.0])
    blown = summary.curve_summary("en", "loss", [5.0, 80.0, math.inf])
    assert blown == "Loss started at 5.0000 and became infinite or NaN at step 2."
    ko = summary.curve_summary("ko", "손실", [2.0, 1.0])
    assert ko == "손실: 스텝 0의 2.0000에서 스텝 1의 1.0000까지 줄었습니다."


def test_boundary_summary_counts_the_wrong_side_like_numpy() -> None:
    spec = lab.LinearSpec(n_per_class=200, steps=8)
    run = lab.train(spec)
    inputs, targets = lab.dataset(spec)
    for step in (0, 3, 8):
        w, b = run.state(step)
        wrong = int(np.sum((lab.predict(w, b, inputs) > 0.5) != targets[:, 0]))
        text = summary.boundary_summary("en", run, step)
        assert f"At step {step} of 8, {400 - wrong:,} of 400 points" in text and f"{wrong:,} on the wrong side" in text


def test_compare_names_the_lower_run_and_the_gap() -> None:
    en = summary.compare_summary("en", ("full batch", "mini-batches of 32"), ([0.5, 0.10], [0.5, 0.07]))
    assert en == "Mini-batches of 32 ended lower after 1 steps: 0.0700 against 0.1000 for full batch, 0.0300 less."
    assert "blew up" in summary.compare_summary("en", ("a", "b"), ([1.0, math.nan], [1.0, 0.2]))
    same = summary.compare_summary("ko", ("전체 배치", "미니 배치"), ([1.0, 0.2], [1.0, 0.2]))
    assert same.startswith("스텝 1개 뒤 두 실행")
    both = summary.final_accuracy_summary("en", ("full batch", "mini"), ([0.5, 0.97], [0.5, 0.975]))
    assert both == "Final accuracy on all points: full batch 0.9700, mini 0.9750."
