"""The sentences under the callbacks charts, from hand-made outcomes: numbers checked with numpy."""

from __future__ import annotations

import numpy as np

from lib.lessons.callbacks import lab, summary

LOSS = [1.5, 0.9, 0.6, 0.45, 0.4, 0.38]
VAL = [1.4, 0.95, 0.7, 0.72, 0.75, 0.8]


def outcome(**fields) -> lab.Outcome:
    base = dict(history={"loss": LOSS, "val_loss": VAL, "accuracy": [0.5] * 6, "val_accuracy": [0.4] * 6},
                lr=[0.01] * 6, epoch_seconds=[0.1] * 6, epochs_run=6, seconds=0.6, diverged=False, notice=None,
                val_pred=np.zeros(1))
    return lab.Outcome(**{**base, **fields})


def test_curves_summary_trend_and_best_validation_epoch():
    best = int(np.argmin(VAL)) + 1
    assert summary.curves_summary("en", outcome()) == (
        f"Training loss fell from 1.5000 to 0.3800 over 6 epochs. Validation loss was lowest (0.7000) at epoch {best}.")
    assert summary.curves_summary("ko", outcome()).startswith(
        "훈련 손실: 6 에포크 동안 1.5000에서 0.3800까지 줄었습니다.")


def test_early_summary_stopped_restored_or_not():
    run = outcome(stopped_epoch=5, best_epoch=2)
    assert summary.early_summary("en", run, "val_loss", 20, restore=True) == (
        "EarlyStopping stopped training after epoch 6 of 20. The best val_loss was 0.7000, in epoch 3. "
        "The model keeps the restored weights of epoch 3.")
    assert summary.early_summary("en", run, "val_loss", 20, restore=False).endswith(
        "The model keeps the weights of the last epoch, 6.")
    ran = summary.early_summary("ko", outcome(best_epoch=2), "val_loss", 6, restore=True)
    assert ran.startswith("EarlyStopping이 훈련을 멈추지 않아 6 에포크를 모두 실행했습니다.")
    assert "가장 좋은 val_loss: 0.7000 (3번째 에포크)." in ran


def test_checkpoint_summary_counts_files_and_reads_the_loaded_one():
    written = [(1, 1.4, "ckpt-001.weights.h5", 10), (2, 0.95, "ckpt-002.weights.h5", 10),
               (3, 0.7, "ckpt-003.weights.h5", 10)]
    assert summary.checkpoint_summary("en", written, "val_loss", 2) == (
        "3 checkpoint files were written, from epoch 1 to epoch 3. The loaded file, from epoch 2, has val_loss 0.9500.")
    assert summary.checkpoint_summary("ko", written, "val_loss", None) == (
        "체크포인트 파일 3개를 1번째 에포크부터 3번째 에포크까지 썼습니다.")
    assert summary.checkpoint_summary("en", [], "val_loss", None) == ""


def test_plateau_summary_cuts_and_best_epoch():
    lr = [0.01, 0.01, 0.01, 0.005, 0.005, 0.0025]
    cuts = [i + 1 for i in range(1, 6) if lr[i] != lr[i - 1]]
    text = summary.plateau_summary("en", outcome(lr=lr), "val_loss")
    assert text.startswith(
        f"Learning-rate cuts: {len(cuts)}, the first for epoch {cuts[0]}; the rate went from 0.01 to 0.0025.")
    assert text.endswith("The best val_loss was 0.7000, in epoch 3.")
    kept = summary.plateau_summary("ko", outcome(history={"val_accuracy": [0.4, 0.6, 0.5]}), "val_accuracy")
    assert kept == "학습률은 6 에포크 내내 그대로였습니다: 0.01. 가장 좋은 val_accuracy: 0.6000 (2번째 에포크)."


def test_board_kernel_progress_and_course_summaries():
    scalars = {"validation": {"epoch_loss": (np.arange(3), np.array(VAL[:3], np.float32))}}
    assert summary.board_summary("en", scalars) == (
        "Validation loss read back from the event files fell from 1.4000 to 0.7000 over 3 epochs.")
    hists = [np.array([[-0.2, 0.0, 3.0], [0.0, 0.2, 5.0], [0.2, 0.4, 0.0]]),
             np.array([[-0.5, 0.1, 2.0], [0.1, 0.6, 4.0]])]
    assert summary.kernel_summary("en", "dense/kernel", [0, 1], hists) == (
        "dense/kernel: the weights span -0.200 to 0.200 in epoch 1 and -0.500 to 0.600 in epoch 2.")
    run = outcome(updates=[(0, -1, 1.5), (1, -1, 0.9)], stopped_epoch=4, lr=[0.01] * 3 + [0.005] * 3,
                  events=[(-1, "on_train_begin", "EarlyStopping", None, ()), (0, "on_epoch_end", "ModelCheckpoint",
                          "saved", (1.4,)), (1, "on_epoch_end", "ModelCheckpoint", "saved", (0.95,))])
    assert summary.progress_summary("en", run) == (
        "The callback sent 2 updates in 6 epochs; the last loss it reported is 0.9000.")
    assert summary.course_summary("en", run, 1) == (
        "Over 6 epochs: files saved: 2, learning-rate cuts: 1, stopped after epoch 5. "
        "Events in epoch 1 (highlighted): 2.")
    assert summary.course_summary("ko", run, 2).endswith("조기 종료. 강조한 2번째 에포크의 이벤트: 1개.")
