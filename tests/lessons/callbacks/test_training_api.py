"""The callbacks lesson trains through the one training API and reports progress in an honest unit."""

from __future__ import annotations

import pytest

from lib.core import engine
from lib.core.progress import Progress
from lib.lessons.callbacks import lab

# 150 training digits in 5 batches of up to 32, ten epochs: well under a second per run.
TINY = lab.Setup(data="digits", rows=300, units=64, epochs=10, batch_size=32, learning_rate=0.03, seed=1)


def counters() -> tuple[int, int]:
    return engine.GATE.admitted, engine.POOL.takes


def run_reported(callback: lab.Callback) -> tuple[lab.Outcome, list[tuple[str, object]]]:
    events: list[tuple[str, object]] = []
    before = counters()
    out = lab.run_experiment(lab.Experiment(TINY, callback), lambda kind, payload: events.append((kind, payload)))
    after = counters()
    assert after[0] > before[0], "the run did not take a slot of the engine's gate"
    assert after[1] > before[1], "the run did not take its model from the engine's pool"
    return out, events


def progress(events: list) -> list[Progress]:
    assert all(kind in ("queued", "progress") for kind, _ in events), "only lib.core.progress events"
    return [payload for kind, payload in events if kind == "progress"]


@pytest.mark.parametrize("callback", [lab.EarlyStop(patience=2), lab.Plateau(), lab.Board(), lab.CourseList()],
                         ids=lambda c: type(c).__name__)
def test_every_section_trains_through_the_engine_and_reports_epochs(callback):
    out, events = run_reported(callback)
    shown = progress(events)
    assert [p.done for p in shown] == list(range(1, out.epochs_run + 1))
    assert {p.unit for p in shown} == {"epoch"} and {p.total for p in shown} == {TINY.epochs}
    assert [p.logs["loss"] for p in shown] == pytest.approx(out.history["loss"])


def test_own_progress_callback_reports_batches_and_the_engine_only_the_queue():
    out, events = run_reported(lab.Progress(per_batch=True))
    shown = progress(events)
    total = TINY.epochs * TINY.steps_per_epoch  # 10 epochs of 5 batches: batches, not faked epochs
    assert [p.done for p in shown] == list(range(1, total + 1)) and len(out.updates) == total
    assert {p.unit for p in shown} == {"batch"} and {p.total for p in shown} == {total}
    assert [p.logs["loss"] for p in shown] == pytest.approx([u[2] for u in out.updates])


def test_own_progress_callback_per_epoch_reports_each_epoch_once():
    out, events = run_reported(lab.Progress(per_batch=False))
    shown = progress(events)
    assert [(p.done, p.total, p.unit) for p in shown] == [(e, TINY.epochs, "epoch") for e in range(1, 11)]
    assert [p.logs["val_loss"] for p in shown] == pytest.approx(out.history["val_loss"])


def test_the_engine_reporter_passes_only_the_queue_place_when_a_section_reports():
    seen = []
    relay = lab.queued_only(lambda kind, payload: seen.append((kind, payload)))
    relay("queued", 2)
    relay("progress", Progress(1, 10))
    assert seen == [("queued", 2)]
    assert lab.queued_only(None) is None


def test_checkpoints_are_loaded_back_and_scored_in_the_run_with_a_pooled_model():
    takes = engine.POOL.takes
    out, _ = run_reported(lab.Checkpoint())
    assert engine.POOL.takes >= takes + 2  # the training model, then the model each weights file is loaded into
    assert sorted(out.loaded) == [c[0] for c in out.checkpoints]
    for epoch, value, _, _ in out.checkpoints:
        assert out.loaded[epoch]["loss"] == pytest.approx(value, abs=1e-6)
