from lib.core.streamlit_internals import require_entry_point

require_entry_point()  # before any heavy import: a deep link on a fresh server restarts through the entry point

from dataclasses import replace

import plotly.io  # noqa: F401  (imported early so the first chart draws fast)
import streamlit as st

from lib.core import ui
from lib.core.i18n import current_language, t
from lib.lessons.linear import code, lab, summary
from lib.lessons.linear import figures as figs
from lib.lessons.linear.controls import CONTROLS as C

num = summary.num  # four decimals; 1.49e+14 once huge or tiny, never cut; inf and nan as Python writes them


def bad_spec(exc: ValueError) -> None:
    st.error(t("linear.bad_spec", message=str(exc)), icon="⚠️")
    st.stop()


st.title(t("linear.title"))
st.markdown(t("linear.intro"))
axis_labels = {"x": t("linear.axis_x1"), "y": t("linear.axis_x2"), "neg": t("linear.class_neg"),
               "pos": t("linear.class_pos")}

# --------------------------------------------------------------------------- 1. the data
st.header(t("linear.s1_header"), divider="gray")
st.markdown(t("linear.s1_text"))
controls, plot = st.columns([1, 2], gap="large")
with controls.container(border=True):
    n = ui.control(C["samples"])
    st.caption(t("linear.n_caption", n=n, total=2 * n))
    neg_x, neg_y = ui.control_row(C, "neg_x", "neg_y", gap="small")  # row by row: Tab goes across, as one reads
    pos_x, pos_y = ui.control_row(C, "pos_x", "pos_y", gap="small")
    corr = ui.control(C["corr"])
    seed = ui.control(C["rng"])
try:
    data_spec = lab.LinearSpec(n_per_class=int(n), mean_neg=(lab.clean(neg_x), lab.clean(neg_y)),
                               mean_pos=(lab.clean(pos_x), lab.clean(pos_y)), corr=lab.clean(corr), seed=int(seed))
except ValueError as exc:
    bad_spec(exc)
inputs, targets = lab.dataset(data_spec)
box = lab.plot_box(inputs)
with plot:
    st.plotly_chart(figs.data_figure(inputs, targets, box, axis_labels), key="data_plot")
    ui.chart_summary(summary.data_summary(current_language(), inputs, data_spec.n_per_class))
neg_mean, pos_mean = lab.class_means(inputs, data_spec.n_per_class)
m = st.columns(3)
m[0].metric(t("linear.m_points"), f"{data_spec.n_points}", border=True)
m[1].metric(t("linear.m_neg_mean"), f"({neg_mean[0]:.3f}, {neg_mean[1]:.3f})", border=True)
m[2].metric(t("linear.m_pos_mean"), f"({pos_mean[0]:.3f}, {pos_mean[1]:.3f})", border=True)
if data_spec.mean_neg == data_spec.mean_pos:
    st.info(t("linear.same_means"), icon="ℹ️")
ui.code_panel(code.data_code(data_spec), "linear_data.py", "data")

# --------------------------------------------------------------------------- 2. model and training
st.header(t("linear.s2_header"), divider="gray")
st.markdown(t("linear.s2_text"))
with st.container(border=True):
    c1, c2, c3, c4 = st.columns([3, 3, 2, 3], gap="medium")
    lr = lab.clean(ui.control(C["lr"], c1), 4)
    steps = ui.control(C["steps"], c2)
    minibatch = ui.control(C["minibatch"], c3)
    batch_choice = ui.control(C["batch"], c4, disabled=not minibatch)
batch = min(int(batch_choice), data_spec.n_points)
if minibatch and batch < batch_choice:
    st.caption(t("linear.batch_clamped", batch=batch))
try:
    spec = replace(data_spec, learning_rate=lr, steps=int(steps), batch_size=batch if minibatch else None)
    other = replace(spec, batch_size=None if minibatch else batch)  # the comparison in section 5
except ValueError as exc:
    bad_spec(exc)
ui.prefetch(other, run=lab.train)  # section 5's run trains beside this one
run = ui.train(spec, run=lab.train)
curvature, critical = lab.critical_learning_rate(inputs)

m = st.columns(3)
m[0].metric(t("linear.m_first_loss"), num(run.losses[0]), border=True)
m[1].metric(t("linear.m_last_loss", step=run.steps_run - 1), num(run.losses[-1]), border=True)
m[2].metric(t("linear.m_accuracy"), num(run.accuracy), border=True)
w_last, b_last = run.state(run.steps_run)
st.markdown(t("linear.final_weights", w0=num(w_last[0]), w1=num(w_last[1]), b=num(b_last)))
if run.blew_up:
    st.error(t("linear.blew_up", step=run.steps_run - 1, lr=f"{lr:g}", critical=f"{critical:.3f}"), icon="💥")
elif run.growing:
    st.warning(summary.growing_warning(current_language(), run, f"{lr:g}", f"{critical:.3f}"), icon="📈")
elif run.accuracy >= 0.9:
    st.success(t("linear.trained", accuracy=f"{run.accuracy:.1%}", steps=run.steps_run), icon="✅")

left, right = st.columns(2, gap="large")
loss_series = [(t("linear.trace_printed_loss") if minibatch else t("linear.trace_loss"), run.losses,
                "thin" if minibatch else "main")]
if minibatch:
    loss_series.append((t("linear.trace_full_loss"), run.full_losses, "main"))
loss_labels = {"x": t("linear.axis_step"), "y": t("linear.axis_loss")}
left.plotly_chart(figs.loss_figure(loss_series, loss_labels), key="loss_plot")
ui.chart_summary(summary.curve_summary(current_language(), *loss_series[-1][:2]), left)  # the main trace
acc_labels = {"x": t("linear.axis_step"), "y": t("linear.axis_accuracy")}
right.plotly_chart(figs.accuracy_figure([(t("linear.trace_accuracy"), run.accuracies, "main")], acc_labels),
                   key="acc_plot")
ui.chart_summary(summary.curve_summary(current_language(), t("linear.trace_accuracy"), run.accuracies), right)
st.markdown(t("linear.printed_header"))
st.code("\n".join([*lab.loss_lines(run), f"Accuracy: {run.accuracy:.4f}"]), language=None)
st.caption(t("linear.printed_caption"))
ui.code_panel(code.training_code(spec), "linear_classifier.py", "train")

# --------------------------------------------------------------------------- 3. the decision boundary
@ui.section
def boundary_section(spec: lab.LinearSpec, run: lab.LinearRun, inputs, targets, box: tuple) -> None:
    """Section 3: the step scrubber redraws only this section (the run is already trained)."""
    st.header(t("linear.s3_header"), divider="gray")
    st.markdown(t("linear.s3_text"))
    step = ui.control(C["step"], hi=run.steps_run, default=run.steps_run)
    w_k, b_k = run.state(step)
    bd = lab.boundary(w_k, b_k, box)
    m = st.columns(3)
    m[0].metric(t("linear.m_step"), f"{step} / {run.steps_run}", border=True)
    m[1].metric(t("linear.m_full_loss"), num(run.full_losses[step]), border=True)
    m[2].metric(t("linear.m_step_accuracy"), num(run.accuracies[step]), border=True)
    left, right = st.columns([1, 2], gap="large")
    with left:
        st.markdown(t("linear.weights_at", w0=num(w_k[0]), w1=num(w_k[1]), b=num(b_k)))
        if bd.slope is not None:
            sign = "−" if bd.intercept < 0 else "+"
            st.markdown(t("linear.formula", slope=num(bd.slope), intercept=f"{sign} {num(abs(bd.intercept))}"))
        elif not bd.finite:
            st.warning(t("linear.no_line_nan"), icon="💥")
        else:
            st.info(t("linear.no_line_vertical"), icon="ℹ️")
        if bd.finite and bd.segment is None:
            st.caption(t("linear.line_outside"))
        st.caption(t("linear.shading_caption"))
    with right:
        labels = {**axis_labels, "line": t("linear.trace_boundary"), "region": t("linear.trace_region"),
                  "play": t("linear.play"), "frame": t("linear.frame_title")}
        st.plotly_chart(figs.boundary_figure(inputs, targets, run.w, run.b, step, box, labels), key="boundary_plot")
        ui.chart_summary(summary.boundary_summary(current_language(), run, step))
    st.info(t("linear.why_half"), icon="💡")
    ui.code_panel(code.boundary_code(spec, step, (box[0], box[1])), "decision_boundary.py", "boundary")


boundary_section(spec, run, inputs, targets, box)

# --------------------------------------------------------------------------- 4. the learning rate
st.header(t("linear.s4_header"), divider="gray")
st.markdown(t("linear.s4_text"))
m = st.columns(3)
m[0].metric(t("linear.m_curvature"), f"{curvature:.4f}", border=True)
m[1].metric(t("linear.m_critical"), f"{critical:.4f}", border=True)
m[2].metric(t("linear.m_your_lr"), f"{lr:g}", border=True)
verdict = "above" if lr >= critical else ("zigzag" if lr > critical / 2 else "smooth")
st.markdown(t(f"linear.lr_{verdict}", lr=f"{lr:g}", critical=f"{critical:.3f}"))
st.caption(t("linear.s4_try", critical=f"{critical:.3f}", default=f"{lab.default_critical():.3f}"))
ui.code_panel(code.critical_code(data_spec), "critical_learning_rate.py", "critical")

# --------------------------------------------------------------------------- 5. mini-batch vs full batch
st.header(t("linear.s5_header"), divider="gray")
st.markdown(t("linear.s5_text"))
other_run = ui.train(other, run=lab.train)
full_run, mini_run = (other_run, run) if minibatch else (run, other_run)
st.caption(t("linear.s5_setting", batch=batch, per_epoch=mini_run.spec.steps_per_epoch, steps=steps,
             epochs=f"{steps / mini_run.spec.steps_per_epoch:.2f}", n=data_spec.n_points))
full_name, mini_name = t("linear.trace_full_batch"), t("linear.trace_mini_batch", batch=batch)
left, right = st.columns(2, gap="large")
left.plotly_chart(figs.loss_figure([(full_name, full_run.full_losses, "dashed"),
                                    (mini_name, mini_run.full_losses, "main")],
                                   {"x": t("linear.axis_step"), "y": t("linear.axis_full_loss")}),
                  key="compare_loss")
ui.chart_summary(summary.compare_summary(current_language(), (full_name, mini_name),
                                         (full_run.full_losses, mini_run.full_losses)), left)
right.plotly_chart(figs.accuracy_figure([(full_name, full_run.accuracies, "dashed"),
                                         (mini_name, mini_run.accuracies, "main")], acc_labels),
                   key="compare_acc")
ui.chart_summary(summary.final_accuracy_summary(current_language(), (full_name, mini_name),
                                                (full_run.accuracies, mini_run.accuracies)), right)
m = st.columns(2)
m[0].metric(t("linear.m_full_final", name=full_name), f"{num(full_run.full_losses[-1])} · {full_run.accuracy:.2%}",
            border=True)
m[1].metric(t("linear.m_full_final", name=mini_name), f"{num(mini_run.full_losses[-1])} · {mini_run.accuracy:.2%}",
            border=True)
st.markdown(t("linear.s5_explain"))
ui.code_panel(code.training_code(mini_run.spec), "linear_classifier_minibatch.py", "minibatch")

# --------------------------------------------------------------------------- recap
st.header(t("linear.recap_header"), divider="gray")
st.markdown(t("linear.recap"))
