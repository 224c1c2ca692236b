"""One sentence under a main chart saying in numbers what it shows.

For screen readers (a chart is a picture to them) and for a quick read. The numbers
come from the same result the chart draws; the sentence from the locale catalogues.
No Streamlit here: pages show the sentence with ``ui.chart_summary``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from lib.core.i18n import translate
from lib.core.numbers import fmt


def sentence(text: str) -> str:
    """A name placed first ("training loss") starts the sentence with a capital."""
    return text[:1].upper() + text[1:]


def _finite(values: Sequence[float]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def trend_sentence(lang: str, what: str, values: Sequence[float], unit: str, digits: int = 3,
                   number: Callable[[float], str] | None = None) -> str:
    """``what`` went from its first to its last value over ``len(values)`` ``unit``s
    (fell / rose / stayed), e.g. "Training loss fell from 0.693 to 0.214 over 20 epochs.".
    ``number`` prints a value (default: ``digits`` decimals, ``1.49e+14`` once huge or tiny)."""
    if not values:
        return ""
    first, last = float(values[0]), float(values[-1])
    if not (math.isfinite(first) and math.isfinite(last)):
        return sentence(translate(lang, "common.summary_undefined", what=what, n=len(values), unit=unit))
    number = number or (lambda v: fmt(v, digits, sci=True))
    a, b = number(first), number(last)
    way = "same" if a == b else "fell" if last < first else "rose"
    return sentence(translate(lang, f"common.summary_{way}", what=what, first=a, last=b, n=len(values), unit=unit))


def best_sentence(lang: str, what: str, values: Sequence[float], lowest: bool = True, digits: int = 3,
                  number: Callable[[float], str] | None = None) -> str:
    """Where ``what`` was best: "Validation loss was lowest (0.301) at epoch 7."."""
    finite = _finite(values)
    if not finite:
        return ""
    best = min(finite) if lowest else max(finite)
    epoch = next(i for i, v in enumerate(values, 1) if v is not None and float(v) == best)
    key = "common.summary_lowest" if lowest else "common.summary_highest"
    value = number(best) if number else fmt(best, digits, sci=True)
    return sentence(translate(lang, key, what=what, value=value, epoch=epoch))


def history_sentence(lang: str, history: Mapping[str, Sequence[float]], names: Mapping[str, str]) -> str:
    """A Keras history in one or two sentences: the training loss's trend, then the validation
    loss's best epoch and the last validation accuracy when the history has them. ``names`` holds
    the learner-language names of the keys used ("loss", "val_loss", "val_accuracy")."""
    loss = history.get("loss", [])
    unit = translate(lang, "common.unit.epoch" if len(loss) == 1 else "common.unit.epochs")
    parts = [trend_sentence(lang, names["loss"], loss, unit)]
    if history.get("val_loss"):
        parts.append(best_sentence(lang, names["val_loss"], history["val_loss"]))
    for key in ("val_accuracy", "accuracy"):
        if history.get(key) and key in names:
            last = history[key][-1]
            parts.append(sentence(translate(lang, "common.summary_last", what=names[key], value=fmt(last, 3))))
            break
    return " ".join(p for p in parts if p)
