"""One sentence under each main chart of the autodiff page saying in numbers what it shows.

The numbers come from the same results the charts draw; the sentences from the lesson's
catalogues (``autodiff.chart_summary.*``). No Streamlit here: the page shows them with
``ui.chart_summary``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from lib.core.i18n import translate
from lib.core.numbers import fmt
from lib.lessons.autodiff.lab import FallResult, TapeResult, TwoVarResult


def _num(value: float | None, digits: int = 4) -> str:
    return fmt(value, digits, undefined="None")  # as the page's metrics print it


def _err(value: float) -> str:
    return f"{value:.2e}"  # as the page's |tape − finite difference| metric prints it


def step_errors_summary(lang: str, errors: Mapping[str, float], chosen: str) -> str:
    """The step h with the smallest |tape − finite difference|, and the difference at the learner's h."""
    best = min(errors, key=lambda code: errors[code])  # first of equals: the largest such h
    key = "steps_best" if _err(errors[chosen]) == _err(errors[best]) else "steps"  # a tie as printed counts
    return translate(lang, f"autodiff.chart_summary.{key}", best_h=best, best=_err(errors[best]), h=chosen,
                     error=_err(errors[chosen]))


def _way(slope: float) -> str:
    text = _num(slope)
    return "flat" if float(text) == 0.0 else "up" if slope > 0 else "down"


def tangent_summary(lang: str, tape: TapeResult) -> str:
    """The point, f there, and the tangent's slope (the tape gradient) with what it says about the curve."""
    way = translate(lang, f"autodiff.chart_summary.way_{_way(tape.gradient)}")
    return translate(lang, "autodiff.chart_summary.tangent", x=_num(tape.x, 1), value=_num(tape.value),
                     slope=_num(tape.gradient), way=way)


def _direction(grad: float) -> str:
    """Where the descent arrow (−gradient) moves one coordinate."""
    return "same" if float(_num(grad)) == 0.0 else "larger" if grad < 0 else "smaller"


def surface_summary(lang: str, two: TwoVarResult) -> str:
    """The loss at (w, b), the gradient, and which way the descent arrow points."""
    words = {name: translate(lang, f"autodiff.chart_summary.dir_{_direction(grad)}")
             for name, grad in (("w", two.grad_w), ("b", two.grad_b))}
    key = "surface_min" if words["w"] == words["b"] == translate(lang, "autodiff.chart_summary.dir_same") \
        else "surface"
    return translate(lang, f"autodiff.chart_summary.{key}", w=_num(two.w, 1), b=_num(two.b, 1),
                     loss=_num(two.loss), grad_w=_num(two.grad_w), grad_b=_num(two.grad_b),
                     dir_w=words["w"], dir_b=words["b"])


def falling_summary(lang: str, fall: FallResult, times: Sequence[float], accelerations: Sequence[float]) -> str:
    """The three values marked at t, and the acceleration over the whole chart."""
    acc = np.asarray(accelerations, dtype=float)
    lo, hi = _num(float(acc.min())), _num(float(acc.max()))
    key = "falling_flat" if lo == hi else "falling"
    return translate(lang, f"autodiff.chart_summary.{key}", t=_num(fall.time, 1), position=_num(fall.position),
                     speed=_num(fall.speed), acceleration=_num(fall.acceleration), lo=lo, hi=hi,
                     end=_num(float(np.max(times)), 1))
