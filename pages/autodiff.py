from lib.core.streamlit_internals import require_entry_point

require_entry_point()  # before any heavy import: a deep link on a fresh server restarts through the entry point

import plotly.io  # noqa: F401  (imported early so the first chart draws fast)
import streamlit as st

from lib.core import ui
from lib.core.i18n import current_language, t
from lib.core.numbers import fmt
from lib.lessons.autodiff import code, lab, summary
from lib.lessons.autodiff import figures as figs
from lib.lessons.autodiff.controls import CONTROLS as C


def num(value: float | None, digits: int = 4) -> str:
    """A number as the page prints it; a missing gradient prints as ``None``, as Python prints it."""
    return fmt(value, digits, undefined="None")


st.title(t("autodiff.title"))
st.markdown(t("autodiff.intro"))

# --------------------------------------------------------------------------- 1. the tape on f(x)
st.header(t("autodiff.s1_header"))
st.markdown(t("autodiff.s1_text"))

controls, results = st.columns([1, 2], gap="large")
with controls.container(border=True):
    fn = ui.control(C["fn"], format_func=lambda c: t(f"autodiff.fn.{c}"))
    x = ui.control(C["x"])
    h_code = ui.control(C["h"])
    st.caption(t("autodiff.controls_caption"))

tape = lab.tape_gradient(fn, x, float(h_code))
with results:
    row = st.columns(2)
    row[0].metric(t("autodiff.m_value"), num(tape.value), border=True)
    row[1].metric(t("autodiff.m_gradient"), num(tape.gradient), border=True)
    row = st.columns(2)
    row[0].metric(t("autodiff.m_fd", h=h_code), num(tape.finite_diff), border=True)
    row[1].metric(t("autodiff.m_diff"), f"{tape.difference:.2e}", border=True)
    st.markdown(t("autodiff.by_hand", formula=t(f"autodiff.deriv.{fn}")))
    if fn == "relu":
        if tape.x == 0:
            st.info(t("autodiff.relu_zero", fd=num(tape.finite_diff)), icon="📌")
        else:
            st.caption(t("autodiff.relu_note"))

st.subheader(t("autodiff.fd_header"))
fd_text, fd_plot = st.columns([1, 1], gap="large")
fd_text.markdown(t("autodiff.fd_text"))
errors = lab.finite_difference_errors(fn, x)
fd_plot.plotly_chart(
    figs.step_error_figure([float(s) for s in errors], list(errors.values()), float(h_code),
                           {"x": t("autodiff.fd_axis_h"), "y": t("autodiff.fd_axis_err"),
                            "chosen": t("autodiff.fd_chosen")}),
    key="fd_errors")
ui.chart_summary(summary.step_errors_summary(current_language(), errors, h_code), fd_plot)
ui.code_panel(code.tape_code(fn, x, h_code), "gradient_tape.py", "tape")

# --------------------------------------------------------------------------- 2. the tangent line
st.header(t("autodiff.s2_header"))
st.markdown(t("autodiff.s2_text"))
show_deriv = ui.control(C["deriv"])
xs, ys, dys = lab.curve_and_derivative(fn)
labels = {"f": t("autodiff.trace_f", name=t(f"autodiff.name.{fn}")), "tangent": t("autodiff.trace_tangent"),
          "point": t("autodiff.trace_point"), "deriv": t("autodiff.trace_deriv"),
          "x": t("autodiff.axis_x"), "y": t("autodiff.axis_fx"), "dy": t("autodiff.axis_dfx")}
st.plotly_chart(figs.tangent_figure(xs, ys, tape.x, tape.value, tape.gradient, dys if show_deriv else None, labels),
                key="tangent")
ui.chart_summary(summary.tangent_summary(current_language(), tape))
st.caption(t("autodiff.s2_caption", slope=num(tape.gradient)))
ui.code_panel(code.curve_code(fn, x), "tangent_and_grid.py", "curve")

# --------------------------------------------------------------------------- 3. two variables
st.header(t("autodiff.s3_header"))
st.markdown(t("autodiff.s3_text", x=lab.SAMPLE_X, target=lab.SAMPLE_TARGET))
left, right = st.columns([1, 1.3], gap="large")
with left.container(border=True):
    w = ui.control(C["w"])
    b = ui.control(C["b"])
left.markdown(t("autodiff.s3_by_hand"))
two = lab.two_variable_gradients(w, b)
ws, bs, surface = lab.loss_surface()
labels = {"w": t("autodiff.axis_w"), "b": t("autodiff.axis_b"), "loss": t("autodiff.loss_name"),
          "point": t("autodiff.trace_wb"), "arrow": t("autodiff.trace_descent")}
right.plotly_chart(figs.loss_figure(ws, bs, surface, two.w, two.b, two.grad_w, two.grad_b, labels), key="loss_surface")
ui.chart_summary(summary.surface_summary(current_language(), two), right)
right.caption(t("autodiff.s3_caption"))
row = st.columns(4)
row[0].metric(t("autodiff.m_prediction"), num(two.prediction), border=True)
row[1].metric(t("autodiff.m_loss"), num(two.loss), border=True)
row[2].metric(t("autodiff.m_grad_w"), num(two.grad_w), border=True)
row[3].metric(t("autodiff.m_grad_b"), num(two.grad_b), border=True)
ui.code_panel(code.two_variable_code(w, b), "two_variables.py", "twovar")

# --------------------------------------------------------------------------- 4. tape.watch
st.header(t("autodiff.s4_header"))
st.markdown(t("autodiff.s4_text"))
watch = ui.control(C["watch"])
watched = lab.watched_gradient(fn, x, watch)
left, right = st.columns([1, 2], gap="large")
left.metric(t("autodiff.m_watch_gradient", x=num(tape.x, 1)), num(watched), border=True)
with right:
    if watched is None:
        st.info(t("autodiff.watch_off_note"), icon="🙈")
    else:
        st.success(t("autodiff.watch_on_note", gradient=num(watched)), icon="👀")
ui.code_panel(code.watch_code(fn, x, watch), "tape_watch.py", "watch")

# --------------------------------------------------------------------------- 5. second derivatives
st.header(t("autodiff.s5_header"))
st.markdown(t("autodiff.s5_text"))
left, right = st.columns([1, 2], gap="large")
t0 = ui.control(C["t"], left)
right.markdown(t("autodiff.s5_chain"))
fall = lab.falling(t0)
row = st.columns(3)
row[0].metric(t("autodiff.m_position"), num(fall.position), border=True)
row[1].metric(t("autodiff.m_speed"), num(fall.speed), border=True)
row[2].metric(t("autodiff.m_acceleration"), num(fall.acceleration), border=True)
ts, positions, speeds, accelerations = lab.falling_curves()
st.plotly_chart(
    figs.falling_figure(ts, positions, speeds, accelerations, fall.time,
                        (fall.position, fall.speed, fall.acceleration),
                        {"time": t("autodiff.axis_time"), "position": t("autodiff.m_position"),
                         "speed": t("autodiff.m_speed"), "acceleration": t("autodiff.m_acceleration")}),
    key="falling")
ui.chart_summary(summary.falling_summary(current_language(), fall, ts, accelerations))
st.caption(t("autodiff.s5_caption"))
ui.code_panel(code.falling_code(t0), "nested_tapes.py", "falling")

st.subheader(t("autodiff.second_header", name=t(f"autodiff.name.{fn}"), x=num(tape.x, 1)))
st.markdown(t("autodiff.second_text"))
second = lab.second_derivative(fn, x)
row = st.columns(3)
row[0].metric(t("autodiff.m_first"), num(second.first), border=True)
row[1].metric(t("autodiff.m_second"), num(second.second), border=True)
with row[2].container(border=True):
    st.markdown(t("autodiff.second_by_hand", first=t(f"autodiff.deriv.{fn}"), second=t(f"autodiff.second.{fn}")))
ui.code_panel(code.second_code(fn, x), "second_derivative.py", "second")

# --------------------------------------------------------------------------- recap
st.header(t("autodiff.recap_header"))
st.markdown(t("autodiff.recap"))
