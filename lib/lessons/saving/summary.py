"""One sentence under each main chart of the saving page: the numbers the chart draws, in words.

The numbers come from the same objects the page draws; the words from the catalogues
(``saving.sum.*`` and the shared ``common.summary_*``). No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from lib.core.i18n import translate
from lib.core.numbers import fmt
from lib.core.summaries import best_sentence, trend_sentence
from lib.lessons.saving.models import Graph

DIGITS = 4  # as the page's metrics print accuracy and loss


def kb(size: int) -> str:
    """A file size as the page prints it: ``12 KB``, or bytes below one KB."""
    return f"{size / 1024:,.0f} KB" if size >= 1024 else f"{size} B"


def history_summary(lang: str, history: Mapping[str, Sequence[float]]) -> str:
    """The training loss from its first to its last epoch, and the epoch of the best validation accuracy."""
    loss = trend_sentence(lang, translate(lang, "saving.sum.loss"), history.get("loss", []),
                          translate(lang, "common.unit.epochs"), DIGITS)
    best = best_sentence(lang, translate(lang, "saving.sum.val_accuracy"), history.get("val_accuracy", []),
                         lowest=False, digits=DIGITS)
    return " ".join(p for p in (loss, best) if p)


def composition_summary(lang: str, filename: str, parts: Mapping[str, int]) -> str:
    """The file's size and each part's share of it, in the order the stacked bar draws them."""
    each = ", ".join(f"{translate(lang, f'saving.part_{key}')} {kb(size)}" for key, size in parts.items())
    return translate(lang, "saving.sum.composition", file=filename, total=kb(sum(parts.values())), parts=each)


def architecture_summary(lang: str, graph: Graph) -> str:
    """How many layers the diagram draws, their classes in order, and the parameters in all."""
    if not graph.nodes:
        return ""
    chain = " → ".join(node.cls for node in graph.nodes)
    return translate(lang, "saving.sum.architecture", n=len(graph.nodes), chain=chain,
                     params=f"{sum(node.params for node in graph.nodes):,}",
                     input=graph.nodes[0].output_shape, output=graph.nodes[-1].output_shape)


def grid_summary(lang: str, y: np.ndarray, probabilities: np.ndarray, rows: np.ndarray) -> str:
    """How many of the shown images the model gets right (the argmax is the true class)."""
    rows = np.asarray(rows)
    right = int(np.sum(np.argmax(probabilities[rows], axis=1) == np.asarray(y)[rows]))
    return translate(lang, "saving.sum.grid", right=right, n=len(rows))


def probability_summary(lang: str, probabilities: Sequence[float], names: Sequence[str], true: int) -> str:
    """The most likely class and its probability, and the true class's probability."""
    p = np.asarray(probabilities, dtype=float)
    best = int(np.argmax(p))
    return translate(lang, "saving.sum.probabilities", best=names[best], p=fmt(p[best], DIGITS),
                     true=names[true], p_true=fmt(p[true], DIGITS))
