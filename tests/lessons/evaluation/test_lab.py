"""lib/lessons/evaluation/ against sklearn and hand calculations, and the code lib/lessons/evaluation/code.py writes.

Fixed data first (every threshold metric, AUC and AP against ``sklearn.metrics``,
the segmentation metrics against a hand-computed example), then small real runs:
the generated scripts are executed and their variables compared with lib's.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from lib.core import engine
from lib.core.numbers import fmt
from lib.core.progress import Progress
from lib.lessons.evaluation import code as codegen
from lib.lessons.evaluation import figures as figs
from lib.lessons.evaluation import keras_metrics as kc
from lib.lessons.evaluation import lab
from lib.lessons.evaluation import segmentation as seg
from lib.lessons.evaluation.controls import CONTROLS
from tests.shown_code import run_shown_code as run

# Ten validation rows whose confusion matrix at 0.5 is easy to count by hand:
# positives score 0.9 0.8 0.6 0.4 0.3, negatives 0.7 0.45 0.2 0.1 0.05.
Y = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
S = np.array([0.9, 0.8, 0.6, 0.4, 0.3, 0.7, 0.45, 0.2, 0.1, 0.05], np.float32)
SMALL = lab.ScoreSpec(dataset="toy", epochs=2, hidden=4, overlap=0.6, drop=60)
KERAS_THRESHOLDS = 10  # coarse, so Keras' AUC visibly differs from sklearn's


@pytest.fixture(scope="module")
def small_run() -> lab.ScoreRun:
    return lab.train_scores(SMALL)


# --------------------------------------------------------------------------- threshold metrics on fixed data


def test_confusion_and_rates_by_hand():
    s = lab.at_threshold(Y, S, 0.5)
    assert (s.tn, s.fp, s.fn, s.tp) == (4, 1, 2, 3)
    assert s.sensitivity == pytest.approx(3 / 5)  # TP / all positives
    assert s.specificity == pytest.approx(4 / 5)  # TN / all negatives
    assert s.precision == pytest.approx(3 / 4)
    assert s.f1 == pytest.approx(2 * 0.75 * 0.6 / (0.75 + 0.6))
    assert s.accuracy == pytest.approx(7 / 10)
    assert s.fpr == pytest.approx(1 / 5)


@pytest.mark.parametrize("threshold", [0.0, 0.05, 0.3, 0.45, 0.5, 0.7, 0.9, 1.0])
def test_every_metric_matches_sklearn(threshold):
    s = lab.at_threshold(Y, S, threshold)
    pred = (S >= threshold).astype(int)
    (tn, fp), (fn, tp) = skm.confusion_matrix(Y, pred, labels=[0, 1])
    assert (s.tn, s.fp, s.fn, s.tp) == (tn, fp, fn, tp)
    assert s.accuracy == skm.accuracy_score(Y, pred)
    assert s.sensitivity == skm.recall_score(Y, pred, zero_division=np.nan)
    assert s.specificity == skm.recall_score(Y, pred, pos_label=0, zero_division=np.nan)
    if tp + fp:
        assert s.precision == skm.precision_score(Y, pred)
        assert s.f1 == skm.f1_score(Y, pred)
    else:
        assert math.isnan(s.precision)


def test_a_threshold_with_no_positive_predictions_leaves_precision_undefined():
    s = lab.at_threshold(Y, S, 0.95)
    assert s.predicted_positive == 0 and math.isnan(s.precision)
    assert s.sensitivity == 0 and s.specificity == 1
    assert fmt(s.precision, 3) == "—"  # how the page prints it


def test_curves_match_sklearn():
    cv = lab.curves(Y, S)
    assert cv.auc == skm.roc_auc_score(Y, S) == pytest.approx(20 / 25)  # 20 of 25 pairs ranked right
    assert cv.ap == skm.average_precision_score(Y, S)
    fpr, tpr, _ = skm.roc_curve(Y, S)
    np.testing.assert_array_equal(cv.fpr, fpr)
    np.testing.assert_array_equal(cv.tpr, tpr)
    assert cv.positive_rate == 0.5 and cv.roc_error is None


@pytest.mark.parametrize("y, problem", [(np.zeros(6, int), "no_positives"), (np.ones(6, int), "no_negatives")])
def test_single_class_makes_roc_undefined_without_raising(y, problem):
    scores = np.linspace(0.1, 0.9, 6)
    cv = lab.curves(y, scores)
    assert cv.roc_error == problem and cv.auc is None and cv.fpr is None
    assert (cv.ap is None) == (problem == "no_positives")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert math.isnan(skm.roc_auc_score(y, scores))  # what the page avoids: sklearn 1.9 warns and says nan
    assert lab.imbalance_sweep(y, scores) is None
    stats = lab.at_threshold(y, scores, 0.5)
    assert math.isnan(stats.sensitivity if problem == "no_positives" else stats.specificity)


def test_imbalance_sweep_keeps_auc_and_lowers_ap():
    sweep = lab.imbalance_sweep(Y, S)
    assert sweep.shares[0] == 0.5 and sweep.shares[-1] == pytest.approx(0.005)
    np.testing.assert_allclose(sweep.auc, skm.roc_auc_score(Y, S))  # ROC is a ratio within each class
    assert np.all(np.diff(sweep.ap) <= 1e-12) and sweep.ap[-1] < sweep.ap[0]
    share = sweep.shares[3]
    w = np.where(Y == 1, lab.positive_weight(Y, share), 1.0)
    assert (w[Y == 1].sum() / w.sum()) == pytest.approx(share)
    assert sweep.ap[3] == skm.average_precision_score(Y, S, sample_weight=w)


def test_majority_baseline():
    y_val = np.array([0] * 9 + [1])
    base = lab.majority_baseline((90, 10), y_val)
    assert base.majority == 0 and base.accuracy == 0.9 and base.sensitivity == 0.0
    assert lab.majority_baseline(np.array([1, 1, 0]), y_val).majority == 1


# --------------------------------------------------------------------------- spec, data, split


def test_spec_validation_and_normalisation():
    with pytest.raises(ValueError, match="unknown data set"):
        lab.ScoreSpec(dataset="iris")
    with pytest.raises(ValueError, match="positives removed"):
        lab.ScoreSpec(drop=101)
    with pytest.raises(ValueError, match="finite"):
        lab.ScoreSpec(lr=float("nan"))
    with pytest.raises(ValueError, match="whole number"):
        lab.ScoreSpec(epochs=2.5)
    assert lab.ScoreSpec(overlap=0.9, positive=4) == lab.ScoreSpec()  # ignored fields share a cache entry
    assert lab.ScoreSpec(dataset="toy", overlap=0.30000000000000004).overlap == 0.3
    assert lab.ScoreSpec(dataset="toy", overlap=1.0).spread == 0.0
    assert lab.ScoreSpec().fit.epochs == 20  # the engine trains the spec's epochs
    with pytest.raises(ValueError, match="hidden units must be one of"):
        lab.ScoreSpec(hidden=5)  # the page offers 0, 4, 8, 16, 32, 64
    with pytest.raises(ValueError, match="learning rate must be one of"):
        lab.ScoreSpec(lr=0.05)
    assert CONTROLS["ev_seg"].options == tuple(seg.PRESETS)  # the preset picker offers every preset


def test_breast_cancer_positive_is_malignant():
    x, y, notice = lab.raw_binary(lab.ScoreSpec())
    assert x.shape == (569, 30) and int(y.sum()) == 212 and notice is None


@pytest.mark.parametrize("drop", [0, 50, 90, 99])
def test_subsample_and_split_counts(drop):
    y = lab.raw_binary(lab.ScoreSpec())[1]
    train, val, kept = lab.subsample_and_split(y, drop, seed=0)
    assert kept == max(1, round(212 * (100 - drop) / 100))
    assert int(y[train].sum() + y[val].sum()) == kept
    assert len(np.intersect1d(train, val)) == 0 and int((y[np.concatenate([train, val])] == 0).sum()) == 357
    assert abs(len(val) / (len(train) + len(val)) - lab.VAL_FRACTION) < 0.02
    again = lab.subsample_and_split(y, drop, seed=0)
    np.testing.assert_array_equal(again[1], val)


def test_one_positive_left_goes_to_training():
    y = lab.raw_binary(lab.ScoreSpec())[1]
    train, val, kept = lab.subsample_and_split(y, 100, seed=3)
    assert kept == 1 and y[train].sum() == 1 and y[val].sum() == 0


# --------------------------------------------------------------------------- real runs and the generated code


def test_training_and_the_keras_check_go_through_the_engine(small_run):
    events = []
    spec = lab.ScoreSpec(dataset="toy", epochs=3, hidden=4, seed=11)
    admitted, takes = engine.GATE.admitted, engine.POOL.takes
    r = lab.train_scores(spec, lambda kind, payload: events.append((kind, payload)))
    assert engine.GATE.admitted == admitted + 1 and engine.POOL.takes == takes + 1
    progress = [p for kind, p in events if kind == "progress"]
    assert all(isinstance(p, Progress) for p in progress) and [(p.done, p.total) for p in progress] == [
        (1, 3), (2, 3), (3, 3)]
    assert not [kind for kind, _ in events if kind not in ("queued", "progress")]
    admitted, takes = engine.GATE.admitted, engine.POOL.takes
    first = kc.keras_check(spec, r.weights, 50, r.scores)
    again = kc.keras_check(spec, r.weights, 50, r.scores)  # a pooled evaluator, counters reset by evaluate
    assert engine.GATE.admitted == admitted + 2 and engine.POOL.takes == takes + 2
    assert first.keras == again.keras
    np.testing.assert_array_equal(first.tpr, again.tpr)


def test_run_is_deterministic_and_sane(small_run):
    again = lab.train_scores(SMALL)
    np.testing.assert_array_equal(again.scores, small_run.scores)
    assert small_run.usable and small_run.y_val_counts == (75, 30) and small_run.y_train_counts == (225, 90)
    assert len(small_run.history["loss"]) == 2
    assert 0.6 < lab.curves(small_run.y_val, small_run.scores).auc <= 1.0


@pytest.fixture(scope="module")
def script(small_run) -> dict:
    """The shared head of every section's script, run once; ``train_scores`` is memoised so each
    section's own lines (the rest of its script) can run after it without training again."""
    ns, _ = run(codegen.training_block(SMALL, KERAS_THRESHOLDS))
    ns["train_scores"] = functools.cache(ns["train_scores"])
    return ns


def section(script: dict, code: str, head: str) -> tuple[dict, str]:
    """Run one section's own lines in the shared namespace, after checking its script is head + those lines."""
    assert code.startswith(head)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code[len(head):], "<generated>", "exec"), script)  # noqa: S102
    return script, out.getvalue()


def test_generated_roc_code_reproduces_the_scores_and_both_aucs(small_run, script):
    ns, out = section(script, codegen.roc_code(SMALL, 1.5), codegen.training_block(SMALL))
    np.testing.assert_array_equal(ns["y_val"], small_run.y_val)
    np.testing.assert_allclose(ns["scores"], small_run.scores, atol=1e-5)
    assert ns["auc"] == pytest.approx(lab.curves(small_run.y_val, small_run.scores).auc, abs=1e-4)
    weak = lab.train_scores(SMALL.with_noise(1.5))
    np.testing.assert_allclose(ns["scores_b"], weak.scores, atol=1e-5)
    assert ns["auc_b"] == pytest.approx(lab.curves(weak.y_val, weak.scores).auc, abs=1e-4)
    assert "ROC AUC:" in out


def test_generated_threshold_paradox_and_pr_code_print_the_page_numbers(small_run, script):
    r, head = small_run, codegen.training_block(SMALL)
    ns, _ = section(script, codegen.threshold_code(SMALL, 0.35), head)
    stats = lab.at_threshold(r.y_val, r.scores, 0.35)
    assert (ns["tn"], ns["fp"], ns["fn"], ns["tp"]) == (stats.tn, stats.fp, stats.fn, stats.tp)
    for name in ("accuracy", "sensitivity", "specificity", "precision", "f1"):
        assert ns[name] == pytest.approx(getattr(stats, name))
    ns, out = section(script, codegen.pr_code(SMALL), head)
    cv = lab.curves(r.y_val, r.scores)
    assert ns["ap"] == pytest.approx(cv.ap, abs=1e-4) and ns["positive_rate"] == pytest.approx(cv.positive_rate)
    assert "positives" in out
    ns, _ = section(script, codegen.paradox_code(SMALL), head)
    base = lab.majority_baseline(r.y_train_counts, r.y_val)
    assert ns["baseline_accuracy"] == base.accuracy and ns["majority"] == base.majority
    ns, out = section(script, codegen.scores_code(SMALL), head)
    assert f"validation rows: {len(r.y_val)} with {r.y_val_counts[1]} positives" in out


@pytest.mark.parametrize("spec", [lab.ScoreSpec(), lab.ScoreSpec(dataset="digits", positive=7, drop=40, seed=2)])
def test_generated_loader_and_split_match_lib(spec):
    ns, _ = run("import numpy as np\nimport keras\nSEED = " + str(spec.seed) + "\n" + codegen._loader(spec))
    x, y = ns["load_data"]()
    x_lib, y_lib, _ = lab.raw_binary(spec)
    np.testing.assert_array_equal(x, x_lib)
    np.testing.assert_array_equal(y, y_lib)


def test_keras_metrics_agree_with_sklearn_and_with_the_code(small_run, script):
    check = kc.keras_check(SMALL, small_run.weights, KERAS_THRESHOLDS, small_run.scores)
    y, s = small_run.y_val, small_run.scores
    pred = (s > 0.5).astype(int)
    assert check.keras["binary_accuracy"] == pytest.approx(skm.accuracy_score(y, pred), abs=1e-6)
    assert check.keras["precision"] == pytest.approx(skm.precision_score(y, pred), abs=1e-6)
    assert check.keras["recall"] == pytest.approx(skm.recall_score(y, pred), abs=1e-6)
    assert check.sklearn["auc"] == skm.roc_auc_score(y, s)
    assert check.difference("auc") != 0  # 10 thresholds: a visible discretisation gap
    fine = kc.keras_check(SMALL, small_run.weights, 1000, small_run.scores)
    assert abs(fine.difference("auc")) < abs(check.difference("auc")) and abs(fine.difference("auc")) < 5e-3
    # Keras' own counters: at its lowest threshold everything is positive, at its highest nothing is.
    assert (check.tpr[0], check.fpr[0], check.tpr[-1], check.fpr[-1]) == (1.0, 1.0, 0.0, 0.0)
    assert len(check.thresholds) == KERAS_THRESHOLDS
    ns, out = section(script, codegen.keras_code(SMALL, KERAS_THRESHOLDS),
                      codegen.training_block(SMALL, KERAS_THRESHOLDS))
    for name in kc.ROWS:
        assert ns["keras_values"][name] == pytest.approx(check.keras[name], abs=1e-5)
        assert ns["sklearn_values"][name] == pytest.approx(check.sklearn[name], abs=1e-4)
    assert "difference" in out


def test_all_positives_removed_is_handled(small_run):
    spec = lab.ScoreSpec(dataset="toy", epochs=1, hidden=4, drop=100)
    r = lab.train_scores(spec)
    assert r.y_val_counts[1] == 0 and r.positives_kept == 1 and r.usable
    assert lab.curves(r.y_val, r.scores).roc_error == "no_positives"
    check = kc.keras_check(spec, r.weights, 200, r.scores)
    assert math.isnan(check.sklearn["auc"]) and math.isnan(check.sklearn["recall"])


def test_histogram_carries_the_exact_scores(small_run):
    fig = figs.histogram_figure(small_run.y_val, small_run.scores, 0.5, {
        "neg": "n", "pos": "p", "threshold": "t", "x": "x", "y": "y", "hover": "h"})
    data = json.loads(fig.to_json())["data"]
    assert sorted(data[0]["x"] + data[1]["x"]) == sorted(small_run.scores.astype(float).tolist())


# --------------------------------------------------------------------------- segmentation


def test_segmentation_by_hand_on_the_missed_car():
    gt, pred = seg.PRESETS["missed"]
    r = seg.seg_metrics(gt, pred)
    # t = (30, 14, 4); predicted = (32, 16, 0); correct = (30, 14, 0)
    np.testing.assert_array_equal(r.truth, [30, 14, 4])
    np.testing.assert_array_equal(r.predicted, [32, 16, 0])
    np.testing.assert_array_equal(r.correct, [30, 14, 0])
    assert r.pixel_accuracy == pytest.approx(44 / 48)
    assert r.mean_accuracy == pytest.approx((1 + 1 + 0) / 3)
    assert r.mean_iu == pytest.approx((30 / 32 + 14 / 16 + 0) / 3)
    assert r.fw_iu == pytest.approx((30 * 30 / 32 + 14 * 14 / 16 + 4 * 0) / 48)
    assert r.sklearn_agrees and r.keras_mean_iou == pytest.approx(r.mean_iu, abs=1e-6)


def test_segmentation_tiny_example_and_absent_class():
    gt = np.array([[0, 0], [1, 1]])
    pred = np.array([[0, 1], [1, 1]])
    r = seg.seg_metrics(gt, pred, n_classes=3)
    # class 0: 1 of 2 right, IU 1/2; class 1: 2 of 2 right, IU 2/3; class 2 in neither mask: left out
    assert r.pixel_accuracy == 0.75
    assert r.mean_accuracy == pytest.approx((0.5 + 1.0) / 2)
    assert r.mean_iu == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert r.fw_iu == pytest.approx((2 * 0.5 + 2 * 2 / 3) / 4)
    assert r.absent == [2] and r.keras_mean_iou == pytest.approx(r.mean_iu, abs=1e-6)


@pytest.mark.parametrize("name", list(seg.PRESETS))
def test_every_preset_against_sklearn_and_keras(name):
    gt, pred = seg.PRESETS[name]
    r = seg.seg_metrics(gt, pred)
    assert r.sklearn_agrees and r.keras_mean_iou == pytest.approx(r.mean_iu, abs=1e-6)
    assert 0 <= r.mean_iu <= r.fw_iu + 1e-12 or name == "background"
    ns, _ = run(codegen.segmentation_code(gt, pred))
    for attr in ("pixel_accuracy", "mean_accuracy", "mean_iu", "fw_iu"):
        assert float(ns[attr]) == pytest.approx(getattr(r, attr))


def test_mask_text_round_trip_and_bad_values():
    gt, _ = seg.PRESETS["shifted"]
    assert (seg.decode(seg.encode(gt)) == gt).all()
    for bad in ("", "0" * 48, "banana", ".".join(["00000009"] * 6), ".".join(["0000000"] * 6)):
        with pytest.raises(ValueError):
            seg.decode(bad)
    cleaned, fixed = seg.clean_mask([[None, 7, "x", 1.0, 2, 0, 0, 0]] + [[0] * 8] * 5)
    assert fixed and cleaned[0, :5].tolist() == [0, 0, 0, 1, 2]
