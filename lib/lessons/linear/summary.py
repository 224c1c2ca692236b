"""One sentence under each main chart of the linear lesson saying in numbers what it shows.

The numbers come from the same data and runs the charts draw; the sentences from the
lesson's catalogues (``linear.chart_summary.*``). No Streamlit here: the page shows
them with ``ui.chart_summary``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from lib.core.i18n import translate
from lib.core.numbers import fmt, orders_of_magnitude
from lib.core.summaries import sentence
from lib.lessons.linear.lab import LinearRun

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")  # 10¹⁹, as a power of ten is written


def _key(name: str) -> str:
    return f"linear.chart_summary.{name}"


def num(value: float, digits: int = 4) -> str:
    """As the page prints a loss or an accuracy: four decimals, three significant digits once huge
    or tiny (``1.49e+14``), inf and nan as Python writes them."""
    return fmt(value, digits, sci=True, undefined="nan")


def growing_warning(lang: str, run: LinearRun, lr: str, critical: str) -> str:
    """The warning for a finite run whose loss on all points went up, worded by how much it grew:
    a little (under ~3×), about tenfold, or by ``n`` orders of magnitude."""
    first, last = float(run.full_losses[0]), float(run.full_losses[-1])
    n = orders_of_magnitude(first, last)
    steps = len(run.full_losses) - 1
    growth = translate(lang, "linear." + ("growth_mild" if n == 0 else "growth_tenfold" if n == 1 else "growth_orders"),
                       n=n, steps=steps, power=str(n).translate(_SUPERSCRIPT))
    return translate(lang, "linear.growing", first=num(first), last=num(last), lr=lr, critical=critical,
                     growth=growth)


def data_summary(lang: str, inputs: np.ndarray, n_per_class: int) -> str:
    """How many points of each class the scatter plot holds and where each cloud is centred."""
    neg, pos = inputs[:n_per_class].mean(axis=0), inputs[n_per_class:].mean(axis=0)
    return translate(lang, _key("data"), total=f"{len(inputs):,}", n=f"{n_per_class:,}",
                     neg=f"({fmt(neg[0], 3)}, {fmt(neg[1], 3)})", pos=f"({fmt(pos[0], 3)}, {fmt(pos[1], 3)})")


def curve_summary(lang: str, what: str, values: Sequence[float]) -> str:
    """A per-step series from step 0 to its last step: fell, rose, stayed, or stopped being a number."""
    values = [float(v) for v in values]
    if not values:
        return ""
    first, last, step = values[0], values[-1], len(values) - 1
    if not math.isfinite(last):
        return sentence(translate(lang, _key("curve_undefined"), what=what, first=num(first), step=step))
    a, b = num(first), num(last)
    way = "same" if a == b else "fell" if last < first else "rose"
    return sentence(translate(lang, _key(f"curve_{way}"), what=what, first=a, last=b, step=step))


def boundary_summary(lang: str, run: LinearRun, step: int) -> str:
    """At a step: how many points lie on the wrong side of the line, and the accuracy the chart's step shows."""
    n = run.spec.n_points
    accuracy = float(run.accuracies[step])
    if not math.isfinite(float(run.full_losses[step])):
        return translate(lang, _key("boundary_nan"), step=step, steps=run.steps_run)
    wrong = int(round((1.0 - accuracy) * n))  # the same count the accuracy was measured from
    return translate(lang, _key("boundary"), step=step, steps=run.steps_run, wrong=f"{wrong:,}", n=f"{n:,}",
                     right=f"{n - wrong:,}", accuracy=num(accuracy))


def compare_summary(lang: str, names: tuple[str, str], losses: tuple[Sequence[float], Sequence[float]]) -> str:
    """Which of two runs ended with the lower loss on all points, and by how much."""
    last = [float(v[-1]) for v in losses]
    steps = max(len(v) for v in losses) - 1
    finite = [math.isfinite(v) for v in last]
    if not any(finite):
        return translate(lang, _key("compare_both_blew"), steps=steps)
    if not all(finite):
        good = finite.index(True)
        return translate(lang, _key("compare_blew"), bad=names[1 - good], good=names[good], value=num(last[good]))
    low = int(last[1] < last[0])
    if num(last[0]) == num(last[1]):
        return translate(lang, _key("compare_same"), steps=steps, value=num(last[0]))
    return sentence(translate(lang, _key("compare"), winner=names[low], other=names[1 - low], steps=steps,
                              low=num(last[low]), high=num(last[1 - low]), diff=num(last[1 - low] - last[low])))


def final_accuracy_summary(lang: str, names: tuple[str, str], accuracies: tuple[Sequence[float], ...]) -> str:
    """The last accuracy of each of two runs."""
    return translate(lang, _key("compare_accuracy"), first=names[0], a=num(float(accuracies[0][-1])),
                     second=names[1], b=num(float(accuracies[1][-1])))
