"""The sentences under the evaluation charts: numbers from lab's results, checked with sklearn."""

import numpy as np
import pytest
from sklearn import metrics as skm

from lib.lessons.evaluation import lab, summary
from lib.lessons.evaluation import segmentation as seg

Y = np.array([0, 0, 0, 0, 1, 1, 1, 0, 1, 0])
S = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.9, 0.3, 0.2, 0.65, 0.55])


def test_distribution_summary_counts_rows():
    assert summary.distribution_summary("en", (80, 20), (30, 10), 5) == (
        "Training has 80 negative and 20 positive rows; validation has 30 negative and 10 positive rows "
        "(25.0% positive). 5 positives were removed.")
    assert summary.distribution_summary("ko", (80, 20), (30, 10), 0) == (
        "훈련: 음성 80행, 양성 20행. 검증: 음성 30행, 양성 10행 (양성 비율 25.0%).")


def test_threshold_summaries_match_the_confusion_matrix():
    stats = lab.at_threshold(Y, S, 0.5)
    (tn, fp), (fn, tp) = skm.confusion_matrix(Y, (S >= 0.5).astype(int))
    assert summary.histogram_summary("en", stats) == (
        f"At threshold 0.50, {tp} of {tp + fn} positive and {fp} of {tn + fp} negative validation rows score at or "
        "above it.")
    assert summary.confusion_summary("ko", stats) == (
        f"TN {tn}, FP {fp}, FN {fn}, TP {tp}: 전체 10행 중 맞힌 행 {tn + tp}행 "
        f"(정확도 {skm.accuracy_score(Y, S >= 0.5):.3f}).")


def test_roc_and_pr_summaries_say_auc_ap_and_the_operating_point():
    cv, stats = lab.curves(Y, S), lab.at_threshold(Y, S, 0.5)
    auc = skm.roc_auc_score(Y, S)
    assert summary.roc_summary("en", cv, stats) == (
        f"ROC AUC: {auc:.4f}. At threshold 0.50 the operating point has TPR 0.750 and FPR 0.333.")
    noisy = lab.curves(Y, S[::-1])
    assert summary.roc_summary("en", cv, None, noisy, 0.5).endswith(
        f"Model B (noise 0.5) has AUC {skm.roc_auc_score(Y, S[::-1]):.4f}.")
    ap = skm.average_precision_score(Y, S)
    assert summary.pr_summary("ko", cv, stats) == (
        f"평균 정밀도(AP): {ap:.4f}, 무작위 기준: 0.4000. 임계값 0.50에서 재현율 0.750, "
        f"정밀도 {skm.precision_score(Y, S >= 0.5):.3f}.")
    nothing = lab.at_threshold(Y, S, 0.99)
    assert summary.pr_summary("en", cv, nothing) == f"Average precision (AP): {ap:.4f}, against 0.4000 for no skill."


def test_sweep_summary_first_and_last_share():
    sweep = lab.imbalance_sweep(Y, S)
    text = summary.sweep_summary("en", sweep)
    assert text.startswith(f"With {lab.pct(sweep.shares[0])} positives ROC AUC is {sweep.auc[0]:.3f}")
    assert text.endswith(
        f"with {lab.pct(sweep.shares[-1])} positives ROC AUC is {sweep.auc[-1]:.3f} and AP {sweep.ap[-1]:.3f}.")


def test_masks_summary_counts_agreeing_pixels():
    gt, pred = (mask.copy() for mask in seg.PRESETS[next(iter(seg.PRESETS))])
    result = seg.seg_metrics(gt, pred, with_keras=False)
    agree = int((gt == pred).sum())
    assert summary.masks_summary("en", result) == (
        f"The masks agree on {agree} of {gt.size} pixels: pixel accuracy {agree / gt.size:.3f}, "
        f"mean IoU {result.mean_iu:.3f}.")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_keras_summary_skips_an_undefined_auc(lang):
    class Check:  # the two fields the sentence reads
        num_thresholds = 200
        keras = {"auc": float("nan")}
        sklearn = {"auc": 0.9}

    assert summary.keras_roc_summary(lang, Check()) == ""
