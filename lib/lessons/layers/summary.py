"""One sentence under each main chart of the layers lesson saying in numbers what it shows.

The numbers come from the same results the charts draw, printed as the page prints them;
the sentences from the lesson's catalogues (``layers.chart_summary.*``). No Streamlit
here: the page shows them with ``ui.chart_summary``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from lib.core import summaries
from lib.core.i18n import translate
from lib.core.numbers import fmt as _fmt
from lib.lessons.layers.lab import shape_text


def fmt(value: float, digits: int = 4) -> str:
    """As the page prints a number: fixed decimals, scientific when huge or tiny, ``nan`` as Keras prints it."""
    return _fmt(value, digits, sci=True, undefined="nan")


def _key(name: str) -> str:
    return f"layers.chart_summary.{name}"


def shapes_summary(lang: str, batch: int, features: int, units: int) -> str:
    """The shapes picture: x @ W + b = y with every shape, and the parameters in W and b."""
    return translate(lang, _key("shapes"), x=shape_text((batch, features)), w=shape_text((features, units)),
                     b=shape_text((units,)), y=shape_text((batch, units)), params=f"{features * units + units:,}")


def probabilities_summary(lang: str, first: Sequence[float], second: Sequence[float], names: tuple[str, str]) -> str:
    """Two models' class probabilities for one sample: their top classes and the largest gap."""
    first, second = np.asarray(first, float), np.asarray(second, float)
    top_a, top_b = int(np.argmax(first)), int(np.argmax(second))
    gap = f"{float(np.max(np.abs(first - second))):.3g}"
    if top_a == top_b:
        key = "probabilities_equal" if float(gap) == 0 else "probabilities"
        return translate(lang, _key(key), k=top_a, a=fmt(first[top_a]), b=fmt(second[top_b]),
                         first=names[0], second=names[1], gap=gap, n=len(first))
    return translate(lang, _key("probabilities_differ"), k=top_a, j=top_b, first=names[0], second=names[1], gap=gap)


def _last(history: Mapping[str, Sequence[float]], key: str) -> float:
    values = history.get(key) or [math.nan]
    return float(values[-1])


def compare_summary(lang: str, runs: Mapping[str, Mapping[str, Sequence[float]]]) -> str:
    """Two runs' validation loss after the last epoch: equal, or which ended lower and by how much."""
    (name_a, a), (name_b, b) = runs.items()
    va, vb = _last(a, "val_loss"), _last(b, "val_loss")
    epochs = len(a.get("val_loss", []))
    if not (math.isfinite(va) and math.isfinite(vb)):
        return translate(lang, _key("compare_nan"), epochs=epochs)
    if fmt(va) == fmt(vb):
        return translate(lang, _key("compare_same"), epochs=epochs, value=fmt(va))
    low, high = ((name_a, va), (name_b, vb)) if va < vb else ((name_b, vb), (name_a, va))
    low_name, high_name = (name[:1].lower() + name[1:] for name in (low[0], high[0]))  # mid-sentence
    return translate(lang, _key("compare"), epochs=epochs, low_name=low_name, low=fmt(low[1]), high_name=high_name,
                     high=fmt(high[1]), diff=fmt(high[1] - low[1]))


def history_summary(lang: str, history: Mapping[str, Sequence[float]], total_name: str,
                    outputs: Sequence[str] = ()) -> str:
    """The total loss's trend, the best validation epoch, and each output's last loss."""
    unit = translate(lang, "common.unit.epochs")
    parts = [summaries.trend_sentence(lang, total_name, history.get("loss", []), unit, digits=4)]
    if history.get("val_loss"):
        parts.append(summaries.best_sentence(lang, translate(lang, _key("val_loss")), history["val_loss"], digits=4))
    if outputs:
        last = ", ".join(f"`{key}` {fmt(_last(history, key))}" for key in outputs)  # history keys, as code
        parts.append(translate(lang, _key("outputs"), last=last))
    return " ".join(p for p in parts if p)
