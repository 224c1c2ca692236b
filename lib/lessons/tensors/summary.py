"""One sentence under each histogram saying in numbers what it shows (``ui.chart_summary``)."""

from __future__ import annotations

import numpy as np

from lib.core.i18n import translate
from lib.core.numbers import fmt
from lib.lessons.tensors.lab import RandomSample


def sample_summary(lang: str, sample: RandomSample, kind: str) -> str:
    """How many values the histogram holds, their range, and the sample's mean and standard
    deviation beside the ones the parameters promise (``kind``: ``"normal"`` or ``"uniform"``)."""
    values = np.asarray(sample.values, dtype=float)
    if not len(values):
        return ""
    return translate(lang, f"tensors.chart_summary.{kind}", n=f"{len(values):,}", low=fmt(values.min(), 3),
                     high=fmt(values.max(), 3), sample_mean=fmt(sample.sample_mean, 3),
                     mean=fmt(sample.expected_mean, 3), sample_std=fmt(sample.sample_std, 3),
                     std=fmt(sample.expected_std, 3))
