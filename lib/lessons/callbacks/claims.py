"""What the callbacks page says agrees, checked on the run: never a fixed "exactly".

Each function compares two numbers the page puts side by side and returns an
``Agreement`` (``lib.core.agreement``); the page picks its sentence from it, so a
reloaded checkpoint that scored differently on another CPU says so with the difference.
"""

from __future__ import annotations

from lib.core.agreement import Agreement, compare
from lib.lessons.callbacks.lab import Outcome
from lib.lessons.callbacks.specs import Setup

_SCORES = (("loss", "val_loss"), ("accuracy", "val_accuracy"))


def _terms(setup: Setup) -> int:
    """The longest float32 sum behind a validation score: the pixels into a hidden unit, the units
    into a class, then the mean over the validation rows."""
    return 784 + setup.units + (setup.rows - setup.train_rows)


def _against_history(setup: Setup, score: dict[str, float], history: dict[str, list[float]],
                     epoch: int) -> Agreement:
    """``evaluate``'s loss and accuracy against what ``fit`` logged for ``epoch`` (from 1)."""
    pairs = [(score[k], history[h][epoch - 1]) for k, h in _SCORES if k in score and len(history.get(h, [])) >= epoch]
    return compare([a for a, _ in pairs], [b for _, b in pairs], terms=_terms(setup))


def restored(setup: Setup, run: Outcome) -> Agreement | None:
    """EarlyStopping with ``restore_best_weights``: the restored model's score against the best epoch's
    logged validation score (None when no epoch was best)."""
    if run.best_epoch is None:
        return None
    return _against_history(setup, run.score, run.history, run.best_epoch + 1)


def loaded(setup: Setup, run: Outcome, epoch: int) -> Agreement:
    """A checkpoint file loaded back and evaluated, against what ``fit`` logged for its epoch."""
    return _against_history(setup, run.loaded[epoch], run.history, epoch)


def epoch_updates(run: Outcome) -> Agreement:
    """The loss one's own callback received at each epoch's end (per-epoch updates, or the last batch
    of each epoch) against ``history.history['loss']``: Keras hands both the same logs."""
    last: dict[int, float] = {}
    for epoch, _batch, loss in run.updates:
        last[epoch] = loss  # the epoch's last update
    losses = run.history.get("loss", [])
    ordered = [last[e] for e in sorted(last) if e < len(losses)]
    return compare(ordered, losses[: len(ordered)])
