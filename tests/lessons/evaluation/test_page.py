"""The evaluation lesson through the real entry point: the numbers shown equal sklearn's on the page's own scores.

The score histogram carries every validation score by class, so the tests read the
page's own predictions back from it and recompute each metric with sklearn.metrics.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn import metrics as skm

from lib.lessons.evaluation import lab
from tests.apptest import texts


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


def figure(at, title: str) -> dict:
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if (spec["layout"].get("title") or {}).get("text") == title:
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def page_scores(at) -> tuple[np.ndarray, np.ndarray]:
    """(labels, scores) of the validation rows, read from the histogram the page drew."""
    neg, pos = figure(at, "Validation scores by true class")["data"][:2]
    scores = np.array(neg["x"] + pos["x"])
    return np.r_[np.zeros(len(neg["x"]), int), np.ones(len(pos["x"]), int)], scores


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def hist_scores(at) -> tuple[np.ndarray, np.ndarray]:
    """(labels, scores) from the histogram found by its key, in any language."""
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("-ev_histogram"))
    neg, pos = json.loads(chart.proto.spec)["data"][:2]
    return np.r_[np.zeros(len(neg["x"]), int), np.ones(len(pos["x"]), int)], np.array(neg["x"] + pos["x"])


def shown(value: float, digits: int = 3) -> str:
    return "—" if math.isnan(value) else f"{round(value, digits) + 0.0:.{digits}f}"


def assert_threshold_metrics(at, threshold: float) -> None:
    y, s = page_scores(at)
    pred = (s >= threshold).astype(int)
    expected = {
        "Accuracy": skm.accuracy_score(y, pred),
        "Sensitivity (recall, TPR)": skm.recall_score(y, pred, zero_division=np.nan),
        "Specificity (TNR)": skm.recall_score(y, pred, pos_label=0, zero_division=np.nan),
        "Precision": skm.precision_score(y, pred, zero_division=np.nan),
        "F1": skm.f1_score(y, pred, zero_division=np.nan),
        "False-positive rate": 1 - skm.recall_score(y, pred, pos_label=0, zero_division=np.nan),
    }
    for label, value in expected.items():
        assert metric(at, label) == shown(value), label
    (tn, fp), (fn, tp) = skm.confusion_matrix(y, pred, labels=[0, 1])
    cells = figure(at, "Confusion matrix (share of each actual class)")["data"][0]["text"]
    assert [c.split("<br>")[1] for row in cells for c in row] == [str(v) for v in (tn, fp, fn, tp)]


@pytest.mark.parametrize("lang, title", [("en", "Evaluating a classifier"), ("ko", "분류기 평가하기")])
def test_renders_in_both_languages(page, lang, title):
    at = page("evaluation", lang)
    assert not at.exception
    assert at.title[0].value == title
    assert len(at.get("plotly_chart")) == 8
    assert len(at.get("expander")) == 7  # one code panel per section
    assert not at.error
    # the sentences under the confusion matrix and the ROC curve, from sklearn on the page's own scores
    y, s = hist_scores(at)
    (tn, fp), (fn, tp) = skm.confusion_matrix(y, (s >= 0.5).astype(int), labels=[0, 1])
    acc = shown(skm.accuracy_score(y, (s >= 0.5).astype(int)))
    expected = {"en": f"TN {tn}, FP {fp}, FN {fn}, TP {tp}: {tn + tp} of {len(y)} rows right (accuracy {acc}).",
                "ko": f"TN {tn}, FP {fp}, FN {fn}, TP {tp}: 전체 {len(y)}행 중 맞힌 행 {tn + tp}행 (정확도 {acc})."}
    assert expected[lang] in captions(at)
    tpr, fpr = shown(tp / (tp + fn)), shown(fp / (fp + tn))
    auc = shown(skm.roc_auc_score(y, s), 4)
    expected = {"en": f"ROC AUC: {auc}. At threshold 0.50 the operating point has TPR {tpr} and FPR {fpr}.",
                "ko": f"ROC AUC: {auc}. 임계값 0.50의 작동점: TPR {tpr}, FPR {fpr}."}
    assert any(c.startswith(expected[lang]) for c in captions(at))


def test_threshold_slider_shows_sklearns_numbers_for_the_page_scores(page):
    at = page("evaluation", "en", code=["ev_threshold"])
    assert_threshold_metrics(at, 0.5)
    y, s = page_scores(at)
    assert len(y) == int(metric(at, "Validation rows")) == 142 and int(y.sum()) == 53
    assert metric(at, "ROC AUC") == shown(skm.roc_auc_score(y, s), 4)
    assert metric(at, "Average precision (AP)") == shown(skm.average_precision_score(y, s), 4)
    at.slider(key="ev_thr").set_value(0.2).run()
    assert not at.exception
    assert_threshold_metrics(at, 0.2)
    roc = figure(at, "ROC curve")["data"]
    marker = next(trace for trace in roc if trace["name"] == "Threshold 0.20")
    pred = (s >= 0.2).astype(int)
    assert marker["x"][0] == pytest.approx(1 - skm.recall_score(y, pred, pos_label=0))
    assert marker["y"][0] == pytest.approx(skm.recall_score(y, pred))
    assert "THRESHOLD = 0.2" in texts(at)
    # the sentences follow the slider: the histogram's shaded side and the ROC operating point
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    tp, fp = int(((s >= 0.2) & (y == 1)).sum()), int(((s >= 0.2) & (y == 0)).sum())
    assert (f"At threshold 0.20, {tp} of {pos} positive and {fp} of {neg} negative validation rows score at or "
            "above it." in captions(at))
    roc_sentence = f"At threshold 0.20 the operating point has TPR {shown(tp / pos)} and FPR {shown(fp / neg)}."
    assert any(roc_sentence in c for c in captions(at))
    assert any(c.startswith(f"Average precision (AP): {shown(skm.average_precision_score(y, s), 4)}, against "
                            f"{shown(y.mean(), 4)} for no skill. At threshold 0.20: recall {shown(tp / pos)}, ")
               for c in captions(at))


def test_imbalance_slider_retrains_and_the_numbers_follow(page):
    at = page("evaluation", "en", code=["ev_scores"])
    at.slider(key="ev_drop").set_value(90).run()
    assert not at.exception
    y, s = page_scores(at)
    assert int(y.sum()) == 5 and len(y) == 89 + 5  # 21 of 212 positives kept, a quarter of them validate
    assert_threshold_metrics(at, 0.5)
    assert metric(at, "ROC AUC") == shown(skm.roc_auc_score(y, s), 4)
    assert metric(at, "Average precision (AP)") == shown(skm.average_precision_score(y, s), 4)
    assert metric(at, "No-skill AP") == shown(y.mean(), 4)
    assert metric(at, 'Always "Negative": accuracy') == shown(89 / 94)
    assert any("Only 5.3% of the validation rows are positive" in i.value for i in at.info)
    assert "DROP = 90" in texts(at)
    at.slider(key="ev_thr").set_value(0.7).run()
    assert_threshold_metrics(at, 0.7)


def test_one_positive_left_makes_roc_undefined_not_a_crash(page):
    at = page("evaluation", "en", ev_drop="100", ev_epochs="3")
    assert not at.exception
    warnings = "\n".join(w.value for w in at.warning)
    assert "ROC curve and its AUC are undefined" in warnings
    assert "sensitivity = TP / (TP + FN) = 0/0 is undefined" in warnings
    assert "precision–recall curve and AP are undefined" in warnings
    assert metric(at, "Sensitivity (recall, TPR)") == "—"


def test_a_threshold_above_every_score_leaves_precision_undefined(page):
    at = page("evaluation", "en", ev_data="toy", ev_overlap="1.0", ev_epochs="2", ev_thr="0.99", ev_cmp="false")
    assert not at.exception
    y, s = page_scores(at)
    assert s.max() < 0.99
    assert metric(at, "Precision") == "—" and metric(at, "Sensitivity (recall, TPR)") == "0.000"
    assert any("calls nothing positive" in w.value for w in at.warning)
    assert abs(skm.roc_auc_score(y, s) - 0.5) < 0.15  # identical classes: close to chance


def test_keras_table_and_pins(page):
    at = page("evaluation", "en", code=["ev_keras"])
    at.selectbox(key="ev_nthr").set_value(10).run()
    assert not at.exception
    table = at.table[0].value
    y, s = page_scores(at)
    rows = dict(zip(table.iloc[:, 0], zip(table.iloc[:, 1], table.iloc[:, 2], strict=True), strict=True))
    keras_acc, sk_acc = rows["BinaryAccuracy / accuracy_score"]
    assert keras_acc == sk_acc == shown(skm.accuracy_score(y, (s > 0.5).astype(int)), 4)
    keras_auc, sk_auc = rows["AUC / roc_auc_score"]
    assert sk_auc == shown(skm.roc_auc_score(y, s), 4) and keras_auc != sk_auc  # 10 thresholds: a visible gap
    start = f"Keras's AUC with 10 thresholds: {keras_auc}; the exact AUC: {sk_auc} (difference "
    sentence = next(c for c in captions(at) if c.startswith(start))
    assert float(sentence[len(start):-2]) == pytest.approx(abs(float(keras_auc) - float(sk_auc)), abs=1.5e-4)
    assert "NUM_THRESHOLDS = 10" in texts(at)
    before = len(figure(at, "ROC curve")["data"])
    at.button(key="_ev_pin").click().run()
    assert len(figure(at, "ROC curve")["data"]) == before + 1
    at.button(key="_ev_unpin").click().run()
    assert len(figure(at, "ROC curve")["data"]) == before


def test_segmentation_presets_and_masks_from_the_link(page):
    at = page("evaluation", "en", ev_drop="100", ev_epochs="3")  # a cached run: this test is about the masks
    assert [metric(at, name) for name in ("Pixel accuracy", "Mean accuracy", "Mean IU", "Frequency-weighted IU")] \
        == ["0.917", "0.667", "0.604", "0.841"]
    at.selectbox(key="ev_seg").set_value("perfect").run()
    assert [metric(at, name) for name in ("Pixel accuracy", "Mean IU")] == ["1.000", "1.000"]
    gt = ".".join(["00000000"] * 3 + ["11111111"] * 3)
    pred = ".".join(["00000000"] * 4 + ["11111111"] * 2)
    at = page("evaluation", "en", ev_drop="100", ev_epochs="3", ev_gt=gt, ev_pred=pred)
    # background: 24 of 24 right, IU 24/32; road: 16 of 24 right, IU 16/24; car absent from both
    assert metric(at, "Pixel accuracy") == shown(40 / 48) and metric(at, "Mean IU") == shown((24 / 32 + 16 / 24) / 2)
    assert (f"The masks agree on 40 of 48 pixels: pixel accuracy {shown(40 / 48)}, mean IoU "
            f"{shown((24 / 32 + 16 / 24) / 2)}." in captions(at))
    assert any("Not in the ground truth: car" in i.value for i in at.info)
    assert at.query_params["ev_gt"] == gt  # the link keeps the edited mask
    bad = page("evaluation", "ko", ev_drop="100", ev_epochs="3", ev_gt="banana")
    assert not bad.exception and any("banana" in w.value for w in bad.warning)
    assert metric(bad, "픽셀 정확도") == "0.917"
    assert "두 마스크가 일치하는 픽셀: 48개 중 44개. 픽셀 정확도 0.917, 평균 IoU 0.604." in captions(bad)  # 44/48


def test_garbage_in_every_control_is_a_notice(page):
    keys = ("ev_data", "ev_drop", "ev_seed", "ev_hidden", "ev_epochs", "ev_lr", "ev_thr", "ev_cmp", "ev_bnoise",
            "ev_nthr", "ev_seg")
    at = page("evaluation", "en", **{key: "nonsense" for key in keys})
    assert not at.exception
    assert sum(w.value.count("nonsense") for w in at.warning) >= 9  # every rejected value named
    assert metric(at, "Validation rows") == "142"  # every control fell back to its default
    assert lab.ScoreSpec().dataset == "cancer"


@pytest.mark.parametrize("data, key", [("toy", "ev_overlap"), ("digits", "ev_pos")])
def test_garbage_in_the_data_set_controls(page, data, key):
    at = page("evaluation", "ko", ev_data=data, ev_epochs="2", **{key: "1e300"})
    assert not at.exception and not at.error
    assert any("1e300" in w.value for w in at.warning)


def test_auc_gap_says_which_auc_is_higher(page):
    from lib.core.i18n import translate

    at = page("evaluation", "en", ev_epochs="5", ev_nthr="3")  # 3 thresholds: a large gap
    assert not at.exception
    table = at.table[0].value
    rows = dict(zip(table.iloc[:, 0], zip(table.iloc[:, 1], table.iloc[:, 2], strict=True), strict=True))
    keras_auc, sk_auc = (float(v) for v in rows["AUC / roc_auc_score"])
    key = "s6_auc_keras_higher" if keras_auc > sk_auc else "s6_auc_sklearn_higher"
    lead = translate("en", f"evaluation.{key}", gap="0").split(",")[0].strip("*")  # "Keras's AUC is higher …"
    shown = texts(at)
    assert lead in shown and "differ by" not in shown
