"""One sentence under each main chart of the callbacks page: the numbers the chart draws, in words.

Each function takes the ``Outcome`` the chart draws (and the callback's settings) and fills a
template of the ``callbacks.sum`` catalogue table or the shared ``common.summary_*``. Numbers
print as the page prints them (four decimals, learning rates with ``lab.fmt_lr``). No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np

from lib.core.i18n import translate
from lib.core.numbers import fmt as _fmt
from lib.core.summaries import best_sentence, trend_sentence
from lib.lessons.callbacks.lab import Outcome, best_index, fmt_lr, lr_cuts

DIGITS = 4
fmt = partial(_fmt, sci=True)  # as the page prints a loss: 1.49e+14 once huge or tiny, never cut


def _t(lang: str, key: str, /, **values: object) -> str:
    return translate(lang, f"callbacks.sum.{key}", **values)


def _epochs(lang: str) -> str:
    return translate(lang, "common.unit.epochs")


def _best(lang: str, history: dict, monitor: str) -> str:
    """The epoch where ``monitor`` (a code name, kept as written) was best: lowest for a loss, highest for accuracy."""
    values = history.get(monitor, [])
    epoch = best_index(values, "max" if monitor.endswith("accuracy") else "min")
    return "" if epoch is None else _t(lang, "best", monitor=monitor, epoch=epoch + 1, value=fmt(values[epoch], DIGITS))


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def curves_summary(lang: str, run: Outcome) -> str:
    """The training loss from first to last epoch and the epoch of the lowest validation loss."""
    return _join(trend_sentence(lang, _t(lang, "loss"), run.history.get("loss", []), _epochs(lang), DIGITS),
                 best_sentence(lang, _t(lang, "val_loss"), run.history.get("val_loss", []), digits=DIGITS))


def early_summary(lang: str, run: Outcome, monitor: str, epochs: int, restore: bool) -> str:
    """Where EarlyStopping stopped (or that it never did), its best epoch, and which weights the model kept."""
    stopped = run.stopped_epoch > 0
    first = (_t(lang, "es_stopped", stop=run.stopped_epoch + 1, epochs=epochs) if stopped
             else _t(lang, "es_ran", epochs=run.epochs_run))
    values = run.history.get(monitor, [])
    best = ""
    if run.best_epoch is not None and run.best_epoch < len(values):
        best = _t(lang, "best", monitor=monitor, epoch=run.best_epoch + 1, value=fmt(values[run.best_epoch], DIGITS))
    if restore and run.best_epoch is not None:
        kept = _t(lang, "es_restored", epoch=run.best_epoch + 1)
    else:
        kept = _t(lang, "es_last", epoch=run.epochs_run)
    return _join(first, best, kept)


def checkpoint_summary(lang: str, written: Sequence[tuple[int, float, str, int]], monitor: str,
                       picked: int | None) -> str:
    """How many files were written and when, and the monitored value of the one loaded."""
    if not written:
        return ""
    text = _t(lang, "ck_written", n=len(written), first=written[0][0], last=written[-1][0])
    chosen = [w for w in written if w[0] == picked]
    if chosen:
        text += " " + _t(lang, "ck_picked", epoch=picked, monitor=monitor, value=fmt(chosen[0][1], DIGITS))
    return text


def plateau_summary(lang: str, run: Outcome, monitor: str) -> str:
    """The learning rate's first and last value with the number of cuts, and the monitored value's best epoch."""
    if not run.lr:
        return ""
    cuts = lr_cuts(run.lr)
    rate = (_t(lang, "lr_cut", n=len(cuts), first=fmt_lr(run.lr[0]), last=fmt_lr(run.lr[-1]), epoch=cuts[0][0])
            if cuts else _t(lang, "lr_kept", lr=fmt_lr(run.lr[0]), epochs=len(run.lr)))
    return _join(rate, _best(lang, run.history, monitor))


def board_summary(lang: str, scalars: dict) -> str:
    """The validation loss as TensorBoard's event files hold it: first, last, how many epochs."""
    _, values = scalars.get("validation", {}).get("epoch_loss", ([], []))
    return trend_sentence(lang, _t(lang, "tb_val_loss"), [float(v) for v in values], _epochs(lang), DIGITS)


def kernel_summary(lang: str, tag: str, steps: Sequence[int], hists: Sequence[np.ndarray]) -> str:
    """The range the kernel's weights cover in the first and the last logged epoch."""
    shown = [(int(s) + 1, h[h[:, 2] > 0]) for s, h in zip(steps, hists, strict=False) if h.size and (h[:, 2] > 0).any()]
    if not shown:
        return ""
    (e0, h0), (e1, h1) = shown[0], shown[-1]
    return _t(lang, "tb_kernel", tag=tag, e0=e0, lo0=fmt(h0[:, 0].min(), 3), hi0=fmt(h0[:, 1].max(), 3), e1=e1,
              lo1=fmt(h1[:, 0].min(), 3), hi1=fmt(h1[:, 1].max(), 3))


def progress_summary(lang: str, run: Outcome) -> str:
    """How many updates the callback sent over how many epochs, and the last loss it reported."""
    if not run.updates:
        return ""
    return _t(lang, "own", n=len(run.updates), epochs=run.epochs_run, loss=fmt(run.updates[-1][2], DIGITS))


def course_summary(lang: str, run: Outcome, picked: int) -> str:
    """What the four callbacks did over the run, and how many events the highlighted epoch has."""
    saves = sum(1 for e in run.events if e[3] == "saved")
    stop = (_t(lang, "all_stopped", epoch=run.stopped_epoch + 1) if run.stopped_epoch
            else _t(lang, "all_not_stopped"))
    here = sum(1 for e in run.events if e[0] == picked - 1 or (picked == 1 and e[0] == -1))
    return _t(lang, "all", epochs=run.epochs_run, saves=saves, cuts=len(lr_cuts(run.lr)), stop=stop, epoch=picked,
              events=here)
