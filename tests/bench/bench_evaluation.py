"""Speed of the evaluation lesson: training the scores, and the redraw when only the threshold moves.

Default lesson settings (breast cancer, Dense(8, relu) -> Dense(1, sigmoid), Adam 0.01,
20 epochs, batch 32, 427 training rows). Prints:

* ``train_scores`` cold (the first run traces the pooled model) and warm (a pooled model,
  a new share of positives removed: what the imbalance slider costs);
* a threshold move without retraining: the sklearn metrics at the new threshold plus the four
  figures it redraws (histogram, confusion matrix, ROC and PR with the new marker), serialized
  to JSON as ``st.plotly_chart`` does; the acceptance bound is 150 ms;
* the Keras ``evaluate`` check cold and warm, the segmentation metrics, and a whole-page
  rerun through AppTest after moving the threshold (cached training, every section redrawn).

Run: ``python tests/bench/bench_evaluation.py``. Numbers depend on the machine's load,
which is printed first.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("COURSE_OFFLINE", "1")

from lib.lessons.evaluation import figures as figs  # noqa: E402
from lib.lessons.evaluation import keras_metrics as kc  # noqa: E402
from lib.lessons.evaluation import lab  # noqa: E402
from lib.lessons.evaluation import segmentation as seg  # noqa: E402

SPEC = lab.ScoreSpec()
THRESHOLDS = (0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.33, 0.66, 0.05)
LABELS = {k: k for k in ("neg", "pos", "threshold", "x", "y", "hover", "tn", "fp", "fn", "tp", "pred_neg",
                         "pred_pos", "act_neg", "act_pos", "chance", "perfect", "point", "title")}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def threshold_redraw(run: lab.ScoreRun, cv: lab.Curves, threshold: float) -> None:
    """What a threshold move recomputes: metrics, then the four figures that show the threshold."""
    stats = lab.at_threshold(run.y_val, run.scores, threshold)
    point = (stats.fpr, stats.sensitivity)
    runs = [{"name": "A", "fpr": cv.fpr, "tpr": cv.tpr, "colour": figs.MODEL_A, "fill": True}]
    pr_runs = [{"name": "A", "precision": cv.precision, "recall": cv.recall, "colour": figs.MODEL_A, "fill": True}]
    for fig in (figs.histogram_figure(run.y_val, run.scores, threshold, LABELS),
                figs.confusion_figure(stats.confusion, LABELS),
                figs.roc_figure(runs, point, LABELS),
                figs.pr_figure(pr_runs, cv.positive_rate, (stats.sensitivity, stats.precision), LABELS)):
        fig.to_json()  # st.plotly_chart serializes every figure


def page_rerun_ms(repeats: int = 5) -> tuple[float, float]:
    """(first page run incl. training, median rerun after a threshold move) in ms, through the entry point."""
    from tests.apptest import open_page

    start = time.perf_counter()
    at = open_page("evaluation", "en")
    first = time.perf_counter() - start
    times = []
    for threshold in (0.3, 0.7, 0.45, 0.6, 0.35)[:repeats]:
        start = time.perf_counter()
        at.slider(key="ev_thr").set_value(threshold).run()
        times.append(time.perf_counter() - start)
        assert not at.exception
    return first * 1000, statistics.median(times) * 1000


def main() -> None:
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    cold, run = timed(lab.train_scores, SPEC)
    print(f"train_scores, cold (traces the model):        {ms(cold)}")
    warm = [timed(lab.train_scores, lab.ScoreSpec(drop=d))[0] for d in (10, 30, 50, 70, 90)]
    print(f"train_scores, warm (new share removed), median: {ms(statistics.median(warm))}")
    cv = lab.curves(run.y_val, run.scores)
    curve_time = statistics.median(timed(lab.curves, run.y_val, run.scores)[0] for _ in range(5))
    print(f"ROC + PR curves, AUC + AP (once per run):       {ms(curve_time)}")
    sweep = statistics.median(timed(lab.imbalance_sweep, run.y_val, run.scores)[0] for _ in range(3))
    print(f"imbalance sweep, 12 weighted AUC/AP (per run):  {ms(sweep)}")
    threshold_redraw(run, cv, 0.5)  # warm plotly's validators
    moves = [timed(threshold_redraw, run, cv, thr)[0] for thr in THRESHOLDS]
    metrics_only = [timed(lab.at_threshold, run.y_val, run.scores, thr)[0] for thr in THRESHOLDS]
    print(f"threshold move, sklearn metrics only, median:   {ms(statistics.median(metrics_only))}")
    verdict = "OK" if statistics.median(moves) <= 0.150 else "over the 150 ms bound"
    print(f"threshold move, metrics + 4 figures, median:    {ms(statistics.median(moves))}  "
          f"(max {ms(max(moves)).strip()}; {verdict})")
    cold_k, _ = timed(kc.keras_check, SPEC, run.weights, 200, run.scores)
    warm_k = statistics.median(timed(kc.keras_check, SPEC, run.weights, 200, run.scores)[0] for _ in range(3))
    print(f"Keras evaluate check, cold / warm:              {ms(cold_k)} / {ms(warm_k).strip()}")
    gt, pred = seg.PRESETS["missed"]
    seg.seg_metrics(gt, pred)
    seg_time = statistics.median(timed(seg.seg_metrics, gt, pred)[0] for _ in range(5))
    print(f"segmentation metrics (+ Keras MeanIoU):         {ms(seg_time)}")
    first, rerun = page_rerun_ms()
    print(f"whole page through AppTest: first run {first:.0f} ms, rerun after a threshold move (median) "
          f"{rerun:.0f} ms")


if __name__ == "__main__":
    main()
