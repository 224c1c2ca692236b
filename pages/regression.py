
from lib.core.streamlit_internals import require_entry_point

require_entry_point()  # before any heavy import: a deep link on a fresh server restarts through the entry point

import plotly.io  # noqa: F401  (imported early so the first chart draws fast)
import streamlit as st

from lib.core import data as data_mod
from lib.core import ui
from lib.core.i18n import current_language, t
from lib.core.specs import OptimizerSpec
from lib.lessons.regression import code, lab, summary, training
from lib.lessons.regression import evaluation as ev
from lib.lessons.regression import figures as figs
from lib.lessons.regression.controls import CONTROLS as C
from lib.lessons.regression.training import fmt_loss


def bold(key: str, **values: object) -> None:
    st.markdown(f"**{t(key, **values)}**")


@st.cache_data(max_entries=64, show_spinner=False)
def batch_demo(spec: lab.SplitSpec) -> lab.BatchDemo:
    return lab.batch_demo(spec)


def show_pairs(demo: lab.BatchDemo, features: tuple[str, ...], apart: bool) -> None:
    frame = lab.pairs_frame(demo, features, apart).rename(columns={
        "y": t("regression.col_y"), "truth": t("regression.col_truth"), "ok": t("regression.col_ok")})
    st.dataframe(frame, hide_index=True, width="stretch")


st.title(t("regression.title"))
st.markdown(t("regression.intro"))

# --------------------------------------------------------------------------- 1. the table
st.header(t("regression.s1_header"), divider="gray")
st.markdown(t("regression.s1_text"))
raw = lab.raw_frame()
clean = lab.clean_frame()
left, right = st.columns([3, 2], gap="large")
with left:
    bold("regression.raw_head")
    st.dataframe(raw.head(), hide_index=True, width="stretch")
with right:
    m = st.columns(2)
    m[0].metric(t("regression.m_raw_shape"), f"{raw.shape[0]} × {raw.shape[1]}")
    m[1].metric(t("regression.m_clean_shape"), f"{clean.shape[0]} × {clean.shape[1]}")
    st.download_button(t("regression.download_csv"), data_mod.ADVERTISING_CSV.read_bytes(),
                       file_name="Advertising.csv", mime="text/csv", key="dl_csv", icon="⬇️")
    st.caption(t("regression.source"))
st.markdown(t("regression.drop_text"))
bold("regression.describe")
st.dataframe(clean.describe().round(2), width="stretch")

bold("regression.choose_features")
cols = st.columns(len(lab.FEATURES) + 1)
features = tuple(name for col, name in zip(cols, lab.FEATURES, strict=False)
                 if ui.control(C[lab.FEATURE_KEYS[name]], col,
                               label=t("regression.use_feature", name=t(f"regression.feature.{name}"))))
cols[-1].markdown(t("regression.target_is", target=lab.TARGET))
column_names = {name: t(f"regression.feature.{name}") for name in (*lab.FEATURES, lab.TARGET)}
st.plotly_chart(figs.feature_scatter(clean, lab.FEATURES, features, lab.TARGET, lab.correlations(),
                                     {"x": t("regression.fig_budget"), "y": column_names[lab.TARGET],
                                      **column_names}), key="features")
ui.chart_summary(summary.features_summary(current_language(), lab.correlations(), features))
st.caption(t("regression.features_caption"))
ui.code_panel(code.data_code(features or lab.FEATURES), "advertising_data.py", "data")

# ----------------------------------------------------------------------- 3. model, compile, fit
@ui.section
def model_sections(split_spec: lab.SplitSpec, features: tuple[str, ...]) -> None:
    """Sections 3-4: the model is trained and evaluated here; their controls rerun only these sections."""
    st.header(t("regression.s3_header"), divider="gray")
    st.markdown(t("regression.s3_text"))
    c1, c2, c3 = st.columns(3, gap="large")
    arch = ui.control(C["hidden"], c1, format_func=lambda a: t("regression.hidden_none") if a == "none"
                      else " → ".join(f"Dense({u})" for u in lab.ARCHITECTURES[a]) + " → Dense(1)")
    activation = ui.control(C["act"], c2, disabled=arch == "none")
    scale = ui.control(C["scale"], c3)
    c1, c2, c3 = st.columns(3, gap="large")
    opt_name = ui.control(C["opt"], c1)
    lr_code = ui.control(C["lr"], c2)
    epochs = ui.control(C["epochs"], c3)
    spec = lab.RegressionSpec(split_spec, lab.ARCHITECTURES[arch], activation, bool(scale),
                              OptimizerSpec(opt_name, lab.parse_learning_rate(lr_code)), int(epochs))

    # The text goes above, full width: beside the few rows of model.summary() it left a tall gap under them.
    st.markdown(t("regression.model_text"))
    left, right = st.columns([3, 2], gap="large")
    with left:
        bold("regression.layers_title")
        st.table(training.layer_frame(spec).rename(columns={
            "layer": t("regression.col_layer"), "shape": t("regression.col_shape"),
            "params": t("regression.col_params")}))
    with right:
        if scale:
            st.caption(t("regression.scale_on"))
        else:
            st.caption(t("regression.scale_off"))
        if activation == "linear" and arch != "none":
            st.caption(t("regression.linear_note"))

    result, trained_now = ui.train_timed(spec, run=training.train)
    ui.run_notices(result)
    baseline = lab.mean_baseline(split_spec)
    status = training.loss_status(result, baseline)
    if status == "diverged":
        st.error(t("regression.diverged_text", epoch=training.first_bad_epoch(result) or result.epochs_run,
                   optimizer=t(f"common.optimizer.{opt_name}"), lr=lr_code)
                 + ("" if scale else " " + t("regression.diverged_scale_hint")), icon="💥")
    elif status == "grew":
        st.warning(t("regression.grew_text", first=fmt_loss(result.history["loss"][0]),
                     last=fmt_loss(result.history["loss"][-1])), icon="📈")
    elif status == "huge":
        st.warning(t("regression.huge_text", first=fmt_loss(result.history["loss"][0]),
                     last=fmt_loss(result.history["loss"][-1]), baseline=fmt_loss(baseline)), icon="🚀")

    chart, side = st.columns([3, 2], gap="large")
    with chart:
        log_y = ui.control(C["logy"])
        st.plotly_chart(figs.loss_figure(result.history, {
            "loss": t("regression.fig_loss"), "val_loss": t("regression.fig_val_loss"),
            "x": t("regression.fig_epoch"), "y": t("regression.fig_mse")}, log_y=log_y), key="loss_curve")
        ui.chart_summary(summary.loss_summary(current_language(), result.history))
    with side:
        final = {k: v[-1] for k, v in result.history.items() if v}
        m = st.columns(2)
        m[0].metric(t("regression.m_loss"), fmt_loss(final.get("loss", float("nan"))))
        m[1].metric(t("regression.m_val_loss"), fmt_loss(final.get("val_loss", float("nan"))))
        m = st.columns(2)
        m[0].metric(t("regression.m_epochs_run"), f"{result.epochs_run} / {spec.epochs}")
        ui.run_time_metric(m[1], t("regression.m_seconds"), f"{result.seconds:.2f} s", trained_now,
                           border=False)
        st.caption(t("regression.loss_caption"))

    st.subheader(t("regression.verbose_header"))
    c1, c2 = st.columns([1, 2], gap="large")
    with c1:
        verbose = ui.control(C["verbose"], format_func=lambda v: t(f"regression.verbose_{v}"))
    c2.markdown(t("regression.verbose_text"))
    log = training.keras_log(result, verbose, spec.epochs)
    if log:
        bold("regression.verbose_printed")
        st.code(log, language=None)
        st.caption(t("regression.verbose_rebuilt"))
    else:
        st.info(t("regression.verbose_silent"), icon="🤫")
    ui.code_panel(code.fit_code(spec, verbose), "advertising_fit.py", "fit")

    # ----------------------------------------------------------------------- 4. evaluate and predict
    st.header(t("regression.s4_header"), divider="gray")
    st.markdown(t("regression.s4_text"))
    ols = ev.least_squares(split_spec)
    net = None if result.diverged else ev.scores(result.y_test, result.pred)
    m = st.columns(3)
    test_mse = fmt_loss(result.test_mse) if net is not None else t("regression.not_a_number")
    m[0].metric(t("regression.m_test_mse"), test_mse)
    m[1].metric(t("regression.m_ols_mse"), f"{ols.scores.mse:.4f}")
    ratio = f"{net.mse / ols.scores.mse:.3g}×" if net is not None else "—"
    m[2].metric(t("regression.m_ratio"), ratio)
    outcome = ev.verdict(net, ols.scores)
    message = t(f"regression.verdict_{outcome}", net=test_mse, ols=f"{ols.scores.mse:.4f}")
    {"beats": st.success, "matches": st.info, "worse": st.warning, "diverged": st.warning}[outcome](message)

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.plotly_chart(figs.prediction_figure(result.y_test, result.pred if net is not None else None, ols.pred, {
            "network": t("regression.fig_network"), "ols": t("regression.fig_ols"),
            "identity": t("regression.fig_identity"), "x": t("regression.fig_actual"),
            "y": t("regression.fig_predicted")}), key="pred_vs_actual")
        ui.chart_summary(summary.prediction_summary(current_language(), len(result.y_test), net, ols.scores))
        st.caption(t("regression.scatter_caption"))
    with right:
        bold("regression.scores")
        st.table(ev.score_frame(net, ols.scores).rename(columns={
            "network": t("regression.col_network"), "least_squares": t("regression.col_ols")}))
        st.caption(t("regression.scores_caption"))
        bold("regression.ols_plane")
        st.code(ev.ols_formula(ols, features), language=None, wrap_lines=True)

    bold("regression.first_rows", n=lab.SHOWN_ROWS)
    shown_pred = None if net is None else result.pred
    st.dataframe(ev.prediction_table(result.y_test, shown_pred, ols.pred).round(3).rename(columns={
        "label": t("regression.col_label"), "prediction": t("regression.col_prediction"),
        "error": t("regression.col_error"), "least_squares": t("regression.col_ols")}),
        hide_index=True, width="stretch")
    ui.code_panel(code.evaluate_code(spec, verbose), "advertising_regression.py", "evaluate")


if not features:
    st.warning(t("regression.no_features"), icon="☝️")
else:
    # ----------------------------------------------------------------------- 2. split and tf.data
    st.header(t("regression.s2_header"), divider="gray")
    st.markdown(t("regression.s2_text"))
    c1, c2, c3 = st.columns(3, gap="large")
    test_size = ui.control(C["test"], c1)
    val_size = ui.control(C["val"], c2)
    seed = ui.control(C["seed"], c3)
    c1, c2, _ = st.columns(3, gap="large")
    batch_size = ui.control(C["batch"], c1)
    buffer = ui.control(C["buffer"], c2, format_func=lambda b: t("regression.buffer_none") if b == 1 else str(b))
    split_spec = lab.SplitSpec(features, round(test_size, 2), round(val_size, 2), int(seed), batch_size, buffer)
    parts = lab.split(split_spec)

    m = st.columns(4)
    m[0].metric(t("regression.m_train_rows"), len(parts.y_train))
    m[1].metric(t("regression.m_val_rows"), len(parts.y_val))
    m[2].metric(t("regression.m_test_rows"), len(parts.y_test))
    m[3].metric(t("regression.m_batches"), -(-len(parts.y_train) // batch_size))
    if buffer < len(parts.y_train):
        st.caption(t("regression.buffer_small", buffer=buffer, n=len(parts.y_train)))

    demo = batch_demo(split_spec)
    left, right = st.columns([3, 2], gap="large")
    with left:
        bold("regression.first_batch", n=len(demo.y_pairs))
        st.dataframe(lab.batch_frame(demo.x_pairs, demo.y_pairs, features), hide_index=True, width="stretch",
                     height=250)
    with right:
        st.markdown(t("regression.first_batch_text", x=f"({len(demo.y_pairs)}, {len(features)})",
                      y=f"({len(demo.y_pairs)},)"))

    st.subheader(t("regression.pitfall_header"))
    st.markdown(t("regression.pitfall_text"))
    together, apart = st.columns(2, gap="large")
    with together:
        bold("regression.together")
        st.metric(t("regression.m_broken"), t("regression.broken_of", k=demo.broken_pairs, n=len(demo.y_pairs)))
        show_pairs(demo, features, apart=False)
    with apart:
        bold("regression.apart")
        st.metric(t("regression.m_broken"), t("regression.broken_of", k=demo.broken_apart, n=len(demo.y_apart)))
        show_pairs(demo, features, apart=True)
    if demo.broken_apart == 0:
        st.info(t("regression.pitfall_no_shuffle"), icon="ℹ️")
    else:
        st.caption(t("regression.pitfall_seed_note"))
    ui.code_panel(code.dataset_code(split_spec), "advertising_tf_data.py", "tfdata")

    model_sections(split_spec, features)

    # ----------------------------------------------------------------------- recap
    st.header(t("regression.recap_header"), divider="gray")
    st.markdown(t("regression.recap"))
