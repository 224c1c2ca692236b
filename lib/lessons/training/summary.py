"""One sentence under each main chart of the training lesson saying in numbers what it shows.

The numbers come from the same results the charts draw, printed as the page prints them;
the sentences from the lesson's catalogues (``training.chart_summary.*``). No Streamlit
here: the page shows them with ``ui.chart_summary``.
"""

from __future__ import annotations

import math

from lib.core import summaries
from lib.core.i18n import translate
from lib.core.numbers import fmt as _fmt
from lib.lessons.training.lab import PARAMS, BatchRun, BatchSpec, DescentResult, NetSpec, Pass, StepResult, fmt_grad

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _key(name: str) -> str:
    return f"training.chart_summary.{name}"


def fmt(value: float, digits: int = 3) -> str:
    """As the page prints a number: three decimals unless told, inf/NaN spelled out."""
    return _fmt(value, digits, undefined="nan")


def big(value: float) -> str:
    """As the page's descent metrics print: three significant digits when huge or tiny."""
    return f"{value:.3g}" if abs(value) >= 1e6 or 0 < abs(value) < 1e-3 else fmt(value, 4)


def symbol(name: str) -> str:
    """``w21`` -> ``w₂₁``, as the diagrams write a parameter."""
    return name[0] + name[1:].translate(_SUBSCRIPT)


def forward_summary(lang: str, net: NetSpec, first: Pass) -> str:
    """The forward diagram: inputs, both hidden activations, the output, the target and the loss."""
    return translate(lang, _key("forward"), x1=fmt(net.x1, 2), x2=fmt(net.x2, 2), h1=fmt(first.h[0]),
                     h2=fmt(first.h[1]), y=fmt(first.y), target=fmt(net.target, 2), loss=fmt(first.loss, 6))


def backward_summary(lang: str, step: StepResult) -> str:
    """The backward diagram: the output error, δ, and the gradient largest in size."""
    name = max(PARAMS, key=lambda p: abs(step.grads[p]))
    dy = step.before.y - step.spec.target
    if step.grads[name] == 0:
        return translate(lang, _key("backward_flat"), dy=fmt(dy, 4))
    return translate(lang, _key("backward"), dy=fmt(dy, 4), delta=fmt_grad(step.delta_out), name=symbol(name),
                     grad=fmt_grad(step.grads[name]))


def batches_summary(lang: str, spec: BatchSpec) -> str:
    """The batches picture: iterations per epoch, the last batch's size, and the total."""
    key = "batches_even" if spec.last_batch == spec.batch_size else "batches"
    return translate(lang, _key(key), n=spec.n, b=spec.batch_size, per_epoch=spec.per_epoch, last=spec.last_batch,
                     total=spec.total, epochs=spec.epochs)


def fit_summary(lang: str, run: BatchRun) -> str:
    """The fit history: the loss at the end of the first and last epoch, and the steps counted."""
    trend = summaries.trend_sentence(lang, translate(lang, "training.fig_fit_y"), run.loss,
                                     translate(lang, "common.unit.epochs"), digits=4)
    return " ".join([trend, translate(lang, _key("fit_steps"), iterations=run.iterations)])


def descent_summary(lang: str, descent: DescentResult) -> str:
    """The descent picture: where the ball started and ended after how many steps, and its loss."""
    spec = descent.spec
    values = dict(w0=fmt(spec.w0, 2), lr=fmt(spec.lr, 2), steps=len(descent.path_w) - 1,
                  w=big(descent.final_w), loss=big(descent.final_loss), first=big(float(descent.path_loss[0])))
    if descent.nonfinite_at is not None:
        return translate(lang, _key("descent_overflow"), at=descent.nonfinite_at, **values)
    key = "descent_up" if descent.final_loss > descent.path_loss[0] or not math.isfinite(descent.final_loss) \
        else "descent"
    return translate(lang, _key(key), **values)
