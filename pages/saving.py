from lib.core.streamlit_internals import require_entry_point

require_entry_point()  # before any heavy import: a deep link on a fresh server restarts through the entry point

import json
import secrets

import numpy as np
import pandas as pd
import plotly.io  # noqa: F401  (imported early so the first chart draws fast)
import streamlit as st

from lib.core import agreement, ui
from lib.core.device import shown_label
from lib.core.i18n import current_language, t
from lib.core.numbers import fmt
from lib.lessons.saving import code, files, lab, models, summary
from lib.lessons.saving import figures as figs
from lib.lessons.saving.controls import CONTROLS as C

SESSION_TAG, UPLOAD_MEMO = "_sv_session", "_sv_upload_result"  # per-session state, never in the URL


def wrong(error: ValueError) -> None:
    st.error(t("saving.bad_settings", message=str(error)), icon="⚠️")
    st.stop()


kb = summary.kb


def tree_table(rows: tuple[files.H5Row, ...]) -> pd.DataFrame:
    return pd.DataFrame({
        t("saving.col_path"): [r.path + ("" if r.shape is not None else "/") for r in rows],
        t("saving.col_shape"): ["" if r.shape is None else str(r.shape) for r in rows],
        t("saving.col_dtype"): [r.dtype for r in rows],
        t("saving.col_values"): ["" if r.shape is None else f"{r.values:,}" for r in rows],
        t("saving.col_attrs"): [", ".join(f"{k}={v}" for k, v in r.attrs) for r in rows],
    })


def diagram_labels() -> dict[str, str]:
    return {"input": t("saving.fig_in"), "output": t("saving.fig_out"), "params": t("saving.fig_params")}


def prediction_grid(x: np.ndarray, y: np.ndarray, probs: np.ndarray, rows: np.ndarray, names: list[str],
                    key: str) -> None:
    """The shown validation images with the most likely class (np.argmax) and its probability."""
    predicted = np.argmax(probs[rows], axis=1)
    right = [bool(p == y[r]) for p, r in zip(predicted, rows, strict=True)]
    titles = [f"{'✓' if ok else '✗'} {names[p] if p < len(names) else p} {probs[r, p]:.0%}"
              for p, r, ok in zip(predicted, rows, right, strict=True)]
    st.plotly_chart(figs.image_grid(x[rows], titles, right, cols=8, row_height=135), key=key)
    ui.chart_summary(summary.grid_summary(current_language(), y, probs, rows))


st.title(t("saving.title"))
st.markdown(t("saving.intro"))

# --------------------------------------------------------------------------- 1. train and save
st.header(t("saving.s1_header"), divider="gray")
st.markdown(t("saving.s1_text"))
settings_col, result_col = st.columns([2, 3], gap="large")
with settings_col.container(border=True):
    epochs = ui.control(C["sv_epochs"])
    units = ui.control(C["sv_units"])
    dropout = ui.control(C["sv_dropout"])
    images = ui.control(C["sv_images"], format_func=lambda n: f"{n:,}")
    seed = ui.control(C["sv_seed"])
    st.caption(t("saving.settings_help"))
try:
    spec = lab.SavingSpec(images=images, units=units, dropout=dropout, epochs=epochs, seed=seed)
    split = lab.data_split(images)
except ValueError as error:
    wrong(error)
names = list(split.class_names) if split.fallback else [t(f"saving.class_{i}") for i in range(10)]

with result_col:
    run, trained_now = ui.train_timed(spec, run=lab.train_and_save)
    ui.run_notices(run)
    final = run.final
    m = st.columns(2) + st.columns(2)  # two by two: four side by side would not fit the column
    m[0].metric(t("saving.m_val_acc"), fmt(final.get("val_accuracy", float("nan"))), border=True)
    m[1].metric(t("saving.m_val_loss"), fmt(final.get("val_loss", float("nan"))), border=True)
    m[2].metric(t("saving.m_params"), f"{run.info.trainable:,}", border=True)
    m[3].metric(t("saving.m_file"), kb(run.sizes["keras"]), border=True)
    st.plotly_chart(figs.history_figure(run.history, {
        "loss": t("saving.fig_loss"), "accuracy": t("saving.fig_accuracy"), "train": t("saving.fig_train"),
        "val": t("saving.fig_val"), "epoch": t("saving.fig_epoch")}), key="history")
    ui.chart_summary(summary.history_summary(current_language(), run.history))
    st.download_button(t("saving.download", name=lab.FILENAMES["keras"]), run.keras_bytes,
                       file_name=lab.FILENAMES["keras"], mime="application/zip", icon="💾", on_click="ignore",
                       key="dl_model")
    st.caption(t("saving.train_caption" if trained_now else "saving.train_caption_earlier",
                 train=f"{run.seconds:.1f}", save=f"{run.save_seconds:.1f}",
                 device=shown_label(run.device, current_language()), n_train=f"{len(split.y_train):,}",
                 n_val=f"{len(split.y_val):,}"))
ui.code_panel(code.train_code(spec, split.fallback), "save_model.py", "train")

# --------------------------------------------------------------------------- 2. inside the file
st.header(t("saving.s2_header"), divider="gray")
st.markdown(t("saving.s2_text"))
m = st.columns(3)
for col, key in zip(m, lab.FORMATS, strict=True):
    col.metric(lab.FILENAMES[key], kb(run.sizes[key]), border=True)
file_format = ui.control(C["sv_format"], horizontal=True)
st.markdown(t(f"saving.about_{file_format}"))
parts = run.parts[file_format]
st.plotly_chart(figs.composition_figure(parts, {
    "file": lab.FILENAMES[file_format], "weights": t("saving.part_weights"), "optimizer": t("saving.part_optimizer"),
    "config": t("saving.part_config"), "overhead": t("saving.part_overhead")}), key="composition")
ui.chart_summary(summary.composition_summary(current_language(), lab.FILENAMES[file_format], parts))
st.caption(t("saving.parts_caption", weights=kb(parts["weights"]), optimizer=kb(parts["optimizer"]),
             ratio=f"{(parts['weights'] + parts['optimizer']) / max(1, parts['weights']):.1f}"))

if file_format == "keras":
    kf = run.keras_file
    zip_col, meta_col = st.columns([3, 2], gap="large")
    with zip_col:
        st.markdown(f"**{t('saving.zip_header')}**")
        st.dataframe(pd.DataFrame({
            t("saving.col_entry"): [e.name for e in kf.entries],
            t("saving.col_size"): [f"{e.size:,}" for e in kf.entries],
            t("saving.col_packed"): [f"{e.packed:,}" for e in kf.entries],
            t("saving.col_stored"): [t("saving.stored") if e.stored else t("saving.compressed") for e in kf.entries],
        }), hide_index=True, width="stretch")
    with meta_col:
        st.markdown(t("saving.h_metadata"))
        st.code(json.dumps(kf.metadata, indent=2), language="json")
    st.markdown(t("saving.config_layers"))
    st.dataframe(pd.DataFrame(lab.config_layers(kf.config), columns=[
        t("saving.col_class"), t("saving.col_name"), t("saving.col_settings")]), hide_index=True, width="stretch")
    compile_cfg = kf.config.get("compile_config") or {}
    st.caption(t("saving.compile_caption", optimizer=(compile_cfg.get("optimizer") or {}).get("class_name", "—"),
                 loss=compile_cfg.get("loss", "—"), metrics=compile_cfg.get("metrics", "—")))
    with st.expander(t("saving.full_config"), icon="🧩"):
        st.json(kf.config, expanded=2)
    st.markdown(t("saving.weights_tree"))
    st.dataframe(tree_table(run.trees["keras"]), hide_index=True, width="stretch")
    st.caption(t("saving.tree_caption"))
elif file_format == "weights":
    st.dataframe(tree_table(run.trees["weights"]), hide_index=True, width="stretch")
else:
    st.markdown(f"**{t('saving.h5_attrs')}**")
    st.dataframe(pd.DataFrame(run.h5_attrs, columns=[t("saving.col_attr"), t("saving.col_value")]),
                 hide_index=True, width="stretch")
    st.dataframe(tree_table(run.trees["h5"]), hide_index=True, width="stretch")
ui.code_panel(code.inspect_code(file_format), f"inspect_{file_format}.py", "inspect")

# --------------------------------------------------------------------------- 3. load it back and predict
st.header(t("saving.s3_header"), divider="gray")
st.markdown(t("saving.s3_text"))
(st.success if run.reloaded.close else st.warning)(agreement.sentence(
    current_language(), run.reloaded, "saving.identical", "saving.not_identical", "saving.identical_exact",
    n=f"{len(run.y_val):,}"), icon="✅" if run.reloaded.close else "⚠️")
m = st.columns(4)
m[0].metric(t("saving.m_eval_acc"), fmt(run.evaluation.get("accuracy", float("nan"))), border=True)
m[1].metric(t("saving.m_eval_loss"), fmt(run.evaluation.get("loss", float("nan"))), border=True)
m[2].metric(t("saving.m_trained_acc"), fmt(final.get("val_accuracy", float("nan"))), border=True)
m[3].metric(t("saving.m_optimizer"), f"{run.info.optimizer:,}", border=True)
st.caption(t("saving.eval_caption"))

summary_col, diagram_col = st.columns([3, 2], gap="large")
with summary_col:
    st.markdown(t("saving.h_summary"))
    st.code(run.info.summary, language=None)
with diagram_col:
    st.markdown(f"**{t('saving.diagram_header')}**")
    show_shapes = ui.control(C["sv_shapes"])
    st.plotly_chart(figs.architecture_figure(run.info.graph, show_shapes, diagram_labels()), key="diagram")
    ui.chart_summary(summary.architecture_summary(current_language(), run.info.graph))
    st.caption(t("saving.diagram_caption"))

st.subheader(t("saving.predict_header"))
st.markdown(t("saving.predict_text"))
n_val = len(split.y_val)
c = st.columns([3, 1], gap="large")
first = ui.control(C["sv_first"], c[0], hi=n_val - 1)
count = ui.control(C["sv_count"], c[1])
rows = lab.sample_rows(n_val, first, count)
if np.isfinite(run.probabilities).all():
    prediction_grid(split.x_val, split.y_val, run.probabilities, rows, names, "predictions")
    shown = int(rows[0])
    p = run.probabilities[shown]
    best = int(np.argmax(p))
    bars_col, text_col = st.columns([3, 2], gap="large")
    with bars_col:
        st.plotly_chart(figs.probability_figure(p, names, int(split.y_val[shown]),
                                                {"probability": t("saving.fig_probability")}), key="probabilities")
        ui.chart_summary(summary.probability_summary(current_language(), p, names, int(split.y_val[shown])))
    with text_col:
        st.markdown(t("saving.argmax_text", row=shown, best=best, name=names[best], p=f"{p[best]:.4f}",
                      true=names[int(split.y_val[shown])]))
        accuracy = float(np.mean(run.predicted == run.y_val))
        st.metric(t("saving.m_argmax_acc"), fmt(accuracy), border=True)
else:
    st.warning(t("saving.no_predictions"), icon="💥")
ui.code_panel(code.predict_code(images, [int(r) for r in rows], split.fallback), "load_and_predict.py", "predict")

# --------------------------------------------------------------------------- 4. upload a model
st.header(t("saving.s4_header"), divider="gray")
st.markdown(t("saving.s4_text", mb=files.MAX_UPLOAD_MB))
lab.prepare_uploads()  # the worker that loads uploads starts warming now, so the first upload does not wait
up_col, sample_col = st.columns([3, 2], gap="large")
uploaded = up_col.file_uploader(t("saving.lbl_upload", mb=files.MAX_UPLOAD_MB), key="sv_upload",
                                help=t("saving.upload_help", mb=files.MAX_UPLOAD_MB),
                                max_upload_size=files.MAX_UPLOAD_MB)
up_col.caption(t("saving.upload_caption", mb=files.MAX_UPLOAD_MB))
sample = ui.control(C["sv_sample"], sample_col)
sample_col.caption(t("saving.sample_help"))

source = None
if uploaded is not None:
    source = (f"upload:{uploaded.file_id}", uploaded.name, uploaded.getvalue)
elif sample != "none":
    source = (f"sample:{sample}:{spec}", None, None)
if source is not None:
    # Per session only: nothing one learner uploads is cached where another could see it.
    session = st.session_state.setdefault(SESSION_TAG, secrets.token_hex(6))
    memo_key = (source[0], images)
    memo = st.session_state.get(UPLOAD_MEMO)
    if memo is None or memo[0] != memo_key:
        if source[1] is None:
            filename, data = lab.sample_file(sample, run.keras_bytes)
        else:
            filename, data = source[1], source[2]()
        try:
            outcome: object = lab.open_upload(data, filename, images, session)
        except files.Refused as refusal:
            outcome = refusal.plain()  # only the code and its texts: no exception, traceback or model stays
        del data
        st.session_state[UPLOAD_MEMO] = (memo_key, outcome)
    outcome = st.session_state[UPLOAD_MEMO][1]
    if isinstance(outcome, files.Refusal):
        st.error(t(f"saving.refuse_{outcome.code}", **dict(outcome.values)), icon="🚫")
        worker = outcome.code in ("timeout", "memory", "crashed")
        st.caption(t("saving.refused_caption_worker" if worker else "saving.refused_caption"))
    else:
        up = outcome
        st.success(t("saving.accepted", name=up.filename, cls=up.info.cls, layers=len(up.info.layers)), icon="✅")
        m = st.columns(3)
        m[0].metric(t("saving.m_up_size"), kb(up.file.size), border=True)
        m[1].metric(t("saving.m_up_params"), f"{up.info.trainable + up.info.non_trainable:,}", border=True)
        m[2].metric(t("saving.m_up_acc"), "—" if up.accuracy is None else fmt(up.accuracy), border=True)
        st.caption(t("saving.up_shapes", inputs=", ".join(models.shape_text(s) for s in up.info.input_shapes) or "?",
                     outputs=", ".join(models.shape_text(s) for s in up.info.output_shapes) or "?"))
        summary_col, diagram_col = st.columns([3, 2], gap="large")
        with summary_col:
            st.markdown(t("saving.h_summary"))
            st.code(up.info.summary or up.info.cls, language=None)
            st.caption(t("saving.up_entries", entries=", ".join(f"{e.name} ({kb(e.size)})" for e in up.file.entries),
                         version=up.file.metadata.get("keras_version", "?")))
        with diagram_col:
            st.markdown(f"**{t('saving.diagram_header')}**")
            st.plotly_chart(figs.architecture_figure(up.info.graph, show_shapes, diagram_labels()),
                            key="up_diagram")
            ui.chart_summary(summary.architecture_summary(current_language(), up.info.graph))
        if up.probabilities is not None:
            st.markdown(t("saving.up_predict_text", n=len(rows)))
            prediction_grid(split.x_val, split.y_val, up.probabilities, rows, names, "up_predictions")
            if up.logits:
                st.info(t("saving.up_logits"), icon="ℹ️")
        else:
            st.info(t(f"saving.up_problem_{up.problem}", shape=models.shape_text(split.x_val.shape[1:])), icon="ℹ️")
else:
    st.info(t("saving.upload_hint"), icon="⬆️")
ui.code_panel(code.upload_code(), "load_safely.py", "upload")

# --------------------------------------------------------------------------- recap
st.header(t("saving.recap_header"), divider="gray")
st.markdown(t("saving.recap", loaded=agreement.sentence(current_language(), run.reloaded, "saving.recap_loaded",
                                                       "saving.recap_loaded_differ", "saving.recap_loaded_exact")))
