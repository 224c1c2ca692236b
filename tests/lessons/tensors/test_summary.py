"""The sentence under each histogram: numbers from the sample, words from both catalogues."""

import numpy as np

from lib.lessons.tensors import lab
from lib.lessons.tensors.summary import sample_summary


def test_normal_summary_states_count_range_and_moments() -> None:
    sample = lab.random_normal(500, 1.5, 0.5, 7)
    values = sample.values.astype(np.float64)
    en = sample_summary("en", sample, "normal")
    assert en == (f"500 values between {values.min():.3f} and {values.max():.3f}: sample mean {values.mean():.3f}"
                  f" (chosen 1.500), sample standard deviation {values.std():.3f} (chosen 0.500).")
    ko = sample_summary("ko", sample, "normal")
    assert ko.startswith("값 500개, 범위 ") and f"표본 평균: {values.mean():.3f} (고른 값: 1.500)" in ko


def test_uniform_summary_uses_the_expected_moments() -> None:
    sample = lab.random_uniform(2000, -1.0, 1.0, 3)
    en = sample_summary("en", sample, "uniform")
    assert "2,000 values" in en and "(expected 0.000)" in en and f"(expected {1 / np.sqrt(3):.3f})" in en
    assert "(기댓값: 0.000)" in sample_summary("ko", sample, "uniform")
    assert float(en.split(" and ")[1].split(":")[0]) < 1.0  # the largest value stays below maxval
