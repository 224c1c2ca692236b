from lib.core.streamlit_internals import require_entry_point

require_entry_point()  # before any heavy import: a deep link on a fresh server restarts through the entry point

import numpy as np
import plotly.io  # noqa: F401  (imported early so the first chart draws fast)
import streamlit as st

from lib.core import ui
from lib.core.figure_style import PALETTE
from lib.core.i18n import current_language, t
from lib.lessons.tensors import code as codegen
from lib.lessons.tensors import lab
from lib.lessons.tensors.controls import CONTROLS as C
from lib.lessons.tensors.figures import sample_histogram
from lib.lessons.tensors.summary import sample_summary


def bold(key: str, **values: object) -> None:
    st.markdown(f"**{t(key, **values)}**")


def show_tensor(values: np.ndarray) -> None:
    """A tensor as tables: one row for 0-D/1-D, a table for 2-D, a table per x[i] for 3-D."""
    values = np.asarray(values)
    for index, frame in lab.to_frames(values):
        if index:
            st.caption(t("tensors.const_slice", index=index, rows=frame.shape[0], cols=frame.shape[1]))
        # A table (these tensors are small): a data grid's toolbar covered the shape label above it at 420 px.
        # Five significant digits (1, -3, 0.33333) and NaN as nan, as TensorFlow prints them.
        st.table(frame.style.format("{:.5g}"), hide_index=values.ndim <= 1, width="content")


def moments(sample: lab.RandomSample, mean_label: str, std_label: str) -> None:
    """The chosen (or expected) mean and standard deviation, each beside the sample's own."""
    m = st.columns(4)
    m[0].metric(mean_label, f"{sample.expected_mean:.3f}")
    m[1].metric(t("tensors.m_sample_mean"), f"{sample.sample_mean:.3f}")
    m[2].metric(std_label, f"{sample.expected_std:.3f}")
    m[3].metric(t("tensors.m_sample_std"), f"{sample.sample_std:.3f}")


def shape_label(code: str) -> str:
    """``"2x3"`` (the URL code) shown as Python writes the shape: ``(2, 3)``."""
    return lab.shape_code(lab.parse_shape(code))


st.title(t("tensors.title"))
st.markdown(t("tensors.intro"))

# --------------------------------------------------------------------------- 1. constants
st.header(t("tensors.const_header"), divider="gray")
st.markdown(t("tensors.const_text"))
kind, shape_key, dtype = ui.control_row(C, "ckind", "shape", "dtype", gap="small",
                                        ckind={"format_func": codegen.CONST_LABELS.get},
                                        shape={"format_func": shape_label})
shape = lab.parse_shape(shape_key)
info = lab.constant_tensor(kind, shape, dtype)

m1, m2, m3 = st.columns(3)
m1.metric(t("tensors.m_shape"), lab.shape_code(info.shape))
m2.metric(t("tensors.m_dtype"), info.dtype)
m3.metric(t("tensors.m_ndim"), info.ndim)
left, right = st.columns(2, gap="large")
with left:
    bold("tensors.const_values")
    show_tensor(info.values)
with right:
    bold("tensors.const_printed")
    st.code(info.printed, language=None)
st.caption(t("tensors.const_note"))
ui.code_panel(codegen.constant_code(kind, shape, dtype), "constant_tensor.py", "const")

# --------------------------------------------------------------------------- 2. random tensors
st.header(t("tensors.rand_header"), divider="gray")
st.markdown(t("tensors.rand_text"))
count, seed = ui.control_row(C, "count", "seed", gap="large")

hist_labels = dict(bars=t("tensors.fig_bars"), sample=t("tensors.fig_sample"), x_title=t("tensors.fig_x"),
                   y_title=t("tensors.fig_y"))
normal_col, uniform_col = st.columns(2, gap="large")
with normal_col:
    st.subheader(t("tensors.normal_sub"))
    mean, stddev = (round(v, 2) for v in ui.control_row(C, "rmean", "rstd", gap="small"))
    normal = lab.random_normal(count, mean, stddev, seed)
    moments(normal, t("tensors.m_chosen_mean"), t("tensors.m_chosen_std"))
    curve_x, curve_y = lab.normal_curve(mean, stddev)
    st.plotly_chart(sample_histogram(normal.values, curve_x, curve_y, mean, normal.sample_mean,
                                     curve=t("tensors.fig_curve_normal"), chosen=t("tensors.fig_chosen"),
                                     colour=PALETTE[1], **hist_labels), key="hist_normal")
    ui.chart_summary(sample_summary(current_language(), normal, "normal"))
    bold("tensors.rand_first", k=lab.FIRST_SHOWN)
    st.code(lab.first_values_text(normal.values), language=None, wrap_lines=True)
    ui.code_panel(codegen.normal_code(count, mean, stddev, seed, lab.FIRST_SHOWN), "random_normal.py", "normal")

with uniform_col:
    st.subheader(t("tensors.uniform_sub"))
    low, high = ui.control(C["urange"])
    low, high = round(low, 2), round(high, 2)
    uniform = lab.random_uniform(count, low, high, seed)
    moments(uniform, t("tensors.m_expected_mean"), t("tensors.m_expected_std"))
    curve_x, curve_y = lab.uniform_curve(low, high)
    st.plotly_chart(sample_histogram(uniform.values, curve_x, curve_y, uniform.expected_mean, uniform.sample_mean,
                                     curve=t("tensors.fig_curve_uniform"), chosen=t("tensors.fig_expected"),
                                     colour=PALETTE[2], **hist_labels), key="hist_uniform")
    ui.chart_summary(sample_summary(current_language(), uniform, "uniform"))
    if low == high:
        st.info(t("tensors.uniform_same"), icon="ℹ️")
    bold("tensors.rand_first", k=lab.FIRST_SHOWN)
    st.code(lab.first_values_text(uniform.values), language=None, wrap_lines=True)
    ui.code_panel(codegen.uniform_code(count, low, high, seed, lab.FIRST_SHOWN), "random_uniform.py", "uniform")
    st.caption(t("tensors.uniform_expected"))
st.caption(t("tensors.rand_note"))

# --------------------------------------------------------------------------- 3. immutability
st.header(t("tensors.immut_header"), divider="gray")
st.markdown(t("tensors.immut_text"))
c1, c2 = st.columns([1, 2], gap="large")
with c1:
    bold("tensors.immut_numpy")
    st.code(np.array2string(lab.numpy_item_assignment(), separator=", "), language=None)
with c2:
    bold("tensors.immut_tf")
    error = lab.tensor_item_assignment()
    if error is None:
        st.warning(t("tensors.immut_no_error"))
    else:
        ui.show_tf_error(error.message, error.kind)
st.info(t("tensors.immut_why"), icon="💡")
ui.code_panel(codegen.immutability_code(), "immutability.py", "immut")

# --------------------------------------------------------------------------- 4. tf.Variable
st.header(t("tensors.var_header"), divider="gray")
st.markdown(t("tensors.var_text"))

state = st.session_state


def reset_variable() -> None:
    state["tensors_v"] = lab.initial_variable()
    state["tensors_log"] = []
    state["tensors_last"] = None


if "tensors_v" not in state:
    reset_variable()

buttons, shown = st.columns([2, 3], gap="large")
with buttons:
    bold("tensors.var_ops")
    clicked = None
    for var_op in lab.VAR_OPS:
        if st.button(f"`{codegen.VARIABLE_OP_LINES[var_op]}`", key=f"v_{var_op}", width="stretch"):
            clicked = var_op
    if st.button(t("tensors.var_reset"), key="v_reset", icon="🔄", width="stretch", type="tertiary"):
        reset_variable()
if clicked is not None:
    before = state["tensors_v"]
    after, error = lab.apply_variable_op(before, clicked)
    state["tensors_v"] = after
    state["tensors_log"] = [*state["tensors_log"], (clicked, error.kind if error else None)]
    state["tensors_last"] = (clicked, before, after, error)

with shown:
    last = state["tensors_last"]
    if last is None:
        bold("tensors.var_current")
        st.table(lab.to_frames(state["tensors_v"])[0][1])
    else:
        last_op, before, after, error = last
        st.markdown(t("tensors.var_last", line=codegen.VARIABLE_OP_LINES[last_op]))
        b1, b2 = st.columns(2)
        with b1:
            bold("tensors.var_before")
            st.table(lab.to_frames(before)[0][1])
        with b2:
            bold("tensors.var_after")
            st.table(lab.to_frames(after)[0][1])

    bold("tensors.var_log")
    log = state["tensors_log"]
    if not log:
        st.caption(t("tensors.var_log_empty"))
    else:
        recent = log[-6:]
        first_number = len(log) - len(recent) + 1
        if first_number > 1:
            st.caption(t("tensors.var_log_more", n=first_number - 1))
        lines = []
        for number, (logged_op, kind_of_error) in enumerate(recent, start=first_number):
            status = t("tensors.var_log_error", kind=kind_of_error) if kind_of_error else t("tensors.var_log_ok")
            lines.append(f"{number}. `{codegen.VARIABLE_OP_LINES[logged_op]}` — {status}")
        st.markdown("\n".join(lines))
last = state["tensors_last"]
if last is not None and last[3] is not None:  # the refused assignment, full width so the message fits
    ui.show_tf_error(last[3].message, last[3].kind)
    st.caption(t("tensors.var_failed"))
st.caption(t("tensors.var_note"))
ui.code_panel(codegen.variable_code([logged for logged, _ in state["tensors_log"]]), "variable.py", "var")

# --------------------------------------------------------------------------- 5. basic operations
st.header(t("tensors.ops_header"), divider="gray")
st.markdown(t("tensors.ops_text"))
c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
op = ui.control(C["op"], c1, format_func=codegen.OP_LABELS.get)
binary = op in lab.BINARY_OPS
shape_a = ui.control(C["sa"], c2, format_func=shape_label)
shape_b = ui.control(C["sb"], c3, format_func=shape_label, disabled=not binary)
axis_choice = ui.control(C["axis"], c4, format_func=codegen.AXIS_LABELS.get, disabled=op != "reduce_mean")
c1.caption(t(f"tensors.op_{op}"))
if op == "reduce_mean":
    c4.caption(t(f"tensors.axis_{axis_choice}"))

a = lab.operand(lab.parse_shape(shape_a), "a")
b = lab.operand(lab.parse_shape(shape_b), "b") if binary else None
axis = lab.axis_value(axis_choice) if op == "reduce_mean" else None
result = lab.basic_op(op, a, b, axis)

cols = st.columns(3 if binary else 2, gap="large")
with cols[0]:
    st.markdown(t("tensors.ops_operand_a", shape=lab.shape_code(a.shape)))
    show_tensor(a)
if binary:
    with cols[1]:
        st.markdown(t("tensors.ops_operand_b", shape=lab.shape_code(b.shape)))
        show_tensor(b)
with cols[-1]:
    if result.error is None:
        st.markdown(t("tensors.ops_result", shape=lab.shape_code(result.shape)))
        show_tensor(result.value)
        st.metric(t("tensors.ops_result_shape"), lab.shape_code(result.shape))
        if np.isnan(result.value).any():
            st.caption(t("tensors.ops_nan_note"))
    else:
        st.markdown(t("tensors.ops_no_result"))
if result.error is not None:
    ui.show_tf_error(result.error.message, result.error.kind)
    st.caption(t("tensors.ops_error_note"))
if op == "matmul":
    st.markdown(t("tensors.ops_matmul_rule"))
st.info(t("tensors.broadcast_rule"), icon="📏")
ui.code_panel(codegen.op_code(op, a, b, axis), "tensor_ops.py", "ops")
