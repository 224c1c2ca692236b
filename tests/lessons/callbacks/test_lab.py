"""The callbacks lesson: Keras' callbacks against rules written out here, the files they leave, the
event files read back, and the code lib/lessons/callbacks/code.py writes (executed and compared with lib)."""

from __future__ import annotations

import gc
import io
import json
import os
import zipfile

import numpy as np
import pytest

from lib.core import data as data_mod
from lib.lessons.callbacks import code as codegen
from lib.lessons.callbacks import figures as figs
from lib.lessons.callbacks import files, lab
from tests.shown_code import run_shown_code as exec_code

# Digits, 150 training rows, a fast rate: overfits within a few epochs and trains in well under a second.
SMALL = lab.Setup(data="digits", rows=300, units=64, epochs=20, batch_size=32, learning_rate=0.03, seed=1)


def run(exp: lab.Experiment) -> lab.Outcome:
    return lab.run_experiment(exp)


def assert_same_history(ns_history: dict, outcome: lab.Outcome) -> None:
    for key in lab.HISTORY_KEYS:
        np.testing.assert_allclose(ns_history[key], outcome.history[key], rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- rules written out independently


def improves(current: float, best: float | None, mode: str, min_delta: float = 0.0) -> bool:
    """Keras' MonitorCallback comparison, in float32 as Keras computes it."""
    if best is None:
        return True
    current, best, delta = np.float32(current), np.float32(best), np.float32(min_delta)
    return bool(current - delta < best) if mode == "min" else bool(current + delta > best)


def early_stop_epoch(values: list[float], mode: str, patience: int, min_delta: float = 0.0) -> int:
    """The epoch (from 0) EarlyStopping stops after, or 0 if it would run on."""
    best, wait = None, 0
    for epoch, value in enumerate(values):
        wait += 1
        if improves(value, best, mode, min_delta):
            best, wait = value, 0
            continue
        if wait >= patience and epoch > 0:
            return epoch
    return 0


def plateau_rates(values: list[float], lr0: float, factor: float, patience: int, min_lr: float,
                  cooldown: int, min_delta: float = 1e-4) -> list[float]:
    """ReduceLROnPlateau's rule on a val_loss curve: the rate each epoch trains with."""
    rates, lr, best, wait, cool = [], np.float32(lr0), None, 0, 0
    for value in values:
        rates.append(float(lr))
        if cool > 0:
            cool -= 1
            wait = 0
        if improves(value, best, "min", min_delta):
            best, wait = value, 0
        elif cool == 0:
            wait += 1
            if wait >= patience and float(lr) > np.float32(min_lr):
                lr = np.float32(max(float(lr) * factor, min_lr))
                cool, wait = cooldown, 0
    return rates


# --------------------------------------------------------------------------- specs


def test_specs_validate_with_clear_messages():
    with pytest.raises(ValueError, match="data set"):
        lab.Setup(data="mnist")
    with pytest.raises(ValueError, match="epochs must be between"):
        lab.Setup(epochs=0)
    with pytest.raises(ValueError, match="epochs must be one of"):  # only what the page offers
        lab.Setup(epochs=16)
    with pytest.raises(ValueError, match="min_lr must be between 0 and 0.0001"):
        lab.Plateau(min_lr=1e-3)
    with pytest.raises(ValueError, match="min_lr must be one of"):
        lab.Plateau(min_lr=5e-5)
    with pytest.raises(ValueError, match="learning rate must be a finite number"):
        lab.Setup(learning_rate=float("nan"))
    with pytest.raises(ValueError, match="monitor must be one of"):
        lab.EarlyStop(monitor="val_auc")
    with pytest.raises(ValueError, match="mode must be one of"):
        lab.EarlyStop(mode="up")
    with pytest.raises(ValueError, match="factor"):
        lab.Plateau(factor=1.0)
    with pytest.raises(ValueError, match="patience must be a whole number"):
        lab.EarlyStop(patience=2.5)
    assert lab.Setup(learning_rate=0.0001 * 3).learning_rate == 0.0003
    # Every epoch of a 512-unit Fashion-MNIST model would be ~7 GB: refused before anything is written.
    huge, every_epoch = lab.Setup(units=512, epochs=300), lab.Checkpoint(save_best_only=False)
    assert lab.checkpoint_too_big(huge, every_epoch) and not lab.checkpoint_too_big(huge, lab.Checkpoint())
    assert lab.checkpoint_too_big(huge, lab.Checkpoint(monitor="loss"))  # a training metric improves every epoch
    with pytest.raises(ValueError, match="too much"):
        lab.Experiment(huge, every_epoch)
    assert hash(lab.Experiment(SMALL, lab.EarlyStop())) == hash(lab.Experiment(SMALL, lab.EarlyStop()))
    assert SMALL.steps_per_epoch == 5  # 150 rows / 32 -> 5 batches


# --------------------------------------------------------------------------- EarlyStopping


def test_early_stopping_stops_where_keras_says_and_restores_the_best_epoch():
    es = lab.EarlyStop(monitor="val_loss", patience=3, restore_best_weights=True)
    out = run(lab.Experiment(SMALL, es))
    val_loss = out.history["val_loss"]
    assert out.mode == "min"  # auto resolves to min for a loss
    assert 0 < out.stopped_epoch < SMALL.epochs - 1, "the small setup should overfit and stop early"
    assert out.epochs_run == out.stopped_epoch + 1  # fit ran up to and including the stopping epoch
    assert out.stopped_epoch == early_stop_epoch(val_loss, "min", 3)
    assert out.best_epoch == lab.best_index(val_loss, "min") == int(np.argmin(val_loss))
    assert out.stopped_epoch - out.best_epoch == 3  # the patience window
    # Restored: the final weights score exactly what the best epoch scored; before restoring, the last epoch's.
    assert out.score["loss"] == pytest.approx(val_loss[out.best_epoch], abs=1e-6)
    assert out.score_before["loss"] == pytest.approx(val_loss[-1], abs=1e-6)
    assert out.score["loss"] < out.score_before["loss"]
    assert [row[0] for row in out.states][-1] == 3  # the wait counter that triggered the stop


def test_early_stopping_on_accuracy_resolves_max_and_respects_start_and_no_restore():
    es = lab.EarlyStop(monitor="val_accuracy", patience=2, restore_best_weights=False, start_from_epoch=3)
    out = run(lab.Experiment(SMALL, es))
    acc = out.history["val_accuracy"]
    assert out.mode == "max"
    assert out.best_epoch == lab.best_index(acc, "max", start=3)
    if out.stopped_epoch:
        assert out.epochs_run == out.stopped_epoch + 1
    assert out.score == out.score_before  # nothing restored
    assert out.score["accuracy"] == pytest.approx(acc[-1], abs=1e-6)


# --------------------------------------------------------------------------- ModelCheckpoint


def test_checkpoint_best_only_writes_exactly_the_improving_epochs(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_SCRATCH_DIR", str(tmp_path / "scratch"))
    mc = lab.Checkpoint(monitor="val_loss", save_best_only=True, save_weights_only=True)
    out = run(lab.Experiment(SMALL, mc))
    best, expected = None, []
    for epoch, value in enumerate(out.history["val_loss"], start=1):
        if improves(value, best, "min"):
            best = value
            expected.append(epoch)
    assert [c[0] for c in out.checkpoints] == expected
    assert [c[2] for c in out.checkpoints] == [f"ckpt-{e:03d}.weights.h5" for e in expected]
    assert all(40_000 < c[3] < 2_000_000 for c in out.checkpoints)  # bytes on disk when written
    # "Check the accuracy midway": every file, loaded back, scores what the history said for its epoch.
    assert sorted(out.loaded) == expected
    for epoch, value, _, _ in out.checkpoints:
        assert out.loaded[epoch]["loss"] == pytest.approx(value, abs=1e-6)
        assert out.loaded[epoch]["accuracy"] == pytest.approx(out.history["val_accuracy"][epoch - 1], abs=1e-6)
    assert not any((tmp_path / "scratch").iterdir())  # the run's folder went with the run


def test_checkpoint_every_epoch_full_model_round_trip():
    setup = lab.Setup(data="digits", rows=300, units=64, epochs=10, learning_rate=0.03, seed=1)
    mc = lab.Checkpoint(save_best_only=False, save_weights_only=False)
    out = run(lab.Experiment(setup, mc))
    assert [c[2] for c in out.checkpoints] == [f"ckpt-{e:03d}.keras" for e in range(1, 11)]
    # save -> load_model gives back the trained model: the last file scores what the model after fit scored.
    assert out.loaded[10] == pytest.approx(out.score, abs=1e-6)
    assert [out.loaded[e]["loss"] for e in range(1, 11)] == pytest.approx(out.history["val_loss"], abs=1e-6)


# --------------------------------------------------------------------------- ReduceLROnPlateau


def test_plateau_rate_is_read_from_the_optimizer_and_follows_the_rule():
    rlr = lab.Plateau(monitor="val_loss", factor=0.2, patience=2, min_lr=1e-4, cooldown=1)
    out = run(lab.Experiment(SMALL, rlr))
    assert out.lr == pytest.approx(plateau_rates(out.history["val_loss"], 0.03, 0.2, 2, 1e-4, 1), rel=1e-6)
    assert lab.lr_cuts(out.lr), "the small setup should reach a plateau"
    assert min(out.lr) >= 1e-4 * (1 - 1e-6)
    fig = figs.plateau_figure(out.history, out.lr, "val_loss", LABELS)
    plotted = next(trace for trace in fig.data if trace.name == LABELS["lr"])
    assert list(plotted.y) == out.lr  # the chart draws what the optimizer held


# --------------------------------------------------------------------------- TensorBoard


def test_tensorboard_scalars_read_back_equal_the_history_and_zip_has_the_logs():
    out = run(lab.Experiment(SMALL, lab.Board(histograms=True)))
    board = out.board
    for run_name, prefix in (("train", ""), ("validation", "val_")):
        steps, values = board.scalars[run_name]["epoch_loss"]
        assert list(steps) == list(range(SMALL.epochs))
        np.testing.assert_array_equal(values.astype(np.float32), np.float32(out.history[prefix + "loss"]))
        np.testing.assert_array_equal(board.scalars[run_name]["epoch_accuracy"][1].astype(np.float32),
                                      np.float32(out.history[prefix + "accuracy"]))
    np.testing.assert_allclose(board.scalars["train"]["epoch_learning_rate"][1], out.lr, rtol=1e-7)
    kernels = [tag for tag in board.histograms["train"] if tag.endswith("kernel/histogram")]
    assert len(kernels) == 2
    steps, hists = board.histograms["train"][kernels[0]]
    assert len(steps) == SMALL.epochs and all(h[:, 2].sum() == 64 * 64 for h in hists)  # every weight counted once
    names = zipfile.ZipFile(io.BytesIO(board.zip_bytes)).namelist()
    assert any(n.startswith("logs/train/events.out.tfevents") for n in names)
    assert any(n.startswith("logs/validation/events.out.tfevents") for n in names)


def test_core_summary_writes_records_tensorboard_reads(tmp_path):
    import tensorflow as tf

    writer = tf.summary.create_file_writer(str(tmp_path / "run"))
    core = files.CoreSummary()
    with writer.as_default():
        for step in range(3):
            core.scalar("x", 0.5 * step, step=step)
            core.histogram("w", np.arange(10.0) + step, step=step)
    writer.flush()
    logs = files.read_events(tmp_path)
    np.testing.assert_array_equal(logs.scalars["run"]["x"][1], [0.0, 0.5, 1.0])
    steps, hists = logs.histograms["run"]["w"]
    assert list(steps) == [0, 1, 2] and hists[2][0, 0] == 2.0 and hists[2][-1, 1] == 11.0
    assert all(h[:, 2].sum() == 10 for h in hists)


# --------------------------------------------------------------------------- the app's own progress callback


def test_progress_per_batch_and_per_epoch_report_the_same_training():
    setup = lab.Setup(data="digits", rows=300, units=64, epochs=10, learning_rate=0.03, seed=1)
    per_epoch, per_batch = (run(lab.Experiment(setup, lab.Progress(per_batch=b))) for b in (False, True))
    assert [u[:2] for u in per_epoch.updates] == [(e, -1) for e in range(10)]
    assert [u[2] for u in per_epoch.updates] == per_epoch.history["loss"]
    assert len(per_batch.updates) == 10 * 5
    # Batch logs are the running mean since the epoch began: the last batch's equals the epoch's loss.
    last = [u[2] for u in per_batch.updates if u[1] == 4]
    np.testing.assert_allclose(last, per_batch.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(per_batch.history["val_loss"], per_epoch.history["val_loss"], rtol=1e-5)


def test_course_list_records_every_hook_in_call_order():
    setup = lab.Setup(data="digits", rows=300, units=64, epochs=10, learning_rate=0.03, seed=1)
    out = run(lab.Experiment(setup, lab.CourseList(es_patience=20, lr_factor=0.1, lr_patience=1)))
    first = [(hook, name) for epoch, hook, name, _, _ in out.events if epoch == 0]
    assert first[:2] == [("on_epoch_begin", "ModelCheckpoint"), ("on_epoch_begin", "TensorBoard")]
    ends = [name for hook, name in first if hook == "on_epoch_end"]
    assert ends == ["ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau", "TensorBoard"]  # list order
    effects = {(e, name): code for e, hook, name, code, _ in out.events if hook == "on_epoch_end"}
    assert effects[(0, "ModelCheckpoint")] == "saved" and effects[(0, "TensorBoard")] == "wrote"
    cuts = [e for (e, name), code in effects.items() if name == "ReduceLROnPlateau" and code == "lr_cut"]
    # A cut at the end of epoch e shows in the rate epoch e + 1 trains with (if there is one).
    assert [c[0] - 1 for c in lab.lr_cuts(out.lr)] == [e + 1 for e in cuts if e + 1 < len(out.lr)]


# --------------------------------------------------------------------------- bad input


def test_a_divergent_rate_is_reported_not_raised():
    setup = lab.Setup(data="digits", rows=300, units=64, epochs=10, learning_rate=10.0, seed=1)  # Adam at 10
    out = run(lab.Experiment(setup, lab.EarlyStop(patience=1)))
    assert out.epochs_run >= 1
    values = np.asarray(out.history["loss"])
    assert out.diverged == (not np.isfinite(values).all())
    figs.curves_figure(out.history, LABELS)  # NaN and inf are drawn as gaps, not an error
    json.dumps(figs.curves_figure(out.history, LABELS).to_plotly_json(), default=str)


# --------------------------------------------------------------------------- session folders


def test_session_folders_are_private_and_removed(tmp_path):
    a, b = files.SessionFolder(tmp_path), files.SessionFolder(tmp_path)
    assert a.path != b.path and a.path.parent == tmp_path
    assert oct(a.path.stat().st_mode & 0o777) == "0o700"
    (a.path / "x.weights.h5").write_bytes(b"1")
    assert not (b.path / "x.weights.h5").exists()
    path = a.path
    del a
    gc.collect()
    assert not path.exists()  # the session's object went away, and its folder with it
    b.cleanup()
    assert not b.path.exists()
    stale = tmp_path / "session-old"
    stale.mkdir()
    os.utime(stale, (0, 0))
    assert files.sweep(tmp_path, max_age=3600) == 1 and not stale.exists()


# --------------------------------------------------------------------------- generated code


LABELS = {"train": "training", "validation": "validation",
          "loss": "loss", "val_loss": "val_loss", "accuracy": "accuracy", "val_accuracy": "val_accuracy",
          "epoch": "epoch", "lr": "learning rate", "best": "best", "stop": "stop", "patience": "patience",
          "warmup": "warm-up", "saved": "saved", "picked": "picked", "value": "value"}
TINY = lab.Setup(data="digits", rows=300, units=64, epochs=10, batch_size=32, learning_rate=0.03, seed=1)  # SMALL's net


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_early_code_reproduces_lib(in_tmp):
    es = lab.EarlyStop(monitor="val_loss", patience=2, restore_best_weights=True)
    out = run(lab.Experiment(TINY, es))
    ns, printed = exec_code(codegen.early_code(TINY, es))
    assert_same_history(ns["history"].history, out)
    assert ns["early_stopping"].stopped_epoch == out.stopped_epoch
    assert ns["early_stopping"].best_epoch == out.best_epoch
    assert f"val_loss {out.score_before['loss']:.4f}" in printed and f"val_loss {out.score['loss']:.4f}" in printed


def test_checkpoint_code_reproduces_lib(in_tmp):
    mc = lab.Checkpoint(monitor="val_accuracy", save_best_only=True, save_weights_only=True)
    out = run(lab.Experiment(TINY, mc))
    pick = out.checkpoints[0][0]
    ns, printed = exec_code(codegen.checkpoint_code(TINY, mc, pick))
    assert sorted(os.listdir(in_tmp / "checkpoints")) == [c[2] for c in out.checkpoints]
    assert f"val_accuracy {out.history['val_accuracy'][pick - 1]:.4f}" in printed


def test_plateau_code_reproduces_lib(in_tmp):
    rlr = lab.Plateau(factor=0.2, patience=1, min_lr=1e-4)
    out = run(lab.Experiment(TINY, rlr))
    ns, _ = exec_code(codegen.plateau_code(TINY, rlr))
    assert ns["rates"].rates == pytest.approx(out.lr, rel=1e-7)
    assert_same_history(ns["history"].history, out)


def test_board_code_reproduces_lib(in_tmp, monkeypatch):
    import tensorflow as tf

    if not files.tensorboard_installed():  # the stand-in writes the same records TensorBoard would
        monkeypatch.setattr(tf.summary, "scalar", files.CoreSummary().scalar)
    out = run(lab.Experiment(TINY, lab.Board()))
    _, printed = exec_code(codegen.board_code(TINY, lab.Board()))
    assert f"validation {TINY.epochs} epoch_loss {np.float32(out.history['val_loss'][-1])}" in printed


def test_progress_code_reproduces_lib(in_tmp):
    out = run(lab.Experiment(TINY, lab.Progress(per_batch=True)))
    ns, _ = exec_code(codegen.progress_code(TINY, lab.Progress(per_batch=True)))
    assert [u[:2] for u in ns["updates"]] == [u[:2] for u in out.updates]
    np.testing.assert_allclose([u[2] for u in ns["updates"]], [u[2] for u in out.updates], rtol=1e-5)


def test_course_code_reproduces_lib(in_tmp, monkeypatch):
    import tensorflow as tf

    if not files.tensorboard_installed():
        monkeypatch.setattr(tf.summary, "scalar", files.CoreSummary().scalar)
    course = lab.CourseList(es_patience=2, lr_patience=1)
    out = run(lab.Experiment(TINY, course))
    ns, printed = exec_code(codegen.course_code(TINY, course, epoch=2))
    assert ns["events"] == [e[:3] for e in out.events]
    assert_same_history(ns["history"].history, out)
    assert "epoch 2: on_epoch_end           EarlyStopping" in printed
    assert (in_tmp / "best_model.keras").exists()


def test_baseline_code_on_fashion_mnist(in_tmp, monkeypatch):
    """The Fashion-MNIST prelude, fed from the local copy lib reads (no download in tests)."""
    import keras

    try:
        train = data_mod.read_fashion_folder(data_mod.DEBIAN_FASHION_DIR, "train")
    except OSError:
        pytest.skip("Fashion-MNIST is not installed on this machine")
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", lambda: (train, (None, None)))
    setup = lab.Setup(data="fashion_mnist", rows=200, units=64, epochs=10, seed=3)
    out = run(lab.Experiment(setup, lab.Progress()))
    ns, printed = exec_code(codegen.baseline_code(setup))
    assert_same_history(ns["history"].history, out)
    assert f"{out.history['val_loss'][-1]:.4f}" in printed
