from lib.core.streamlit_internals import require_entry_point

require_entry_point()  # before any heavy import: a deep link on a fresh server restarts through the entry point

from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import plotly.io  # noqa: F401  (imported early so the first chart draws fast)
import streamlit as st

from lib.core import numbers, ui
from lib.core.i18n import current_language, t
from lib.lessons.training import code, lab, summary
from lib.lessons.training import figures as figs
from lib.lessons.training.controls import CONTROLS as C

fmt_grad = lab.fmt_grad


def fmt(value: float, digits: int = 3) -> str:
    """A number as the page prints it: three decimals unless told, inf/NaN spelled out."""
    return numbers.fmt(value, digits, undefined="nan")


step_for = st.cache_data(max_entries=512, show_spinner=False)(lab.forward_backward)
descent_for = st.cache_data(max_entries=512, show_spinner=False)(lab.descend)
curve_for = st.cache_data(max_entries=4, show_spinner=False)(lab.loss_curve)


def num(value: float, digits: int = 2) -> str:
    """A number inside a formula; negatives in brackets so ``w·x`` stays readable."""
    text = fmt(value, digits)
    return f"({text})" if text.startswith("-") else text


def big(value: float) -> str:
    """Four decimals; three significant digits for a blown-up (divergent) or a tiny number."""
    return f"{value:.3g}" if abs(value) >= 1e6 or 0 < abs(value) < 1e-3 else fmt(value, 4)


Spec = TypeVar("Spec")


def checked(make: Callable[..., Spec], *values: object, **fields: object) -> Spec:
    """``make(*values, **fields)``; settings it refuses are shown to the learner and stop the page."""
    try:
        return make(*values, **fields)
    except ValueError as error:
        st.error(str(error), icon="⚠️")
        st.stop()


st.title(t("training.title"))
st.markdown(t("training.intro"))

# --------------------------------------------------------------------------- 1. forward pass by hand
st.header(t("training.s1_header"), divider="gray")
st.markdown(t("training.s1_text"))

GROUPS = (
    ("grp_inputs", ("x1", "x2", "target")),
    ("grp_h1", ("w11", "w21", "b1")),
    ("grp_h2", ("w12", "w22", "b2")),
    ("grp_out", ("v1", "v2", "c")),
)
values: dict[str, float] = {}
for column, (group, names) in zip(st.columns(4, gap="medium"), GROUPS, strict=True):
    with column.container(border=True):
        st.markdown(f"**{t(f'training.{group}')}**")
        for name in names:
            values[name] = ui.control(C[name], format="%.2f" if name == "target" else "%.1f")

net = checked(lab.NetSpec, **values)
first = step_for(net).before  # the forward pass does not depend on the learning rate

node_text = {"x1": f"x₁<br>{fmt(net.x1, 2)}", "x2": f"x₂<br>{fmt(net.x2, 2)}",
             "h1": f"h₁<br><b>{fmt(first.h[0])}</b>", "h2": f"h₂<br><b>{fmt(first.h[1])}</b>",
             "y": f"y<br><b>{fmt(first.y)}</b>"}
node_notes = {"h1": f"z₁ = {fmt(first.z_hidden[0])} · b₁ = {fmt(net.b1, 2)}",
              "h2": f"z₂ = {fmt(first.z_hidden[1])} · b₂ = {fmt(net.b2, 2)}",
              "y": f"z = {fmt(first.z_out)} · c = {fmt(net.c, 2)}"}
params = net.params()
st.markdown(f"**{t('training.fig_forward')}**")  # above the chart, where a phone wraps it
st.plotly_chart(
    figs.network_figure({n: f"{figs.symbol(n)} = {fmt(params[n], 2)}" for n, *_ in figs.EDGES}, params,
                        node_text, node_notes,
                        t("training.loss_box", target=fmt(net.target, 2), loss=fmt(first.loss, 6))),
    key="forward_net")
ui.chart_summary(summary.forward_summary(current_language(), net, first))

m = st.columns(4)
m[0].metric(t("training.m_h1"), fmt(first.h[0]), border=True)
m[1].metric(t("training.m_h2"), fmt(first.h[1]), border=True)
m[2].metric(t("training.m_y"), fmt(first.y), border=True)
m[3].metric(t("training.m_loss"), fmt(first.loss, 6), border=True)

st.markdown(t("training.steps_title"))
x1, x2 = num(net.x1), num(net.x2)
st.markdown(
    f"- $z_1 = w_{{11}}x_1 + w_{{21}}x_2 + b_1 = {num(net.w11)}\\cdot{x1} + {num(net.w21)}\\cdot{x2} + {num(net.b1)}"
    f" = {fmt(first.z_hidden[0])}$, $\\;h_1 = \\sigma(z_1) = {fmt(first.h[0])}$\n"
    f"- $z_2 = w_{{12}}x_1 + w_{{22}}x_2 + b_2 = {num(net.w12)}\\cdot{x1} + {num(net.w22)}\\cdot{x2} + {num(net.b2)}"
    f" = {fmt(first.z_hidden[1])}$, $\\;h_2 = \\sigma(z_2) = {fmt(first.h[1])}$\n"
    f"- $z = v_1h_1 + v_2h_2 + c = {num(net.v1)}\\cdot{fmt(first.h[0])} + {num(net.v2)}\\cdot{fmt(first.h[1])}"
    f" + {num(net.c)} = {fmt(first.z_out)}$, $\\;y = \\sigma(z) = {fmt(first.y)}$\n"
    f"- $L = \\tfrac12 (y - t)^2 = \\tfrac12 ({fmt(first.y)} - {fmt(net.target, 2)})^2 = {fmt(first.loss, 6)}$"
)
st.caption(t("training.s1_caption"))
ui.code_panel(code.forward_code(net), "forward_pass.py", "forward")

# --------------------------------------------------------------------------- 2. backprop and one step
st.header(t("training.s2_header"), divider="gray")
st.markdown(t("training.s2_text"))

step = step_for(net)  # the gradients do not depend on the learning rate either
g = step.grads

dy = step.before.y - net.target
st.markdown(f"**{t('training.fig_backward')}**")  # above the chart, where a phone wraps it
st.plotly_chart(
    figs.network_figure(
        {n: f"∂L/∂{figs.symbol(n)} = {fmt_grad(g[n])}" for n, *_ in figs.EDGES}, g,
        {"x1": f"x₁<br>{fmt(net.x1, 2)}", "x2": f"x₂<br>{fmt(net.x2, 2)}",
         "h1": f"δ₁<br><b>{fmt_grad(step.delta_hidden[0])}</b>", "h2": f"δ₂<br><b>{fmt_grad(step.delta_hidden[1])}</b>",
         "y": f"δ<br><b>{fmt_grad(step.delta_out)}</b>"},
        {"h1": f"∂L/∂b₁ = δ₁ = {fmt_grad(g['b1'])}", "h2": f"∂L/∂b₂ = δ₂ = {fmt_grad(g['b2'])}",
         "y": f"∂L/∂c = δ = {fmt_grad(g['c'])}"},
        t("training.back_loss_box", dy=fmt(dy, 4))),
    key="backward_net")
ui.chart_summary(summary.backward_summary(current_language(), step))

st.markdown(t("training.chain_title"))
h1, h2 = fmt(step.before.h[0]), fmt(step.before.h[1])
st.markdown(
    f"- $\\delta = (y - t)\\,y(1 - y) = ({fmt(step.before.y)} - {fmt(net.target, 2)})\\cdot{fmt(step.before.y)}"
    f"\\cdot(1 - {fmt(step.before.y)}) = {fmt_grad(step.delta_out)}$\n"
    f"- $\\partial L/\\partial v_1 = \\delta\\,h_1 = {fmt_grad(g['v1'])}$, "
    f"$\\;\\partial L/\\partial v_2 = \\delta\\,h_2 = {fmt_grad(g['v2'])}$, $\\;\\partial L/\\partial c = \\delta$\n"
    f"- $\\delta_1 = \\delta\\,v_1\\,h_1(1 - h_1) = {fmt_grad(step.delta_out)}\\cdot{num(net.v1)}\\cdot{h1}"
    f"\\cdot(1 - {h1}) = {fmt_grad(step.delta_hidden[0])}$\n"
    f"- $\\delta_2 = \\delta\\,v_2\\,h_2(1 - h_2) = {fmt_grad(step.delta_out)}\\cdot{num(net.v2)}\\cdot{h2}"
    f"\\cdot(1 - {h2}) = {fmt_grad(step.delta_hidden[1])}$\n"
    f"- $\\partial L/\\partial w_{{ij}} = \\delta_j\\,x_i$: $\\;\\partial L/\\partial w_{{11}} = \\delta_1 x_1"
    f" = {fmt_grad(g['w11'])}$, $\\;\\partial L/\\partial w_{{21}} = \\delta_1 x_2 = {fmt_grad(g['w21'])}$"
)

left, right = st.columns([1, 2.3], gap="large")
with left:
    with st.container(border=True):
        lr = ui.control(C["step_lr"], format="%.1f")
    st.markdown(t("training.update_text"))
net = checked(lab.NetSpec, **values, lr=lr)
step = step_for(net)
table = pd.DataFrame({
    t("training.col_param"): [figs.symbol(n) for n in lab.PARAMS],
    t("training.col_before"): [fmt(params[n], 4) for n in lab.PARAMS],
    t("training.col_grad"): [fmt_grad(g[n]) for n in lab.PARAMS],
    t("training.col_hand"): [fmt_grad(step.hand[n]) for n in lab.PARAMS],
    t("training.col_after"): [fmt(step.new_params[n], 4) for n in lab.PARAMS],
})
right.dataframe(table, hide_index=True, width="stretch")

m = st.columns(3)
m[0].metric(t("training.m_loss_before"), fmt(step.before.loss, 6), border=True)
m[1].metric(t("training.m_loss_after"), fmt(step.after.loss, 6), delta=fmt(step.loss_change, 6),
            delta_color="inverse", border=True)
m[2].metric(t("training.m_y_after"), fmt(step.after.y), delta=fmt(step.after.y - step.before.y, 4),
            delta_color="off", border=True)
if max(abs(v) for v in g.values()) < 1e-9:
    st.info(t("training.s2_flat"), icon="🫥")
elif step.after.loss < step.before.loss:
    pct = 100 * (step.before.loss - step.after.loss) / step.before.loss
    st.success(t("training.s2_better", lr=fmt(net.lr, 1), before=fmt(step.before.loss, 6),
                 after=fmt(step.after.loss, 6), pct=fmt(pct, 1)), icon="📉")
else:
    st.warning(t("training.s2_worse", lr=fmt(net.lr, 1), before=fmt(step.before.loss, 6),
                 after=fmt(step.after.loss, 6), y_before=fmt(step.before.y), y_after=fmt(step.after.y),
                 target=fmt(net.target, 2)), icon="💥")
ui.code_panel(code.backprop_code(net), "backprop_step.py", "backprop")

# --------------------------------------------------------------------------- 3. epochs, batches, iterations
st.header(t("training.s3_header"), divider="gray")
st.markdown(t("training.s3_text"))

n, batch, epochs = ui.control_row(C, "samples", "batch_size", "n_epochs", gap="large")
bspec = checked(lab.BatchSpec, n=n, batch_size=batch, epochs=epochs)

m = st.columns(3)
m[0].metric(t("training.m_per_epoch"), bspec.per_epoch, border=True)
m[1].metric(t("training.m_total"), bspec.total, border=True)
m[2].metric(t("training.m_last"), bspec.last_batch, border=True)
st.markdown(t("training.s3_formula", n=bspec.n, b=bspec.batch_size, per_epoch=bspec.per_epoch,
              epochs=bspec.epochs, total=bspec.total))
if bspec.batch_size >= bspec.n:
    st.info(t("training.s3_full_batch", n=bspec.n), icon="🧺")
elif bspec.last_batch < bspec.batch_size:
    st.info(t("training.s3_remainder", n=bspec.n, b=bspec.batch_size, last=bspec.last_batch), icon="✂️")
else:
    st.caption(t("training.s3_even", n=bspec.n, b=bspec.batch_size))

fig, group = figs.batches_figure(bspec.n, bspec.batch_size, bspec.epochs, {
    "epoch": t("training.fig_epoch"), "full": t("training.fig_full"), "last": t("training.fig_last"),
    "x": t("training.fig_x"), "hover": t("training.fig_hover"), "more": t("training.fig_more")})
st.plotly_chart(fig, key="batches")
ui.chart_summary(summary.batches_summary(current_language(), bspec))
st.caption(t("training.s3_fig_caption") + (" " + t("training.s3_grouped", group=group) if group > 1 else ""))

st.subheader(t("training.s3_fit_header"))
st.markdown(t("training.s3_fit_text"))
if bspec.runnable:
    run, trained_now = ui.train_timed(bspec, run=lab.run_batches)
    ui.run_notices(run)
    if run.iterations == bspec.total:
        st.success(t("training.s3_fit_match", iterations=run.iterations, per_epoch=bspec.per_epoch,
                     epochs=bspec.epochs), icon="✅")
    else:
        st.error(t("training.s3_fit_mismatch", iterations=run.iterations, total=bspec.total))
    m = st.columns(4)
    m[0].metric(t("training.m_fit_iters"), run.iterations, border=True)
    m[1].metric(t("training.m_fit_loss"), fmt(run.loss[-1], 4), border=True)
    m[2].metric(t("training.m_fit_acc"), fmt(run.accuracy[-1], 3), border=True)
    ui.run_time_metric(m[3], t("training.m_fit_time"), f"{run.seconds:.2f} s", trained_now)
    st.plotly_chart(figs.fit_history_figure(run.iterations_after_epoch, run.loss, {
        "x": t("training.fig_fit_x"), "y": t("training.fig_fit_y"), "trace": t("training.fig_fit_trace"),
        "epoch": t("training.fig_fit_epoch")}), key="fit_history")
    ui.chart_summary(summary.fit_summary(current_language(), run))
    st.caption(t("training.s3_fit_caption"))
else:
    st.info(t("training.s3_too_many", total=bspec.total, limit=lab.MAX_FIT_ITERATIONS), icon="⏱️")
st.caption(t("training.s3_seed_note"))
ui.code_panel(code.batches_code(bspec, run=bspec.runnable), "epochs_batches.py", "batches")

# --------------------------------------------------------------------------- 4. gradient descent picture
st.header(t("training.s4_header"), divider="gray")
st.markdown(t("training.s4_text"))

glr, w0, steps = ui.control_row(C, "gd_lr", "gd_w0", "gd_steps", gap="large")
dspec = checked(lab.DescentSpec, lr=glr, w0=w0, steps=steps)
descent = descent_for(dspec)

name = t(f"training.regime_{descent.regime}")
why = t(f"training.why_{descent.regime}", name=name, factor=fmt(dspec.factor, 2),
        abs_factor=fmt(abs(dspec.factor), 2))
if descent.diverged:  # one red box: why it diverges and what that does to the loss
    st.error(why + "\n\n" + t("training.s4_diverged", first=fmt(descent.path_loss[0], 2),
                                  last=f"{descent.path_loss[-1]:.3g}"), icon="💥")
else:
    {"too_small": st.info, "good": st.success, "too_large": st.warning}[descent.regime](why)

m = st.columns(3)
m[0].metric(t("training.m_final_w"), big(descent.final_w), border=True)
m[1].metric(t("training.m_final_loss"), big(descent.final_loss), border=True)
m[2].metric(t("training.m_factor"), fmt(dspec.factor, 2), border=True)

curve_w, curve_loss = curve_for(*lab.W0_RANGE)
st.plotly_chart(figs.descent_figure(curve_w, curve_loss, descent.path_w, descent.path_loss, {
    "curve": t("training.fig_curve"), "path": t("training.fig_path"), "end": t("training.fig_end"),
    "w": t("training.fig_w"), "loss": t("training.fig_loss"), "step": t("training.fig_step"),
    "loss_log": t("training.fig_loss_log"),
    "escaped": t("training.fig_escaped")}, escaped=descent.nonfinite_at is not None), key="descent")
ui.chart_summary(summary.descent_summary(current_language(), descent))
st.caption(t("training.s4_caption"))
if descent.nonfinite_at is not None:
    st.warning(t("training.s4_overflow", step=descent.nonfinite_at), icon="♾️")
ui.code_panel(code.descent_code(dspec), "gradient_descent.py", "descent")

# --------------------------------------------------------------------------- recap
st.header(t("training.recap_header"), divider="gray")
st.markdown(t("training.recap"))
