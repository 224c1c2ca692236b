"""The callbacks lesson under the disk caps: a run that would write past the cap stops writing and says so,
and its temporary folder goes with the run."""

from __future__ import annotations

import os
import stat

import pytest

from lib.core import scratch
from lib.lessons.callbacks import lab

# Digits, 64 hidden units: one checkpoint file is about 77 KB, 20 epochs train in about a second.
SMALL = lab.Setup(data="digits", rows=300, units=64, epochs=20, batch_size=32, learning_rate=0.03, seed=1)


@pytest.fixture
def root(tmp_path, monkeypatch):
    path = tmp_path / "scratch"
    monkeypatch.setenv("COURSE_SCRATCH_DIR", str(path))
    monkeypatch.delenv("COURSE_SCRATCH_DISK_MB", raising=False)
    return path


def test_checkpoints_past_the_session_cap_are_not_written_and_the_outcome_says_so(root, monkeypatch):
    monkeypatch.setenv("COURSE_SESSION_DISK_MB", "0.5")
    mc = lab.Checkpoint(save_best_only=False)  # would write one file every epoch
    out = lab.run_experiment(lab.Experiment(SMALL, mc))
    assert out.epochs_run == 20 and len(out.history["loss"]) == 20  # training itself went on
    which, epoch, cap = out.disk_cap
    assert (which, cap) == ("session", 500_000)
    assert 1 < epoch < 20
    assert [c[0] for c in out.checkpoints] == list(range(1, epoch))  # every epoch before the stop, none after
    assert sorted(out.loaded) == list(range(1, epoch))  # each written file was loaded back
    assert sum(c[3] for c in out.checkpoints) <= 500_000  # the cap held
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700 and not any(root.iterdir())
    # Without a cap in the way the same run writes every epoch: the cap, not the run, stopped it.
    monkeypatch.setenv("COURSE_SESSION_DISK_MB", "100")
    full = lab.run_experiment(lab.Experiment(SMALL, mc))
    assert full.disk_cap is None and len(full.checkpoints) == 20


def test_the_shared_cap_stops_writing_when_other_sessions_filled_the_root(root, monkeypatch):
    monkeypatch.setenv("COURSE_SESSION_DISK_MB", "100")
    monkeypatch.setenv("COURSE_SCRATCH_DISK_MB", "1")
    others = scratch.session_folder("another learner")
    (others / "big.keras").write_bytes(b"1" * 700_000)
    out = lab.run_experiment(lab.Experiment(SMALL, lab.Checkpoint(save_best_only=False)))
    which, epoch, cap = out.disk_cap
    assert (which, cap) == ("shared", 1_000_000) and len(out.checkpoints) == epoch - 1 < 20
    assert scratch.usage() <= 1_000_000
    scratch.release("another learner")


def test_tensorboard_and_the_course_list_stop_writing_at_the_cap(root, monkeypatch):
    monkeypatch.setenv("COURSE_SESSION_DISK_MB", "0.05")  # less than one epoch's expected writes
    board = lab.run_experiment(lab.Experiment(SMALL, lab.Board(histograms=True)))
    assert board.disk_cap == ("session", 1, 50_000) and board.epochs_run == 20
    assert not board.board.scalars  # no epoch was logged
    course = lab.run_experiment(lab.Experiment(SMALL, lab.CourseList()))
    assert course.disk_cap[:2] == ("session", 1)
    capped = {(e[0], e[2]) for e in course.events if e[3] == "capped"}
    assert capped == {(epoch, name) for epoch in range(course.epochs_run)
                      for name in ("ModelCheckpoint", "TensorBoard")}
    assert not any(e[3] == "saved" for e in course.events)
    assert not any(root.iterdir())  # the runs' temporary folders went with the runs


def test_the_page_says_so_and_leaves_no_files(page, root, monkeypatch):
    monkeypatch.setenv("COURSE_SESSION_DISK_MB", "0.5")
    for lang, words in (("en", "The disk cap stopped the writing"), ("ko", "디스크 한도 때문에 쓰기를 멈췄습니다")):
        at = page("callbacks", lang, cb_data="digits", cb_units="64", cb_epochs="20", cb_lr="0.03", cb_seed="1",
                  cb_ck_best="false")
        assert not at.exception and not at.error
        notes = [w.value for w in at.warning if words in w.value]
        assert len(notes) == 1 and "`ModelCheckpoint`" in notes[0] and "0.5 MB" in notes[0]
        assert not any(root.iterdir())  # every run's folder went with its run
