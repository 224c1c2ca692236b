"""lib.lessons.regression (lab, training, evaluation), its figures, and the code ``code.py`` writes for it.

The generated scripts are executed here and what they compute is compared with
lib's numbers, so the code a learner copies is the code behind the page.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split

from lib.core import data as data_mod
from lib.core import engine
from lib.core.specs import OptimizerSpec
from lib.lessons.regression import code as codegen
from lib.lessons.regression import evaluation as ev
from lib.lessons.regression import figures as figs
from lib.lessons.regression import lab, training
from tests.shown_code import run_shown_code

CSV = str(data_mod.ADVERTISING_CSV)
SMALL = replace(lab.RegressionSpec(), epochs=10)  # the fewest the page offers


def run_code(code: str) -> dict:
    return run_shown_code(code)[0]


# --------------------------------------------------------------------------- 1. the table


def test_raw_table_has_the_unnamed_index_and_dropping_it_gives_the_data():
    raw = lab.raw_frame()
    assert list(raw.columns) == [lab.INDEX_COLUMN, "TV", "radio", "newspaper", "sales"]
    assert raw.shape == (200, 5)
    assert raw[lab.INDEX_COLUMN].tolist() == list(range(1, 201))
    pd.testing.assert_frame_equal(lab.clean_frame(), data_mod.advertising_frame())
    raw.loc[0, "TV"] = -1.0  # a copy: the cached table is not changed
    assert lab.raw_frame().loc[0, "TV"] == 230.1


def test_full_data_least_squares_is_islr_table_3_4():
    frame = lab.clean_frame()
    ols = LinearRegression().fit(frame[list(lab.FEATURES)], frame["sales"])
    assert round(ols.intercept_, 4) == 2.9389
    np.testing.assert_allclose(ols.coef_, [0.0458, 0.1885, -0.0010], atol=5e-5)


def test_correlations_rank_tv_radio_newspaper():
    r = lab.correlations()
    assert r["TV"] > r["radio"] > r["newspaper"] > 0
    assert round(r["TV"], 2) == 0.78


# --------------------------------------------------------------------------- specs


@pytest.mark.parametrize("kwargs, message", [
    (dict(features=()), "at least one"),
    (dict(features=("TV", "price")), "unknown feature"),
    (dict(features=("TV", "TV")), "only once"),
    (dict(test_size=0.7), "test size"),
    (dict(val_size=0.05), "validation share"),
    (dict(seed=-1), "seed"),
    (dict(batch_size=0), "batch size"),
    (dict(buffer=0), "shuffle buffer"),
])
def test_split_spec_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lab.SplitSpec(**kwargs)


@pytest.mark.parametrize("kwargs, message", [
    (dict(hidden=(10,) * 5), "at most 4"),
    (dict(hidden=(0,)), "units"),
    (dict(activation="softmax"), "activation"),
    (dict(optimizer=OptimizerSpec("momentum")), "optimizer"),
    (dict(epochs=0), "epochs"),
])
def test_regression_spec_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lab.RegressionSpec(**kwargs)


def test_learning_rate_codes():
    assert lab.parse_learning_rate("0.03") == 0.03
    for bad in ("0.5", "nan", "", "1e300"):
        with pytest.raises(ValueError, match="learning rate"):
            lab.parse_learning_rate(bad)


def test_spec_is_hashable_and_holds_the_fit_settings():
    spec = lab.RegressionSpec()
    assert hash(spec) == hash(lab.RegressionSpec())
    assert (spec.epochs, spec.data.batch_size, spec.data.val_size, spec.data.seed) == (50, 32, 0.2, 42)


# --------------------------------------------------------------------------- 2. split and tf.data


def test_split_sizes_and_seeds():
    s = lab.split(lab.SplitSpec())
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (128, 32, 40)
    assert s.x_train.shape == (128, 3) and s.x_train.dtype == np.float32
    # the same two calls, done here independently
    frame = lab.clean_frame()
    x, y = frame[list(lab.FEATURES)].to_numpy(np.float32), frame["sales"].to_numpy(np.float32)
    x_rest, x_test, y_rest, _ = train_test_split(x, y, test_size=0.2, random_state=42)
    x_train, *_ = train_test_split(x_rest, y_rest, test_size=0.2, random_state=42)
    np.testing.assert_array_equal(s.x_test, x_test)
    np.testing.assert_array_equal(s.x_train, x_train)
    other = lab.split(lab.SplitSpec(seed=7, features=("radio",), test_size=0.3))
    assert other.x_train.shape[1] == 1 and len(other.y_test) == 60
    assert not np.array_equal(lab.split(lab.SplitSpec(seed=7)).y_test, s.y_test)


def test_first_batch_pairs_survive_and_separate_shuffles_break_them():
    spec = lab.SplitSpec()
    demo = lab.batch_demo(spec)
    assert demo.x_pairs.shape == (32, 3) and demo.y_pairs.shape == (32,)
    assert demo.broken_pairs == 0
    assert demo.broken_apart >= 25  # a random pairing of 32 out of 128 rows is almost never right
    again = lab.batch_demo(spec)  # seeded: the same batch every time
    np.testing.assert_array_equal(again.x_pairs, demo.x_pairs)
    np.testing.assert_array_equal(again.y_apart, demo.y_apart)
    # each separately shuffled x still carries its true label in the lookup column
    s = lab.split(spec)
    i = int(np.flatnonzero((s.x_train == demo.x_apart[0]).all(axis=1))[0])
    assert demo.truth_apart[0] == f"{float(s.y_train[i]):g}"


def test_buffer_of_one_shuffles_nothing():
    spec = lab.SplitSpec(buffer=1, batch_size=8)
    demo = lab.batch_demo(spec)
    s = lab.split(spec)
    np.testing.assert_array_equal(demo.x_pairs, s.x_train[:8])
    assert demo.broken_pairs == 0 and demo.broken_apart == 0


def test_real_pair_check_allows_duplicate_features():
    x = np.array([[1.0], [1.0], [2.0]], np.float32)
    y = np.array([5.0, 6.0, 7.0], np.float32)
    real = lab.is_real_pair(x, y, np.array([[1.0], [1.0], [2.0]], np.float32), np.array([6.0, 7.0, 7.0], np.float32))
    assert real.tolist() == [True, False, True]
    assert lab._labels_of(x, y, np.array([1.0], np.float32)) == "5 / 6"


def test_pairs_frame_columns():
    demo = lab.batch_demo(lab.SplitSpec())
    frame = lab.pairs_frame(demo, lab.FEATURES, apart=True, rows=5)
    assert list(frame.columns) == [*lab.FEATURES, "y", "truth", "ok"]
    assert len(frame) == 5 and set(frame["ok"]) <= {"✅", "❌"}
    assert (lab.pairs_frame(demo, lab.FEATURES, apart=False)["ok"] == "✅").all()


def test_data_code_runs_and_matches():
    ns = run_code(codegen.data_code(("TV", "radio"), CSV))
    assert ns["raw"].shape == (200, 5)
    np.testing.assert_array_equal(ns["X"], lab.clean_frame()[["TV", "radio"]].to_numpy(np.float32))


@pytest.mark.parametrize("spec", [lab.SplitSpec(), lab.SplitSpec(features=("TV",), batch_size=8, buffer=100, seed=3)])
def test_dataset_code_runs_and_matches(spec):
    ns = run_code(codegen.dataset_code(spec, CSV))
    demo = lab.batch_demo(spec)
    np.testing.assert_array_equal(ns["x_batch"].numpy(), demo.x_pairs)
    np.testing.assert_array_equal(ns["y_apart"], demo.y_apart)
    assert (ns["broken_together"], ns["broken_apart"]) == (demo.broken_pairs, demo.broken_apart)


# --------------------------------------------------------------------------- 3./4. fit, evaluate, predict


@pytest.fixture(scope="module")
def small_run() -> training.FitResult:
    return training.train(SMALL)


def test_evaluate_code_reproduces_the_run(small_run):
    ns = run_code(codegen.evaluate_code(SMALL, verbose=0, csv_path=CSV))
    np.testing.assert_allclose(ns["history"].history["loss"], small_run.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(ns["history"].history["val_loss"], small_run.history["val_loss"], rtol=1e-6)
    assert ns["test_mse"] == pytest.approx(small_run.test_mse, rel=1e-6)
    np.testing.assert_allclose(ns["pred"], small_run.pred, rtol=1e-6)
    ols = ev.least_squares(SMALL.data)
    np.testing.assert_allclose(ns["ols_pred"], ols.pred, rtol=1e-5)
    assert ns["ols"].intercept_ == pytest.approx(ols.intercept, rel=1e-6)
    assert ns["table"].shape == (lab.SHOWN_ROWS, 4)


def test_fit_code_with_other_settings_reproduces_the_run():
    spec = lab.RegressionSpec(lab.SplitSpec(features=("TV", "radio"), seed=5, batch_size=16), hidden=(10, 10),
                              activation="tanh", scale=False, optimizer=OptimizerSpec("rmsprop", 0.01), epochs=10)
    result = training.train(spec)
    ns = run_code(codegen.fit_code(spec, verbose=2, csv_path=CSV))
    np.testing.assert_allclose(ns["history"].history["loss"], result.history["loss"], rtol=1e-6)
    assert ns["model"].count_params() == result.param_count


def test_evaluate_matches_mean_squared_error_of_predict(small_run):
    assert small_run.test_mse == pytest.approx(float(np.mean((small_run.pred - small_run.y_test) ** 2)), rel=1e-5)
    assert small_run.epochs_run == 10 and len(small_run.epoch_seconds) == 10
    assert small_run.steps_per_epoch == 4 and not small_run.diverged


def test_pooled_model_gives_the_numbers_of_a_fresh_one():
    first = replace(SMALL, epochs=10)
    second = replace(SMALL, epochs=20, optimizer=OptimizerSpec("adam", 0.1))
    unscaled = replace(SMALL, scale=False, epochs=10)
    unscaled_other_seed = replace(unscaled, data=replace(unscaled.data, seed=9))
    engine.POOL.clear()
    training.train(first)
    training.train(unscaled)
    pooled = training.train(second), training.train(unscaled_other_seed)  # both reuse a traced model
    engine.POOL.clear()
    fresh = training.train(second), training.train(unscaled_other_seed)
    for a, b in zip(pooled, fresh, strict=True):
        assert a.history == b.history
        np.testing.assert_array_equal(a.pred, b.pred)


def test_divergent_learning_rate_is_reported_not_raised():
    spec = replace(SMALL, optimizer=OptimizerSpec("sgd", 1.0), epochs=10)
    result = training.train(spec)
    assert result.diverged and training.loss_status(result) == "diverged"
    assert training.first_bad_epoch(result) == 1
    assert ev.scores(result.y_test, result.pred) is None
    ols = ev.least_squares(spec.data)
    assert ev.verdict(None, ols.scores) == "diverged"
    assert np.isnan(ev.score_frame(None, ols.scores)["network"]).all()
    assert training.keras_log(result, 2, 10).count("Epoch") == result.epochs_run


def test_scores_match_their_formulas():
    y = np.array([3.0, 5.0, 8.0, 10.0])
    p = np.array([2.5, 5.5, 7.0, 11.0])
    s = ev.scores(y, p)
    assert s.mse == pytest.approx(np.mean((p - y) ** 2))
    assert s.mae == pytest.approx(np.mean(np.abs(p - y)))
    assert s.rmse == pytest.approx(np.sqrt(s.mse))
    assert s.r2 == pytest.approx(1 - np.sum((p - y) ** 2) / np.sum((y - y.mean()) ** 2))
    assert ev.scores(y, np.array([1.0, np.inf, 0.0, 0.0])) is None
    assert ev.scores(y, np.full(4, 1e200)) is None


def test_least_squares_is_the_normal_equations():
    spec = lab.SplitSpec(seed=11)
    s = lab.split(spec)
    design = np.column_stack([np.ones(len(s.x_train)), s.x_train]).astype(np.float64)
    beta = np.linalg.lstsq(design, s.y_train.astype(np.float64), rcond=None)[0]
    ols = ev.least_squares(spec)
    assert ols.intercept == pytest.approx(beta[0], rel=1e-4)
    np.testing.assert_allclose(ols.coef, beta[1:], rtol=1e-4)
    assert ev.ols_formula(ols, lab.FEATURES).startswith(f"sales ≈ {beta[0]:.3f} + {beta[1]:.4f}·TV")


@pytest.mark.parametrize("ratio, expected", [(0.5, "beats"), (0.95, "matches"), (1.05, "matches"), (1.5, "worse")])
def test_verdict(ratio, expected):
    ref = ev.Scores(2.0, 1.0, 2.0**0.5, 0.9)
    assert ev.verdict(replace(ref, mse=2.0 * ratio), ref) == expected


@pytest.mark.parametrize("spec", [
    lab.RegressionSpec(),
    lab.RegressionSpec(hidden=(), scale=False),
    lab.RegressionSpec(lab.SplitSpec(features=("radio", "newspaper")), hidden=(32, 16)),
])
def test_layer_rows_count_what_keras_counts(spec):
    model = training.build_model(spec, lab.split(spec.data).x_train)
    assert [p for _, _, p in training.layer_rows(spec)] == [layer.count_params() for layer in model.layers]
    assert training.trainable_params(spec) == sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert list(training.layer_frame(spec).columns) == ["layer", "shape", "params"]


def test_keras_log_shapes(small_run):
    assert training.keras_log(small_run, 0, 10) == ""
    two = training.keras_log(small_run, 2, 10).splitlines()
    assert two[0] == "Epoch 1/10" and two[1].startswith("4/4 - ") and "loss: " in two[1] and "val_loss: " in two[1]
    assert "━" in training.keras_log(small_run, 1, 10)
    long = replace(small_run, history={k: v * 4 for k, v in small_run.history.items()},
                   epoch_seconds=small_run.epoch_seconds * 4)
    assert "…" in training.keras_log(long, 2, 40) and "Epoch 40/40" in training.keras_log(long, 2, 40)
    with pytest.raises(ValueError):
        training.keras_log(small_run, 3, 10)


def test_loss_status_and_number_format():
    def run(*loss: float) -> training.FitResult:
        return training.FitResult(history={"loss": list(loss), "val_loss": list(loss)}, epoch_seconds=[0.1] * len(loss),
                             steps_per_epoch=4, test_mse=loss[-1], y_test=np.zeros(2), pred=np.zeros(2),
                             param_count=1, seconds=0.2, device="CPU")

    baseline = lab.mean_baseline(lab.SplitSpec())
    assert baseline == pytest.approx(np.var(lab.split(lab.SplitSpec()).y_train), rel=1e-6)  # about 27.8
    assert training.loss_status(run(1.0, 5.0), baseline) == "grew"
    assert training.loss_status(run(2e14, 1.6e10), baseline) == "huge"  # SGD 0.01 on unscaled budgets does this
    assert training.loss_status(run(220.0, 200.0), baseline) == "ok"  # slow, not broken
    fmt = training.fmt_loss
    assert fmt(1.69374) == "1.6937" and fmt(1.6e10) == "1.600e+10" and fmt(float("nan")) == "nan"


def test_prediction_table(small_run):
    ols = ev.least_squares(SMALL.data)
    table = ev.prediction_table(small_run.y_test, small_run.pred, ols.pred)
    assert len(table) == lab.SHOWN_ROWS
    np.testing.assert_allclose(table["error"], table["prediction"] - table["label"])
    empty = ev.prediction_table(small_run.y_test, None, ols.pred)
    assert empty["prediction"].isna().all() and empty["error"].isna().all() and empty["least_squares"].notna().all()


# --------------------------------------------------------------------------- figures


def test_figures_build_with_labels(small_run):
    labels = {"x": "budget", "y": "sales"}
    fig = figs.feature_scatter(lab.clean_frame(), lab.FEATURES, ("TV",), "sales", lab.correlations(), labels)
    assert len(fig.data) == 3 and fig.data[1].marker.color == figs.MUTED
    loss = figs.loss_figure({"loss": [4.0, float("nan")], "val_loss": [3.0, 2.0]},
                            {"loss": "l", "val_loss": "v", "x": "epoch", "y": "MSE"})
    assert loss.data[0].y == (4.0, None) and loss.layout.yaxis.type == "log"
    names = {"network": "n", "ols": "o", "identity": "i", "x": "a", "y": "p"}
    ols = ev.least_squares(SMALL.data)
    pred = figs.prediction_figure(small_run.y_test, small_run.pred, ols.pred, names)
    spec = json.loads(pred.to_json())
    assert [t["name"] for t in spec["data"]] == ["n", "o", "i"]
    identity = spec["data"][2]
    assert identity["x"] == identity["y"]
    assert len(figs.prediction_figure(small_run.y_test, None, ols.pred, names).data) == 2


# --------------------------------------------------------------------------- the one training API


def test_training_goes_through_the_engine():
    admitted, takes = engine.GATE.admitted, engine.POOL.takes
    events = []
    result = training.train(replace(SMALL, data=replace(SMALL.data, seed=3)), lambda kind, payload: events.append(kind))
    assert engine.GATE.admitted > admitted and engine.POOL.takes > takes
    assert result.epochs_run == SMALL.epochs
    assert events.count("progress") == SMALL.epochs and "epoch" not in events
