"""One sentence under each main chart of the optimizers page: the numbers the chart draws, in words.

Each function takes the results the page draws (``PathResult`` walks, a race's ``RacerResult``s,
the ``RateResult``s) and fills a template of the ``optimizers.sum`` catalogue table. Numbers
print as the page's tables print them. No Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import partial

import numpy as np

from lib.core.i18n import translate
from lib.core.numbers import fmt as _fmt
from lib.core.numbers import fmt_lr
from lib.lessons.optimizers.lab import SURFACES, PathResult
from lib.lessons.optimizers.race import RacerResult, RateResult

fmt = partial(_fmt, sci=True, undefined="nan")  # as the page prints a number (Python's "nan")


def _name(lang: str, optimizer: str) -> str:
    return translate(lang, f"common.optimizer.{optimizer}")


def _t(lang: str, key: str, /, **values: object) -> str:
    return translate(lang, f"optimizers.sum.{key}", **values)


def _lowest(lang: str, items: list[str], finals: Mapping[str, float], digits: int) -> str:
    """``items`` joined, then which optimizer is lowest (only finite values compete)."""
    finite = {n: v for n, v in finals.items() if math.isfinite(v)}
    text = ", ".join(items)
    if len(finite) > 1:
        best = min(finite, key=finite.__getitem__)
        text += " " + _t(lang, "lowest", name=_name(lang, best), value=fmt(finite[best], digits))
    return text


def positions_summary(lang: str, walks: Mapping[str, PathResult], at_step: int) -> str:
    """Which walk is nearest to a minimum of the surface at the replayed step, where, and how far away."""
    if not walks:
        return ""
    where: dict[str, tuple[float, np.ndarray]] = {}
    for name, walk in walks.items():
        point = walk.positions[min(at_step, walk.steps_run)]
        minima = np.asarray(SURFACES[walk.spec.surface].minima, float)
        where[name] = (float(np.min(np.linalg.norm(minima - point, axis=1))), point)
    best = min(where, key=lambda n: where[n][0])
    distance, point = where[best]
    start = next(iter(walks.values())).positions[0]
    return _t(lang, "positions", x0=fmt(start[0], 3), y0=fmt(start[1], 3), step=at_step, name=_name(lang, best),
              x=fmt(point[0], 3), y=fmt(point[1], 3), distance=fmt(distance, 3))


def losses_summary(lang: str, walks: Mapping[str, PathResult]) -> str:
    """Each walk's final loss (or the step it blew up), and the lowest final loss."""
    if not walks:
        return ""
    items, finals = [], {}
    for name, walk in walks.items():
        if walk.diverged_at is not None:
            items.append(_t(lang, "item_diverged", name=_name(lang, name), step=walk.diverged_at))
        else:
            finals[name] = walk.final_loss
            items.append(f"{_name(lang, name)} {fmt(walk.final_loss, 6)}")
    steps = next(iter(walks.values())).spec.steps
    return _t(lang, "losses", steps=steps, items=_lowest(lang, items, finals, 6))


def inside_summary(lang: str, walk: PathResult) -> str:
    """The gradient's length at the first and last step and the largest step the optimizer took."""
    k = walk.steps_run
    if k == 0:
        return ""
    grad = np.linalg.norm(walk.grads, axis=1)
    step = np.linalg.norm(walk.deltas, axis=1)
    biggest = int(np.argmax(step))
    return _t(lang, "inside", name=_name(lang, walk.spec.optimizer.name), k=k, g0=fmt(grad[0]), g1=fmt(grad[-1]),
              d=fmt(step[biggest]), t=biggest + 1)


def race_summary(lang: str, results: Mapping[str, RacerResult]) -> str:
    """Each racer's last validation loss, and the lowest of them."""
    if not results:
        return ""
    items = [f"{_name(lang, n)} {fmt(r.final_val_loss, 4)}" for n, r in results.items()]
    finals = {n: r.final_val_loss for n, r in results.items() if not r.diverged}
    epochs = max(r.epochs_run for r in results.values())
    return _t(lang, "race", epochs=epochs, items=_lowest(lang, items, finals, 4))


def rates_summary(lang: str, outcomes: Sequence[RateResult]) -> str:
    """Each learning rate's last training loss, or the epoch where TerminateOnNaN stopped it."""
    items = []
    for outcome in outcomes:
        lr = fmt_lr(outcome.optimizer.lr)
        if outcome.stopped_at is not None:
            items.append(_t(lang, "rate_stopped", lr=lr, epoch=outcome.stopped_at))
        else:
            items.append(_t(lang, "rate_item", lr=lr, loss=fmt(outcome.final_loss, 3), epochs=outcome.epochs_run))
    return _t(lang, "rates", items="; ".join(items)) if items else ""
