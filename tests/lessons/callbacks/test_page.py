"""The callbacks page in a real AppTest, on a small digits setup passed through the URL (fast).

The numbers on the page are checked against each other and against the curves the
charts draw: the marked best epoch is the argmin of the plotted curve, the stop
epoch is where Keras stopped, a loaded checkpoint scores what the history says.
"""

import json

import numpy as np
import pytest

from tests.apptest import code_with, metric, texts

# 150 training digits, a fast rate: overfits within a few epochs, every run well under a second.
SMALL = dict(cb_data="digits", cb_units="64", cb_epochs="20", cb_lr="0.03", cb_seed="1")


def chart(at, key: str) -> dict:
    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert found, f"no chart {key}"
    return json.loads(found[0].proto.spec)


def trace_y(spec: dict, name: str, index: int = 0) -> list:
    return [t["y"] for t in spec["data"] if t.get("name") == name][index]


def summary_with(at, start: str) -> str:
    """The one chart summary that starts with ``start``."""
    found = [c.value for c in at.caption if c.value.startswith(start)]
    assert len(found) == 1, (start, [c.value for c in at.caption])
    return found[0]


def test_early_stopping_numbers_agree_with_the_curves(page):
    at = page("callbacks", "en", code=["cb_es"], **SMALL)
    assert not at.exception
    assert at.title[0].value == "Callbacks you can see"
    assert not at.warning and not at.error
    spec = chart(at, "cb_es_fig")
    val_loss = trace_y(spec, "validation")  # the first validation trace is val_loss
    best, stop = int(metric(at, "Best val_loss in epoch")), int(metric(at, "Stopped after epoch"))
    assert best == int(np.argmin(val_loss)) + 1  # the marked best epoch is the curve's minimum
    assert stop == len(val_loss) == best + 5  # stopped where Keras said, patience 5 after the best
    assert metric(at, "Epochs run") == f"{stop} / 20"
    assert f"`stopped_epoch = {stop - 1}`" in texts(at)
    lines = {round(s["x0"]) for s in spec["layout"]["shapes"] if s["type"] == "line"}
    assert lines == {best, stop}
    # restore_best_weights: the model after fit scores exactly the best epoch's val_loss.
    table = at.dataframe[0].value
    assert table["val_loss"].iloc[1] == f"{val_loss[best - 1]:.4f}"
    assert table["val_loss"].iloc[0] == f"{val_loss[-1]:.4f}"
    assert "patience=5," in code_with(at, "keras.callbacks.EarlyStopping(")
    assert summary_with(at, "EarlyStopping") == (
        f"EarlyStopping stopped training after epoch {stop} of 20. The best val_loss was {val_loss[best - 1]:.4f}, "
        f"in epoch {best}. The model keeps the restored weights of epoch {best}.")
    base = chart(at, "cb_base_fig")
    loss, base_val = trace_y(base, "training"), trace_y(base, "validation")
    low = int(np.argmin(base_val))
    assert summary_with(at, "Training loss") == (
        f"Training loss fell from {loss[0]:.4f} to {loss[-1]:.4f} over 20 epochs. "
        f"Validation loss was lowest ({base_val[low]:.4f}) at epoch {low + 1}.")

    at.slider(key="cb_es_patience").set_value(2).run()  # the page's first slider
    assert not at.exception
    assert int(metric(at, "Stopped after epoch")) == best + 2
    assert summary_with(at, "EarlyStopping").startswith(f"EarlyStopping stopped training after epoch {best + 2} of 20.")
    assert "patience=2," in code_with(at, "keras.callbacks.EarlyStopping(")
    at.toggle(key="cb_es_restore").set_value(False).run()
    assert at.dataframe[0].value["val_loss"].iloc[0] == at.dataframe[0].value["val_loss"].iloc[1]
    assert any("restore_best_weights=False" in i.value for i in at.info)
    assert summary_with(at, "EarlyStopping").endswith(f"The model keeps the weights of the last epoch, {best + 2}.")


def test_checkpoints_are_the_improving_epochs_and_load_back(page):
    at = page("callbacks", "en", code=["cb_ck"], **SMALL)
    spec = chart(at, "cb_ck_fig")
    curve = trace_y(spec, "val_loss")
    saved = [int(x) for x in next(t for t in spec["data"] if t["name"] == "file written")["x"]]
    running = np.minimum.accumulate(np.asarray(curve, np.float32))
    improving = [1] + [i + 1 for i in range(1, len(curve)) if np.float32(curve[i]) < running[i - 1]]
    assert saved == improving  # save_best_only writes exactly the improving epochs
    files = list(at.dataframe[1].value["File"])
    assert files == [f"ckpt-{e:03d}.weights.h5" for e in saved]
    # The latest file is the best one; load another one and compare with the history.
    assert metric(at, "val_loss of the loaded file") == f"{min(curve):.4f}"
    written = f"{len(saved)} checkpoint files were written, from epoch {saved[0]} to epoch {saved[-1]}."
    loaded = f"The loaded file, from epoch {saved[-1]}, has val_loss {min(curve):.4f}."
    assert summary_with(at, written) == f"{written} {loaded}"
    at.selectbox(key="cb_ck_pick").set_value(saved[1]).run()
    assert not at.exception
    assert metric(at, "val_loss of the loaded file") == f"{curve[saved[1] - 1]:.4f}"
    assert summary_with(at, written).endswith(f"from epoch {saved[1]}, has val_loss {curve[saved[1] - 1]:.4f}.")
    assert f'"ckpt-{saved[1]:03d}.weights.h5"' in code_with(at, "ModelCheckpoint(")
    # Another learner with the same settings gets the same run (no files of anyone's session in the spec).
    other = page("callbacks", "en", **SMALL)
    assert list(other.dataframe[1].value["File"]) == files
    assert metric(other, "val_loss of the loaded file") == f"{min(curve):.4f}"
    # A whole .keras model every epoch: one file per epoch, loaded with load_model.
    at.toggle(key="cb_ck_best").set_value(False)
    at.toggle(key="cb_ck_weights").set_value(False).run()
    assert not at.exception
    assert list(at.dataframe[1].value["File"]) == [f"ckpt-{e:03d}.keras" for e in range(1, 21)]
    assert metric(at, "val_loss of the loaded file") == f"{curve[saved[1] - 1]:.4f}"  # the chosen epoch, kept


def test_plateau_rate_and_tensorboard_and_own_callback(page):
    at = page("callbacks", "en", code=["cb_lr", "cb_own"], **SMALL, cb_lr_patience="2", cb_lr_factor="0.2")
    spec = chart(at, "cb_lr_fig")
    rates = trace_y(spec, "learning rate")
    assert rates[0] == pytest.approx(0.03)
    cuts = [i for i in range(1, len(rates)) if rates[i] != rates[i - 1]]
    assert cuts and all(rates[i] == pytest.approx(max(rates[i - 1] * 0.2, 1e-5)) for i in cuts)  # min_lr 1e-5
    assert "factor=0.2," in code_with(at, "ReduceLROnPlateau(")
    assert summary_with(at, "Learning-rate cuts:").startswith(
        f"Learning-rate cuts: {len(cuts)}, the first for epoch {cuts[0] + 1}; the rate went from 0.03 to ")
    read_back = trace_y(chart(at, "cb_tb_fig"), "read back: validation")
    way = "fell" if read_back[-1] < read_back[0] else "rose"
    assert (f"Validation loss read back from the event files {way} from {read_back[0]:.4f} to {read_back[-1]:.4f} "
            f"over {len(read_back)} epochs." in [c.value for c in at.caption])
    assert "largest difference from `history.history` = 0.0e+00" in texts(at)
    zips = [b for b in at.get("download_button") if b.proto.label == "Download the log folder (.zip)"]
    assert len(zips) == 1
    at.toggle(key="cb_tb_hist").set_value(True)
    at.toggle(key="cb_own_batch").set_value(True).run()
    assert not at.exception
    assert sum(1 for c in at.get("plotly_chart") if "cb_tb_hist_" in c.proto.id) == 2  # the two kernels
    assert metric(at, "Updates sent to the page") == str(20 * 5)  # every batch of every epoch
    updates = chart(at, "cb_own_fig")["data"][0]["y"]
    assert summary_with(at, "The callback sent") == (
        f"The callback sent 100 updates in 20 epochs; the last loss it reported is {updates[-1]:.4f}.")
    assert sum(": the weights span " in c.value for c in at.caption) == 2  # one sentence under each kernel
    assert "STEPS_PER_EXECUTION = 1" in code_with(at, "progress = BatchProgress()")


def test_course_list_events_for_a_chosen_epoch(page):
    at = page("callbacks", "en", code=["cb_all"], **SMALL, cb_all_epoch="3")
    assert not at.exception
    table = at.table[0].value
    assert list(table["Hook"])[-4:] == ["on_epoch_end"] * 4
    assert list(table["Callback"])[-4:] == ["ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau", "TensorBoard"]
    assert "on_train_begin" not in list(table["Hook"])  # that one belongs to epoch 1
    assert "EPOCH = 3" in code_with(at, "callbacks_list = [")
    course = [c.value for c in at.caption if "(highlighted)" in c.value]
    assert len(course) == 1 and course[0].endswith(f"Events in epoch 3 (highlighted): {len(table)}.")


def test_korean_page_with_a_huge_rate_a_wrong_mode_and_odd_link_values(page):
    at = page("callbacks", "ko", cb_data="digits", cb_units="64", cb_epochs="10", cb_lr="10.0", cb_seed="1",
              cb_es_monitor="val_accuracy", cb_es_mode="min", cb_all_epoch="999", cb_ck_pick="99")
    assert not at.exception and not at.error
    assert at.title[0].value == "눈으로 보는 콜백"
    assert "검증" in json.dumps(chart(at, "cb_base_fig"), ensure_ascii=False)
    loss = trace_y(chart(at, "cb_base_fig"), "훈련")
    way = "줄었습니다" if loss[-1] < loss[0] else "늘었습니다"
    trend = f"훈련 손실: 10 에포크 동안 {loss[0]:.4f}에서 {loss[-1]:.4f}까지 {way}."
    assert summary_with(at, "훈련 손실:").startswith(trend)
    assert summary_with(at, "EarlyStopping").startswith("EarlyStopping이 ")
    notices = "\n".join(w.value for w in at.warning)
    assert "`999`" in notices and "`99`" in notices  # out-of-range link values are named, defaults used
    assert "학습률 10이 너무 큽니다" in notices  # Adam at 10: the loss explodes (finite, but far above the start)
    assert any(m.value == "min" for m in at.metric)  # an explicit mode is used as given
    assert "mode=\"min\"" in notices  # and the page says it is the wrong direction for accuracy
