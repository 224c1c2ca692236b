
from lib.core.streamlit_internals import require_entry_point

require_entry_point()  # before any heavy import: a deep link on a fresh server restarts through the entry point

import pandas as pd
import plotly.io  # noqa: F401  (imported early so the first chart draws fast)
import streamlit as st

from lib.core import agreement, numbers, ui
from lib.core.i18n import current_language, t
from lib.lessons.layers import code, code_compile, code_functional, lab
from lib.lessons.layers import compiling as cmp
from lib.lessons.layers import figures as figs
from lib.lessons.layers import functional as fn
from lib.lessons.layers import summary as chart_text
from lib.lessons.layers.controls import CONTROLS as C

shape_text = lab.shape_text


def fmt(value: float, digits: int = 4) -> str:
    """A number for the page: fixed decimals, scientific when huge or tiny, ``nan`` as Keras prints it."""
    return numbers.fmt(value, digits, sci=True, undefined="nan")


@st.cache_data(max_entries=256, show_spinner=False)
def anatomy_for(spec: lab.DenseSpec) -> lab.AnatomyResult:
    return lab.anatomy(spec)


@st.cache_data(max_entries=64, show_spinner=False)
def sequential_for(spec: lab.SeqSpec) -> lab.SeqResult:
    return lab.sequential_models(spec)


@st.cache_data(max_entries=4, show_spinner=False)
def functional_for(scale: str) -> tuple[lab.ModelInfo, lab.ModelInfo]:
    return fn.describe_multi_input(scale), fn.describe_multi_output(scale)


def wrong(error: ValueError) -> None:
    st.error(str(error), icon="⚠️")
    st.stop()


def tf_error(error: lab.TFError | None) -> None:
    if error is not None:
        ui.show_tf_error(error.message, error.kind)


def diagram(info: lab.ModelInfo, outputs: tuple[str, ...] = ()) -> None:
    st.graphviz_chart(figs.model_dot(info.layers, t("layers.params_box"), outputs), width="stretch")


def summary(info: lab.ModelInfo) -> None:
    st.caption(t("layers.summary_caption", name=info.name))
    st.code(info.summary, language=None)


def functional_model(part: str, info: lab.ModelInfo, outputs: tuple[str, ...], compile_code: str, note: str) -> None:
    """One functional model: its heading and text, diagram, parameter count, compile call and summary."""
    st.subheader(t(f"layers.s4_{part}_header"))
    st.markdown(t(f"layers.s4_{part}_text"))
    left, right = st.columns([3, 2], gap="large")
    with left:
        diagram(info, outputs=outputs)
    with right:
        st.metric(t("layers.m_params"), f"{info.params:,}", border=True)
        st.code(compile_code, language="python", wrap_lines=True)
        st.caption(note)
    with st.expander(t("layers.summary_expander", name=info.name), icon="📋"):
        summary(info)


def weights_text(state: lab.LayerState) -> str:
    if not state.weight_shapes:
        return "[]"
    return ", ".join(f"{name} {shape_text(shape)}" for name, shape in zip(("W", "b"), state.weight_shapes,
                                                                            strict=False))


st.title(t("layers.title"))
st.markdown(t("layers.intro"))

# --------------------------------------------------------------------------- 1. anatomy of a layer
st.header(t("layers.s1_header"), divider="gray")
st.markdown(t("layers.s1_text"))
with st.expander(t("layers.s1_class"), expanded=True, icon="🧱"):
    st.code(code.SIMPLE_DENSE_CLASS, language="python")

batch, features, units, activation = ui.control_row(C, "sd_batch", "sd_features", "sd_units", "sd_act",
                                                    sd_act={"format_func": code.ACTIVATION_CODE.get})
second = ui.control(C["sd_second"], horizontal=True)
try:
    dspec = lab.DenseSpec(batch=batch, features=features, units=units, activation=activation, second=second)
except ValueError as error:
    wrong(error)
anat = anatomy_for(dspec)

m = st.columns(4)
m[0].metric(t("layers.m_w_shape"), shape_text(anat.w_shape), border=True)
m[1].metric(t("layers.m_b_shape"), shape_text(anat.b_shape), border=True)
m[2].metric(t("layers.m_out_shape"), shape_text(anat.first.output_shape), border=True)
m[3].metric(t("layers.m_params"), f"{anat.params:,}", border=True)
st.markdown(t("layers.s1_params", features=dspec.features, units=dspec.units, params=f"{anat.params:,}"))

steps = [
    (t("layers.step_created"), code.dense_create_line(dspec), anat.created),
    (t("layers.step_first"), code.dense_first_line(dspec), anat.first),
    (t("layers.step_second"), code.dense_second_line(dspec), anat.second),
]
st.markdown(f"**{t('layers.s1_steps')}**")
st.table(pd.DataFrame(
    [{t("layers.col_step"): name, t("layers.col_code"): line, t("layers.col_built"): str(state.built),
      t("layers.col_builds"): state.build_calls, t("layers.col_weights"): weights_text(state),
      t("layers.col_output"): "—" if state.output_shape is None else shape_text(state.output_shape)}
     for name, line, state in steps]
).set_index(t("layers.col_step")))
if anat.error is None:
    st.success(t("layers.s1_built_once", builds=anat.second.build_calls), icon="✅")
else:
    st.warning(t("layers.s1_refused", features=dspec.features, more=dspec.features + 1), icon="🚫")
    tf_error(anat.error)

left, right = st.columns([3, 2], gap="large")
with left:
    st.plotly_chart(figs.shape_figure(dspec.batch, dspec.features, dspec.units, {
        "x": t("layers.fig_x"), "W": "W", "b": "b", "y": t("layers.fig_y")}), key="shapes")
    ui.chart_summary(chart_text.shapes_summary(current_language(), dspec.batch, dspec.features, dspec.units))
    st.caption(t("layers.fig_log_note"))
with right:
    st.markdown(t("layers.s1_output", n=lab.PREVIEW))
    st.code("[" + ", ".join(f"{v:.4f}" for v in anat.output_row) + ", ...]", language=None, wrap_lines=True)
    if dspec.batch > 1:
        st.caption(agreement.sentence(current_language(), anat.rows, "layers.s1_rows_equal", "layers.s1_rows_differ"))
    st.caption(t("layers.s1_w_stats", mean=fmt(anat.w_mean, 4), std=fmt(anat.w_std, 4)))
ui.code_panel(code.dense_code(dspec), "simple_dense.py", "dense")

# --------------------------------------------------------------------------- 2. models from layers
st.header(t("layers.s2_header"), divider="gray")
st.markdown(t("layers.s2_text"))
seq_units, seq_act, seq_flatten = ui.control_row(C, "seq_units", "seq_act", "seq_flatten")
try:
    sspec = lab.SeqSpec(units=seq_units, activation=seq_act, flatten=seq_flatten)
except ValueError as error:
    wrong(error)
seqs = sequential_for(sspec)

m = st.columns(3)
for column, style in zip(m, lab.STYLES, strict=True):
    column.metric(t(f"layers.style_{style}"), f"{seqs.styles[style].params:,}", border=True)
counts = {info.params for info in seqs.styles.values()}
if len(counts) == 1:
    st.success(t("layers.s2_equal", params=f"{counts.pop():,}"), icon="✅")
else:
    st.error(t("layers.s2_unequal"))
st.markdown(t("layers.s2_formula", units=sspec.units, hidden=f"{sspec.hidden_params:,}",
              output=f"{sspec.output_params:,}", total=f"{sspec.hidden_params + sspec.output_params:,}"))
if sspec.flatten:
    st.caption(t("layers.s2_flatten_note"))

tabs = st.tabs([t(f"layers.style_{style}") for style in lab.STYLES])
for tab, style in zip(tabs, lab.STYLES, strict=True):
    with tab:
        st.markdown(t(f"layers.style_{style}_text"))
        st.code(code.style_snippet(sspec, style), language="python")
        summary(seqs.styles[style])

left, right = st.columns([2, 3], gap="large")
with left:
    st.markdown(f"**{t('layers.s2_diagram')}**")
    diagram(seqs.styles["inline"], outputs=("output",))
with right:
    st.markdown(t("layers.s2_diagram_text"))
ui.code_panel(code.three_ways_code(sspec), "three_ways.py", "three")

st.subheader(t("layers.s2_my_header"))
st.markdown(t("layers.s2_my_text"))
st.code(code.MY_SEQUENTIAL_CLASS, language="python")
m = st.columns(3)
m[0].metric(t("layers.m_diff_before"), f"{seqs.diff_before:.4g}", border=True)
m[1].metric(t("layers.m_diff_after"), f"{seqs.after.largest:.4g}", border=True)
m[2].metric(t("layers.m_my_params"), f"{seqs.my_params:,}", border=True)
same_outputs = agreement.sentence(current_language(), seqs.after, "layers.s2_same_outputs", "layers.s2_close_outputs",
                                  rows=lab.COMPARE_ROWS)
if seqs.after.close:
    st.success(same_outputs, icon="✅")
else:
    st.warning(same_outputs, icon="⚠️")
st.plotly_chart(figs.probabilities_figure(seqs.seq_output[0], seqs.my_output[0], {
    "first": "keras.Sequential", "second": "MySequential", "x": t("layers.fig_class"),
    "y": t("layers.fig_probability")}), key="probabilities")
ui.chart_summary(chart_text.probabilities_summary(current_language(), seqs.seq_output[0], seqs.my_output[0],
                                                  ("keras.Sequential", "MySequential")))
st.caption(t("layers.s2_my_caption"))
ui.code_panel(code.my_sequential_code(sspec), "my_sequential.py", "mysequential")

# --------------------------------------------------------------------------- 3. compile: strings or objects
st.header(t("layers.s3_header"), divider="gray")
st.markdown(t("layers.s3_text"))
KIND, STRING, OBJECT = t("layers.col_kind"), t("layers.col_string"), t("layers.col_object")
st.table(pd.DataFrame(
    [{KIND: t(f"layers.kind_{kind}"), STRING: text, OBJECT: obj} for kind, text, obj in code_compile.COMPILE_TABLE]
).set_index(KIND))
st.markdown(t("layers.s3_when"))

cmp_opt, cmp_lr, cmp_epochs = ui.control_row(  # two rows: the loss and metric class names need half the width
    C, "cmp_opt", "cmp_lr", "cmp_epochs", gap="medium",
    cmp_lr={"format_func": lambda rate: t("layers.lr_default") if rate == "default" else rate})
cmp_loss, cmp_metric = ui.control_row(
    C, "cmp_loss", "cmp_metric", gap="medium",
    cmp_loss={"format_func": lambda name: code_compile.LOSS_CODE[name].removeprefix("keras.losses.")},
    cmp_metric={"format_func": lambda name: code_compile.METRIC_CODE[name].removeprefix("keras.metrics.")})
try:
    ospec = cmp.CompileSpec(form="object", optimizer=cmp_opt, learning_rate=cmp.rate_value(cmp_lr), loss=cmp_loss,
                            metric=cmp_metric, epochs=cmp_epochs)
except ValueError as error:
    wrong(error)
sspec_str = ospec.as_form("string")

for form, spec in (("string", sspec_str), ("object", ospec)):  # full width: object lines run long
    st.markdown(f"**{t(f'layers.by_{form}')}**")
    st.code(code_compile.compile_line(spec), language="python")
left, right = st.columns(2, gap="large")

runs = {form: ui.train(spec, run=cmp.train_compiled) for form, spec in (("string", sspec_str), ("object", ospec))}
ui.run_notices(runs["object"])
for form, column in zip(("string", "object"), (left, right), strict=True):
    run = runs[form]
    with column:
        st.markdown(f"**{t(f'layers.by_{form}')}**")
        mc = st.columns(2)
        mc[0].metric(t("layers.m_optimizer"), run.optimizer_class, border=True)
        mc[1].metric(t("layers.m_lr"), f"{run.learning_rate:g}", border=True)
        st.caption(t("layers.loss_is", loss=run.loss_name))
        if run.error is None:
            mc = st.columns(2)
            mc[0].metric(t("layers.m_val_loss"), fmt(run.history["val_loss"][-1]), border=True)
            metric_name = cmp.metric_keys(run.history)[0]  # named below in full: a metric's label never wraps
            mc[1].metric(t("layers.m_val_metric"), fmt(run.history[f"val_{metric_name}"][-1]), border=True)
            st.caption(t("layers.metric_is", name=f"val_{metric_name}"))
tf_error(runs["object"].error)
if runs["object"].error is not None:
    st.info(t("layers.s3_accuracy_trap"), icon="🪤")
else:
    diff = cmp.same_history(runs["string"].history, runs["object"].history)
    if diff == 0.0:
        st.success(t("layers.s3_identical"), icon="✅")
    elif diff is not None and diff < 1e-4:
        st.success(t("layers.s3_nearly", diff=f"{diff:.2g}"), icon="✅")
    elif diff is not None:
        st.info(t("layers.s3_different", diff=fmt(diff)), icon="↔️")
    peak = cmp.overshoot(runs["object"].history)
    if peak is not None:
        st.warning(t("layers.s3_worse", peak=fmt(peak), chance=fmt(cmp.CHANCE_LOSS, 2)), icon="💥")
    compared = {t("layers.by_string"): runs["string"].history, t("layers.by_object"): runs["object"].history}
    st.plotly_chart(figs.compare_history_figure(
        compared, {"x": t("layers.fig_epoch"), "y": t("layers.fig_loss"), "train": t("layers.fig_train"),
                   "val": t("layers.fig_val")}), key="compile_history")
    ui.chart_summary(chart_text.compare_summary(current_language(), compared))

    st.markdown(t("layers.s3_eval_predict"))
    rows = []
    for form in ("string", "object"):
        run = runs[form]
        rows.append({t("layers.col_model"): t(f"layers.by_{form}"),
                     "evaluate()": ", ".join(f"{k}={fmt(v)}" for k, v in sorted(run.evaluation.items())),
                     "predict()": " ".join(str(int(p)) for p in run.predicted)})
    rows.append({t("layers.col_model"): t("layers.labels_row"), "evaluate()": "",
                 "predict()": " ".join(str(int(v)) for v in runs["string"].labels)})
    st.table(pd.DataFrame(rows).set_index(t("layers.col_model")))
st.caption(t("layers.s3_caption"))
ui.code_panel(code_compile.compile_code(ospec), "compile_string_or_object.py", "compile")

# --------------------------------------------------------------------------- 4. functional API
st.header(t("layers.s4_header"), divider="gray")
st.markdown(t("layers.s4_text"))
c = st.columns([2, 2, 2, 3], gap="medium")
fn_scale = ui.control(C["fn_scale"], c[0])
fn_samples = ui.control(C["fn_samples"], c[1])
fn_epochs = ui.control(C["fn_epochs"], c[2])
with c[3]:
    fn_weights = ui.control(C["fn_weights"])
    fn_train = ui.control(C["fn_train"])
try:
    fspec = fn.FunctionalSpec(scale=fn_scale, samples=fn_samples, epochs=fn_epochs, loss_weights=fn_weights)
except ValueError as error:
    wrong(error)
multi_in, multi_out = functional_for(fspec.scale)
if fspec.scale == "course":
    st.info(t("layers.s4_course_note"), icon="🐢")
if not fn_train:
    st.caption(t("layers.s4_train_off"))

hist_labels = {"x": t("layers.fig_epoch"), "y": t("layers.fig_loss"), "val": t("layers.fig_val")}

functional_model("in", multi_in, ("answer",), code_functional.MULTI_INPUT_COMPILE, t("layers.s4_in_fit"))
if fn_train:
    run_in, trained_now = ui.train_timed(fspec, run=fn.train_multi_input)
    ui.run_notices(run_in)
    m = st.columns(3)
    m[0].metric(t("layers.m_loss"), fmt(run_in.history["loss"][-1]), border=True)
    m[1].metric(t("layers.m_val_loss"), fmt(run_in.history["val_loss"][-1]), border=True)
    ui.run_time_metric(m[2], t("layers.m_seconds"), f"{run_in.seconds:.1f} s", trained_now)
    st.plotly_chart(figs.history_figure(run_in.history, ["loss"], {"loss": t("layers.fig_total_loss")}, hist_labels),
                    key="history_in")
    ui.chart_summary(chart_text.history_summary(current_language(), run_in.history, t("layers.fig_total_loss")))
    st.caption(t("layers.s4_in_caption", answers=fspec.sizes.answer_vocab))
ui.code_panel(code_functional.multi_input_code(fspec), "multi_input.py", "multi_in")

functional_model("out", multi_out, fn.OUTPUTS, code_functional.multi_output_compile(fspec),
                 t("layers.s4_out_losses"))
if fn_train:
    run_out = ui.train(fspec, run=fn.train_multi_output)
    ui.run_notices(run_out)
    per_output = fn.output_losses(run_out.history)
    st.markdown(t("layers.s4_history_keys", keys=", ".join(f"`{k}`" for k in run_out.history)))
    m = st.columns(len(per_output) + 1)
    for column, key in zip(m, ["loss", *per_output], strict=True):
        column.metric(t("layers.m_history_key", name=key), fmt(run_out.history[key][-1]), border=True)
    names = {f"{name}_loss": f"{name}_loss" for name in fn.OUTPUTS} | {"loss": t("layers.fig_total_loss")}
    st.plotly_chart(figs.history_figure(run_out.history, ["loss", *per_output], names, hist_labels, log_y=True),
                    key="history_out")
    ui.chart_summary(chart_text.history_summary(current_language(), run_out.history, t("layers.fig_total_loss"),
                                                per_output))
    weights = fspec.weights
    total = fn.weighted_total(run_out.evaluation, weights)
    terms = " + ".join(f"{weights[name]:g} × {fmt(run_out.evaluation[f'{name}_loss'])}" for name in fn.OUTPUTS)
    st.markdown(t("layers.s4_weighted", terms=terms, total=fmt(total), loss=fmt(run_out.evaluation["loss"])))
    st.caption(t("layers.s4_out_caption"))
ui.code_panel(code_functional.multi_output_code(fspec), "multi_output.py", "multi_out")

# --------------------------------------------------------------------------- recap
st.header(t("layers.recap_header"), divider="gray")
st.markdown(t("layers.recap"))
