from lib.core.streamlit_internals import require_entry_point

require_entry_point()  # before any heavy import: a deep link on a fresh server restarts through the entry point

import math

import pandas as pd
import plotly.io  # noqa: F401  (imported early so the first chart draws fast)
import streamlit as st

from lib.core import numbers, ui
from lib.core.i18n import current_language, t
from lib.lessons.evaluation import code, lab
from lib.lessons.evaluation import figures as figs
from lib.lessons.evaluation import keras_metrics as kc
from lib.lessons.evaluation import segmentation as seg
from lib.lessons.evaluation import summary as sm
from lib.lessons.evaluation.controls import CONTROLS as C

pct = lab.pct
MAX_PINS = 6


def fmt(value: float | None, digits: int = 3) -> str:
    """A metric as the page prints it (three decimals unless asked); an undefined one as a dash."""
    return numbers.fmt(value, digits)


@st.cache_data(max_entries=128, show_spinner=False)
def curves_for(spec: lab.ScoreSpec, _run: lab.ScoreRun) -> lab.Curves:
    return lab.curves(_run.y_val, _run.scores)  # the run is a function of the spec, so the spec is the key


@st.cache_data(max_entries=64, show_spinner=False)
def sweep_for(spec: lab.ScoreSpec, _run: lab.ScoreRun) -> lab.Sweep | None:
    return lab.imbalance_sweep(_run.y_val, _run.scores)


@st.cache_data(max_entries=64, show_spinner=False)
def keras_for(spec: lab.ScoreSpec, num_thresholds: int, _run: lab.ScoreRun) -> kc.KerasCheck:
    return kc.keras_check(spec, _run.weights, num_thresholds, _run.scores)


@st.cache_data(max_entries=256, show_spinner=False)
def seg_for(gt_text: str, pred_text: str) -> seg.SegResult:
    return seg.seg_metrics(seg.decode(gt_text), seg.decode(pred_text))


def wrong(error: ValueError) -> None:
    st.error(t("evaluation.bad_settings", reason=str(error)), icon="⚠️")
    st.stop()


def data_name(spec: lab.ScoreSpec) -> str:
    if spec.dataset in ("digits", "fashion"):
        return t(f"evaluation.data_short.{spec.dataset}", cls=class_name(spec.dataset, spec.positive))
    return t(f"evaluation.data_short.{spec.dataset}")


def class_name(dataset: str, k: int) -> str:
    return t(f"evaluation.fashion.{k}") if dataset == "fashion" else t("evaluation.digit", k=k)


st.title(t("evaluation.title"))
st.markdown(t("evaluation.intro"))

# --------------------------------------------------------------------------- 1. scores from a real model
st.header(t("evaluation.s1_header"), divider="gray")
st.markdown(t("evaluation.s1_text"))

c = st.columns(3, gap="medium")
with c[0].container(border=True):
    dataset = ui.control(C["ev_data"])
    overlap, positive = C["ev_overlap"].default, C["ev_pos"].default
    if dataset == "toy":
        overlap = ui.control(C["ev_overlap"])
    elif dataset in ("digits", "fashion"):
        positive = ui.control(C["ev_pos"], format_func=lambda k: class_name(dataset, k))
    st.caption(t(f"evaluation.about.{dataset}"))
with c[1].container(border=True):
    drop = ui.control(C["ev_drop"], format="%d%%")
    seed = ui.control(C["ev_seed"])
with c[2].container(border=True):
    hidden = ui.control(C["ev_hidden"], format_func=lambda h: t("evaluation.hidden_none") if h == 0
                        else t("evaluation.hidden_n", n=h))
    epochs = ui.control(C["ev_epochs"])
    lr = ui.control(C["ev_lr"])

try:
    spec = lab.ScoreSpec(dataset=dataset, overlap=overlap, positive=positive, drop=drop, hidden=hidden,
                         epochs=epochs, lr=lr, seed=seed)
except ValueError as error:
    wrong(error)

run, trained_now = ui.train_timed(spec, run=lab.train_scores)
ui.run_notices(run)
neg_val, pos_val = run.y_val_counts
m = st.columns(4)
m[0].metric(t("evaluation.m_train_rows"), sum(run.y_train_counts), border=True)
m[1].metric(t("evaluation.m_val_rows"), len(run.y_val), border=True)
m[2].metric(t("evaluation.m_val_pos", share=pct(pos_val / max(len(run.y_val), 1))), pos_val, border=True)
m[3].metric(t("evaluation.m_val_loss"), fmt(run.history["val_loss"][-1], 4) if run.history.get("val_loss") else "—",
            border=True)
st.caption(t("evaluation.s1_caption" if trained_now else "evaluation.s1_caption_earlier", kept=run.positives_kept,
             before=run.positives_before, drop=spec.drop, negatives=run.negatives, seconds=f"{run.seconds:.2f}"))
ui.code_panel(code.scores_code(spec), "evaluation_scores.py", "ev_scores")

usable = run.usable
if not usable:
    st.error(t("evaluation.not_usable"), icon="💥")

# --------------------------------------------------------------------------- 2. the accuracy paradox
st.header(t("evaluation.s2_header"), divider="gray")
st.markdown(t("evaluation.s2_text"))
if usable:
    left, right = st.columns([1, 1.2], gap="large")
    counts = {"train": run.y_train_counts, "val": run.y_val_counts}
    left.plotly_chart(figs.distribution_figure(counts, run.positives_before - run.positives_kept, {
        "neg": t("evaluation.neg"), "pos": t("evaluation.pos"), "train": t("evaluation.train"),
        "val": t("evaluation.val"), "removed": t("evaluation.removed"), "y": t("evaluation.rows"),
        "title": t("evaluation.fig_distribution")}), key="ev_distribution")
    ui.chart_summary(sm.distribution_summary(current_language(), run.y_train_counts, run.y_val_counts,
                                             run.positives_before - run.positives_kept), left)
    base = lab.majority_baseline(run.y_train_counts, run.y_val)
    model_half = lab.at_threshold(run.y_val, run.scores, 0.5)
    with right:
        majority = t("evaluation.pos") if base.majority else t("evaluation.neg")
        row = st.columns(2)
        row[0].metric(t("evaluation.m_base_acc", cls=majority), fmt(base.accuracy), border=True)
        row[1].metric(t("evaluation.m_model_acc"), fmt(model_half.accuracy), border=True)
        row = st.columns(2)
        row[0].metric(t("evaluation.m_base_sens"), fmt(base.sensitivity), border=True)
        row[1].metric(t("evaluation.m_model_sens"), fmt(model_half.sensitivity), border=True)
        share = pos_val / max(len(run.y_val), 1)
        if base.accuracy >= model_half.accuracy:
            st.warning(t("evaluation.s2_beaten", base=fmt(base.accuracy), model=fmt(model_half.accuracy)), icon="🙈")
        elif share < 0.15:
            st.info(t("evaluation.s2_rare", share=pct(share), base=fmt(base.accuracy)), icon="⚖️")
        else:
            st.caption(t("evaluation.s2_balanced", share=pct(share)))
    ui.code_panel(code.paradox_code(spec), "accuracy_paradox.py", "ev_paradox")

# --------------------------------------------------------------------------- 3. threshold explorer
@ui.section
def threshold_sections(spec: lab.ScoreSpec, run: lab.ScoreRun, usable: bool) -> None:
    """Sections 3-5: the threshold, ROC and precision-recall share the operating point; their controls
    rerun only these sections."""
    neg_val, pos_val = run.y_val_counts
    st.header(t("evaluation.s3_header"), divider="gray")
    st.markdown(t("evaluation.s3_text"))
    ctrl = st.columns([3, 1], gap="large", vertical_alignment="bottom")
    threshold = ui.control(C["ev_thr"], ctrl[0])
    share = ui.control(C["ev_share"], ctrl[1])
    stats = lab.at_threshold(run.y_val, run.scores, threshold) if usable else None
    if stats is not None:
        left, right = st.columns([1.5, 1], gap="large")
        left.plotly_chart(figs.histogram_figure(run.y_val, run.scores, threshold, {
            "neg": t("evaluation.neg"), "pos": t("evaluation.pos"), "threshold": t("evaluation.threshold_short",
                                                                                   thr=fmt(threshold, 2)),
            "x": t("evaluation.score_axis"), "y": t("evaluation.share_axis") if share else t("evaluation.count_axis"),
            "hover": t("evaluation.hist_hover_share") if share else t("evaluation.hist_hover"),
            "title": t("evaluation.fig_histogram")}, share=share), key="ev_histogram")
        ui.chart_summary(sm.histogram_summary(current_language(), stats), left)
        right.plotly_chart(figs.confusion_figure(stats.confusion, {
            "tn": "TN", "fp": "FP", "fn": "FN", "tp": "TP", "pred_neg": t("evaluation.pred_neg"),
            "pred_pos": t("evaluation.pred_pos"), "act_neg": t("evaluation.act_neg"),
            "act_pos": t("evaluation.act_pos"), "title": t("evaluation.fig_confusion")}), key="ev_confusion")
        ui.chart_summary(sm.confusion_summary(current_language(), stats), right)
        m = [*st.columns(3), *st.columns(3)]
        m[0].metric(t("evaluation.m_accuracy"), fmt(stats.accuracy), border=True)
        m[1].metric(t("evaluation.m_sensitivity"), fmt(stats.sensitivity), border=True)
        m[2].metric(t("evaluation.m_specificity"), fmt(stats.specificity), border=True)
        m[3].metric(t("evaluation.m_precision"), fmt(stats.precision), border=True)
        m[4].metric(t("evaluation.m_f1"), fmt(stats.f1), border=True)
        m[5].metric(t("evaluation.m_fpr"), fmt(stats.fpr), border=True)
        st.markdown(t("evaluation.s3_formulas", tp=stats.tp, fn=stats.fn, tn=stats.tn, fp=stats.fp,
                      sens=fmt(stats.sensitivity), spec=fmt(stats.specificity), prec=fmt(stats.precision)))
        if stats.predicted_positive == 0:
            st.warning(t("evaluation.no_pred_pos", thr=fmt(threshold, 2)), icon="🕳️")
        if pos_val == 0:
            st.warning(t("evaluation.no_val_pos"), icon="🕳️")
        if neg_val == 0:
            st.warning(t("evaluation.no_val_neg"), icon="🕳️")
        st.caption(t("evaluation.s3_caption"))
        ui.code_panel(code.threshold_code(spec, threshold), "threshold_metrics.py", "ev_threshold")

    # --------------------------------------------------------------------------- 4. ROC and AUC
    st.header(t("evaluation.s4_header"), divider="gray")
    st.markdown(t("evaluation.s4_text"))
    ctrl = st.columns([1, 1, 1.4], gap="medium", vertical_alignment="center")
    compare = ui.control(C["ev_cmp"], ctrl[0])
    noise_b = ui.control(C["ev_bnoise"], ctrl[1], disabled=not compare)
    if "_ev_pins" not in st.session_state:
        st.session_state["_ev_pins"] = []
    pins: list[dict] = st.session_state["_ev_pins"]
    if usable:
        cv = curves_for(spec, run)
        run_b = cv_b = None
        if compare:
            spec_b = spec.with_noise(noise_b)
            run_b = ui.train(spec_b, run=lab.train_scores)
            cv_b = curves_for(spec_b, run_b) if run_b.usable else None
        with ctrl[2]:
            b1, b2 = st.columns(2)
            if b1.button(t("evaluation.pin"), key="_ev_pin", icon="📌", disabled=cv.auc is None, width="stretch"):
                label = t("evaluation.pin_label", data=data_name(spec), drop=spec.drop, hidden=spec.hidden,
                          epochs=spec.epochs, auc=fmt(cv.auc))
                if cv.auc is not None and all(p["name"] != label for p in pins):
                    pins.append({"name": label, "fpr": cv.fpr, "tpr": cv.tpr})
                    del pins[:-MAX_PINS]
            if b2.button(t("evaluation.unpin"), key="_ev_unpin", icon="🧹", disabled=not pins, width="stretch"):
                pins.clear()
        if cv.roc_error is not None:
            st.warning(t(f"evaluation.roc_undefined_{cv.roc_error}"), icon="🚫")
        else:
            runs = [{"name": t("evaluation.model_a", auc=fmt(cv.auc)), "fpr": cv.fpr, "tpr": cv.tpr,
                     "colour": figs.MODEL_A, "fill": True}]
            if cv_b is not None and cv_b.auc is not None:
                runs.append({"name": t("evaluation.model_b", noise=fmt(noise_b, 1), auc=fmt(cv_b.auc)), "fpr": cv_b.fpr,
                             "tpr": cv_b.tpr, "colour": figs.MODEL_B})
            for i, pin in enumerate(pins):
                runs.append({**pin, "colour": figs.PIN_COLOURS[i % len(figs.PIN_COLOURS)], "dash": "dot"})
            point = (stats.fpr, stats.sensitivity) if stats is not None else None
            left, right = st.columns([1.5, 1], gap="large")
            left.plotly_chart(figs.roc_figure(runs, point, {
                "chance": t("evaluation.chance"), "perfect": t("evaluation.perfect"),
                "point": t("evaluation.point_here", thr=fmt(threshold, 2)), "x": t("evaluation.fpr_axis"),
                "y": t("evaluation.tpr_axis"), "title": t("evaluation.fig_roc")}), key="ev_roc")
            ui.chart_summary(sm.roc_summary(current_language(), cv, stats, cv_b, noise_b), left)
            with right:
                st.metric(t("evaluation.m_auc"), fmt(cv.auc, 4), border=True)
                if cv_b is not None and cv_b.auc is not None:
                    st.metric(t("evaluation.m_auc_b"), fmt(cv_b.auc, 4), delta=fmt(cv_b.auc - cv.auc, 4), border=True)
                elif compare and run_b is not None and not run_b.usable:
                    st.warning(t("evaluation.b_not_usable"), icon="💥")
                st.markdown(t("evaluation.s4_reading", auc=fmt(cv.auc, 3), pct=pct(cv.auc, 1)))
                if pins:
                    st.caption(t("evaluation.pins_note", n=len(pins)))
        ui.code_panel(code.roc_code(spec, noise_b if compare else None), "roc_auc.py", "ev_roc")

    # --------------------------------------------------------------------------- 5. precision-recall and AP
    st.header(t("evaluation.s5_header"), divider="gray")
    st.markdown(t("evaluation.s5_text"))
    if usable:
        if cv.pr_error is not None:
            st.warning(t("evaluation.pr_undefined"), icon="🚫")
        else:
            runs = [{"name": t("evaluation.model_a_ap", ap=fmt(cv.ap)), "precision": cv.precision, "recall": cv.recall,
                     "colour": figs.MODEL_A, "fill": True}]
            if cv_b is not None and cv_b.ap is not None:
                runs.append({"name": t("evaluation.model_b_ap", noise=fmt(noise_b, 1), ap=fmt(cv_b.ap)),
                             "precision": cv_b.precision, "recall": cv_b.recall, "colour": figs.MODEL_B})
            point = None
            if stats is not None and stats.predicted_positive > 0:
                point = (stats.sensitivity, stats.precision)
            left, right = st.columns(2, gap="large")
            left.plotly_chart(figs.pr_figure(runs, cv.positive_rate, point, {
                "chance": t("evaluation.no_skill", rate=fmt(cv.positive_rate)), "point": t("evaluation.point_here",
                                                                                         thr=fmt(threshold, 2)),
                "x": t("evaluation.recall_axis"), "y": t("evaluation.precision_axis"),
                "hover": t("evaluation.pr_hover"), "title": t("evaluation.fig_pr")}), key="ev_pr")
            ui.chart_summary(sm.pr_summary(current_language(), cv, stats), left)
            sweep = sweep_for(spec, run)
            with right:
                if sweep is not None:
                    st.plotly_chart(figs.sweep_figure(sweep.shares, sweep.auc, sweep.ap, {
                        "auc": t("evaluation.sweep_auc"), "ap": t("evaluation.sweep_ap"),
                        "chance": t("evaluation.sweep_chance"), "now": t("evaluation.sweep_now"),
                        "x": t("evaluation.sweep_x"), "y": t("evaluation.sweep_y"),
                        "title": t("evaluation.fig_sweep")}), key="ev_sweep")
                    ui.chart_summary(sm.sweep_summary(current_language(), sweep))
                else:
                    st.info(t("evaluation.sweep_undefined"), icon="🚫")
            m = st.columns(3)
            m[0].metric(t("evaluation.m_ap"), fmt(cv.ap, 4), border=True)
            m[1].metric(t("evaluation.m_no_skill"), fmt(cv.positive_rate, 4), border=True)
            m[2].metric(t("evaluation.m_auc"), fmt(cv.auc, 4), border=True)
            if sweep is not None and len(sweep.shares) > 1:
                st.markdown(t("evaluation.s5_sweep_text", share=pct(sweep.shares[-1]), auc=fmt(sweep.auc[-1]),
                              ap=fmt(sweep.ap[-1]), auc_now=fmt(sweep.auc[0]), ap_now=fmt(sweep.ap[0])))
        ui.code_panel(code.pr_code(spec), "precision_recall.py", "ev_pr")


# --------------------------------------------------------------------------- 6. Keras metrics agree
@ui.section
def keras_section(spec: lab.ScoreSpec, run: lab.ScoreRun, usable: bool) -> None:
    """Section 6: Keras's metrics against sklearn's; the number of thresholds reruns only this."""
    st.header(t("evaluation.s6_header"), divider="gray")
    st.markdown(t("evaluation.s6_text"))
    nthr = ui.control(C["ev_nthr"])
    if usable:
        cv = curves_for(spec, run)
        check = keras_for(spec, nthr, run)
        table = pd.DataFrame({
            t("evaluation.col_metric"): [t(f"evaluation.km.{name}") for name in kc.ROWS],
            t("evaluation.col_keras"): [fmt(check.keras[name], 4) for name in kc.ROWS],
            t("evaluation.col_sklearn"): [fmt(check.sklearn[name], 4) for name in kc.ROWS],
            t("evaluation.col_diff"): [f"{round(check.difference(name), 4) + 0.0:+.4f}"  # no "-0.0000"
                                       if fmt(check.difference(name)) != "—" else "—" for name in kc.ROWS],
        })
        left, right = st.columns([1.2, 1], gap="large")
        with left:
            st.table(table, hide_index=True)
            gap = check.difference("auc")
            if cv.roc_error is None:
                lead = ("evaluation.s6_auc_same" if f"{abs(gap):.4f}" == "0.0000" else
                        "evaluation.s6_auc_keras_higher" if gap > 0 else "evaluation.s6_auc_sklearn_higher")
                st.markdown(t(lead, gap=f"{abs(gap):.4f}") + " " + t(
                    "evaluation.s6_auc_why", n=nthr, keras=fmt(check.keras["auc"], 4), sk=fmt(check.sklearn["auc"], 4)))
            st.caption(t("evaluation.s6_notes"))
            if math.isnan(check.sklearn["precision"]):  # nothing above 0.5: sklearn says 0/0, Keras says 0
                st.info(t("evaluation.s6_precision_zero"), icon="ℹ️")
        if cv.roc_error is None:
            right.plotly_chart(figs.keras_roc_figure(cv.fpr, cv.tpr, check.fpr, check.tpr, {
                "sklearn": t("evaluation.exact_roc"), "keras": t("evaluation.keras_roc", n=nthr),
                "x": t("evaluation.fpr_axis"), "y": t("evaluation.tpr_axis"), "title": t("evaluation.fig_keras")}),
                key="ev_keras_roc")
            ui.chart_summary(sm.keras_roc_summary(current_language(), check), right)
        ui.code_panel(code.keras_code(spec, nthr), "keras_metrics.py", "ev_keras")


# --------------------------------------------------------------------------- 7. segmentation metrics
@ui.section
def segmentation_section() -> None:
    """Section 7: segmentation metrics on masks the learner edits."""
    st.header(t("evaluation.s7_header"), divider="gray")
    st.markdown(t("evaluation.s7_text"))
    preset = ui.control(C["ev_seg"])
    state = st.session_state["_ev_seg"] if "_ev_seg" in st.session_state else None
    if state is None or state["preset"] != preset:
        gt0, pred0 = (mask.copy() for mask in seg.PRESETS[preset])
        if state is None:  # a fresh page: a shared link may carry edited masks
            for name, target in (("ev_gt", gt0), ("ev_pred", pred0)):
                raw = st.query_params.get(name)
                if raw is None:
                    continue
                try:
                    target[:] = seg.decode(raw)
                except ValueError as error:
                    st.warning(t("evaluation.bad_mask", name=name, value=str(raw)[:60], reason=str(error)), icon="🔗")
        state = {"preset": preset, "gen": (state or {"gen": 0})["gen"] + 1, "gt": gt0, "pred": pred0}
        st.session_state["_ev_seg"] = state

    columns = [str(i + 1) for i in range(seg.COLS)]
    config = {col: st.column_config.NumberColumn(min_value=0, max_value=seg.N_CLASSES - 1, step=1, format="%d",
                                                 width=44) for col in columns}
    masks = {}
    edit_cols = st.columns(2, gap="large")
    for col, name in zip(edit_cols, ("gt", "pred"), strict=True):
        key = f"_ev_{name}_{state['gen']}"
        if key not in st.session_state:
            state[name] = state.get(f"{name}_now", state[name])  # re-created editor: start from the last masks
        col.markdown(f"**{t(f'evaluation.editor_{name}')}**")
        edited = col.data_editor(pd.DataFrame(state[name], columns=columns), key=key, column_config=config,
                                 hide_index=True, width="stretch")
        masks[name], fixed = seg.clean_mask(edited.to_numpy())
        state[f"{name}_now"] = masks[name]
        if fixed:
            col.warning(t("evaluation.cell_fixed", top=seg.N_CLASSES - 1), icon="✏️")
    st.caption(t("evaluation.editor_help", top=seg.N_CLASSES - 1))
    preset_gt, preset_pred = seg.PRESETS[preset]
    for name, mask, default in (("ev_gt", masks["gt"], preset_gt), ("ev_pred", masks["pred"], preset_pred)):
        ui.link_param(name, None if (mask == default).all() else seg.encode(mask))  # edited masks travel in the link

    result = seg_for(seg.encode(masks["gt"]), seg.encode(masks["pred"]))
    names = [t(f"evaluation.seg_class.{i}") for i in range(seg.N_CLASSES)]
    st.plotly_chart(figs.masks_figure(masks["gt"], masks["pred"], names, {
        "gt": t("evaluation.editor_gt"), "pred": t("evaluation.editor_pred"), "agree": t("evaluation.agree")}),
        key="ev_masks")
    ui.chart_summary(sm.masks_summary(current_language(), result))
    m = st.columns(4)
    m[0].metric(t("evaluation.m_pixel_acc"), fmt(result.pixel_accuracy), border=True)
    m[1].metric(t("evaluation.m_mean_acc"), fmt(result.mean_accuracy), border=True)
    m[2].metric(t("evaluation.m_mean_iu"), fmt(result.mean_iu), border=True)
    m[3].metric(t("evaluation.m_fw_iu"), fmt(result.fw_iu), border=True)
    per_class = pd.DataFrame({
        t("evaluation.col_class"): [f"{i} · {n}" for i, n in enumerate(names)],
        t("evaluation.col_truth"): result.truth,
        t("evaluation.col_predicted"): result.predicted,
        t("evaluation.col_correct"): result.correct,
        t("evaluation.col_class_acc"): [fmt(v) for v in result.class_accuracy],
        t("evaluation.col_iu"): [fmt(v) for v in result.iu],
    })
    left, right = st.columns([1.3, 1], gap="large")
    left.table(per_class, hide_index=True)
    with right:
        st.markdown(t("evaluation.s7_formulas"))
        checks = t("evaluation.sklearn_agrees") if result.sklearn_agrees else t("evaluation.sklearn_disagrees")
        st.caption(checks + " " + t("evaluation.keras_iou", value=fmt(result.keras_mean_iou)))
    if result.absent:
        st.info(t("evaluation.absent", classes=", ".join(names[i] for i in result.absent)), icon="🫥")
    if result.pixel_accuracy - result.mean_iu > 0.2:
        st.warning(t("evaluation.seg_gap", pixel=fmt(result.pixel_accuracy), iu=fmt(result.mean_iu)), icon="🔍")
    ui.code_panel(code.segmentation_code(masks["gt"], masks["pred"]), "segmentation_metrics.py", "ev_seg")


threshold_sections(spec, run, usable)
keras_section(spec, run, usable)
segmentation_section()

# --------------------------------------------------------------------------- recap
st.header(t("evaluation.recap_header"), divider="gray")
st.markdown(t("evaluation.recap"))
