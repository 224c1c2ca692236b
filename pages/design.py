from lib.core.streamlit_internals import require_entry_point

require_entry_point()  # before any heavy import: a deep link on a fresh server restarts through the entry point

import math
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import plotly.io  # noqa: F401  (imported early so the first chart draws fast)
import streamlit as st

from lib.core import ui
from lib.core.device import shown_label
from lib.core.i18n import current_language, t
from lib.core.numbers import fmt
from lib.lessons.design import code, lab
from lib.lessons.design import compare as sr
from lib.lessons.design import figures as figs
from lib.lessons.design import further as fur
from lib.lessons.design import summary as said
from lib.lessons.design.controls import CONTROLS as C


@st.cache_data(max_entries=64, show_spinner=False)
def summary_for(spec: lab.DesignSpec, shape: tuple[int, int]) -> tuple[list[lab.KerasRow], int]:
    return lab.keras_summary(spec, shape)


@st.cache_data(max_entries=2, show_spinner=False)
def curves_for() -> tuple:
    return sr.activation_curves()


@st.cache_data(max_entries=64, show_spinner=False)
def gradients_for(spec: sr.GradientSpec, images: int) -> dict:
    return sr.layer_gradients(spec, lab.fashion_split(images))


@st.cache_data(max_entries=256, show_spinner=False)
def conv_for(spec: fur.ConvSpec) -> fur.ConvCount:
    return fur.conv_counts(spec)


Spec = TypeVar("Spec")


def checked(make: Callable[..., Spec], *values: object, **fields: object) -> Spec:
    """``make(*values, **fields)``; settings it refuses are shown to the learner and stop the page."""
    try:
        return make(*values, **fields)
    except ValueError as error:
        st.error(t("design.bad_settings", message=str(error)), icon="⚠️")
        st.stop()


def act_name(code_: str) -> str:
    return t(f"design.act_{code_}")


def further(part: str, *keys: str, **overrides: dict[str, Any]) -> list[Any]:
    """A "going further" part's heading and text, then its row of controls (their values, in order)."""
    st.subheader(t(f"design.{part}_header"))
    st.markdown(t(f"design.{part}_text"))
    return ui.control_row(C, *keys, **overrides)


def trained_if(on: bool, spec: Any, run: Callable[..., Any], part: str) -> Any:
    """The part's result when its run toggle is on; otherwise None, and the learner is told how to run it."""
    if not on:
        st.info(t("design.opt_in", what=t(f"design.{part}_header")), icon="▶️")
        return None
    result = ui.train(spec, run=run)
    ui.run_notices(result)
    return result


st.title(t("design.title"))
st.markdown(t("design.intro"))

# --------------------------------------------------------------------------- 1. the data
st.header(t("design.s1_header"), divider="gray")
st.markdown(t("design.s1_text"))
gallery_box, size_box = st.container(), st.container()  # the gallery is drawn above, with the data it needs

with size_box:
    left, right = st.columns([2, 3], gap="large")
    images = ui.control(C["fm_images"], left)
    left.caption(t("design.images_help", default=lab.DEFAULT_IMAGES))
fd = checked(lab.fashion_split, images)
names = [t(f"design.class_{i}") for i in range(10)] if not fd.fallback else list(fd.class_names)

with gallery_box:
    example = ui.control(C["fm_example"])
    pics, rows = lab.class_examples(fd, example)
    st.plotly_chart(figs.image_grid(pics, [f"{i} · {names[i]}" for i in range(len(pics))], cols=5,
                                    row_height=150), key="gallery")
    st.caption(t("design.gallery_caption", example=example, rows=", ".join(str(r) for r in rows)))

with size_box:
    if fd.notice:
        right.info(t("common.data_fallback"), icon="ℹ️")
    m = right.columns(3)
    m[0].metric(t("design.m_train_images"), f"{len(fd.y_train):,}", border=True)
    m[1].metric(t("design.m_val_images"), f"{len(fd.y_val):,}", border=True)
    m[2].metric(t("design.m_pixels"), f"{fd.x_train.min():.1f} – {fd.x_train.max():.1f}", border=True)
    counts_train, _ = lab.class_counts(fd)
    right.caption(t("design.split_caption", lo=int(counts_train.min()), hi=int(counts_train.max())))
ui.code_panel(code.data_code(images, fd.fallback), "fashion_data.py", "data")

# --------------------------------------------------------------------------- 2. the designer
@ui.section
def designer_section(images: int, fd: lab.FashionData, names: list[str]) -> None:
    """Section 2: the designer trains its own network; its controls rerun only this section."""
    st.header(t("design.s2_header"), divider="gray")
    st.markdown(t("design.s2_text"))

    arch_col, train_col = st.columns([3, 2], gap="large")
    with arch_col.container(border=True):
        st.markdown(f"**{t('design.grp_architecture')}**")
        flatten = ui.control(C["ds_input"], horizontal=True)
        n_hidden = ui.control(C["ds_layers"])
        hidden = []
        if n_hidden:
            cols = st.columns(n_hidden)
            for i in range(n_hidden):
                with cols[i]:
                    st.markdown(t("design.layer_n", n=i + 1))
                    units = ui.control(C[f"ds_units{i + 1}"])
                    act = ui.control(C[f"ds_act{i + 1}"])
                hidden.append(lab.Hidden(units, act))
        dropout = ui.control(C["ds_dropout"])
        batchnorm = ui.control(C["ds_bn"])
    with train_col.container(border=True):
        st.markdown(f"**{t('design.grp_training')}**")
        optimizer = ui.control(C["ds_opt"])
        lr = ui.control(C["ds_lr"], format_func=lambda v: f"{v:g}")
        epochs = ui.control(C["ds_epochs"])
        batch = ui.control(C["ds_batch"])
        seed = ui.control(C["ds_seed"])
        st.caption(t("design.seed_help"))

    spec = checked(lab.DesignSpec, images=images, hidden=tuple(hidden), flatten=flatten == "flatten",
                   dropout=dropout, batchnorm=batchnorm, optimizer=optimizer, learning_rate=lr, epochs=epochs,
                   batch_size=batch, seed=seed)

    st.subheader(t("design.arch_header"))
    arch = lab.architecture(spec, fd.image_shape)
    keras_rows, keras_count = summary_for(spec, fd.image_shape)
    keras_params: list = ([] if spec.flatten else [None]) + [r.params for r in keras_rows]
    keras_names: list = ([] if spec.flatten else [None]) + [r.name for r in keras_rows]


    def how(row: lab.LayerRow) -> str:
        if row.kind in ("dense", "output"):
            return f"{row.fan_in} × {row.units} + {row.units}"
        if row.kind == "batchnorm":
            return t("design.how_bn", units=row.units)
        return t(f"design.how_{row.kind}")


    table = pd.DataFrame({
        t("design.col_layer"): [t(f"design.kind_{r.kind}") + (f" ({act_name(r.activation)})" if r.activation else "")
                                for r in arch],
        t("design.col_keras"): [n or "—" for n in keras_names],
        t("design.col_output"): [str(r.units) for r in arch],
        t("design.col_formula"): [how(r) for r in arch],
        t("design.col_params"): [f"{r.params:,}" for r in arch],
        t("design.col_keras_params"): ["—" if p is None else f"{p:,}" for p in keras_params],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    counted = sum(r.params for r in arch)
    m = st.columns(3)
    m[0].metric(t("design.m_counted"), f"{counted:,}", border=True)
    m[1].metric("model.count_params()", f"{keras_count:,}", border=True)
    m[2].metric(t("design.m_trainable"), f"{sum(r.trainable for r in arch):,}", border=True)
    if counted == keras_count:
        st.success(t("design.count_match", n=f"{counted:,}"), icon="✅")
    else:
        st.error(t("design.count_mismatch", counted=f"{counted:,}", keras=f"{keras_count:,}"))
    st.caption(t(f"design.input_note_{'flatten' if spec.flatten else 'reshape'}"))

    st.subheader(t("design.train_header"))
    result, trained_now = ui.train_timed(spec, lab.train_design)
    ui.run_notices(result)
    final = result.final
    m = st.columns(4)
    m[0].metric(t("design.m_acc"), fmt(final.get("accuracy", float("nan"))), border=True)
    m[1].metric(t("design.m_val_acc"), fmt(final.get("val_accuracy", float("nan"))), border=True)
    m[2].metric(t("design.m_val_loss"), fmt(final.get("val_loss", float("nan")), sci=True), border=True)
    ui.run_time_metric(m[3], t("design.m_epoch_time"), f"{result.seconds / max(1, result.epochs_run):.2f} s",
                       trained_now)
    problem = None if result.diverged else lab.trouble(result.history)
    if problem:
        st.warning(t(f"design.trouble_{problem}", peak=f"{max(result.history['loss']):,.1f}",
                     lr=f"{spec.learning_rate:g}",
                     acc=fmt(final["val_accuracy"])), icon="💥" if problem == "exploded" else "🎲")
    st.plotly_chart(figs.history_figure(result.history, {
        "loss": t("design.fig_loss"), "accuracy": t("design.fig_accuracy"), "train": t("design.fig_train"),
        "val": t("design.fig_val"), "epoch": t("design.fig_epoch")}), key="history")
    ui.chart_summary(said.history_summary(current_language(), result.history))
    st.caption(t("design.history_caption") + " " + t("design.trained_now" if trained_now else "design.trained_earlier",
                                                       device=shown_label(result.device, current_language()),
                                                       seconds=f"{result.seconds:.1f}"))

    if not result.diverged:
        predicted = result.predicted
        cm = lab.confusion(result.y_val, predicted, len(names))
        cm_col, wrong_col = st.columns([1.15, 1], gap="large")
        with cm_col:
            st.markdown(f"**{t('design.cm_header')}**")
            st.plotly_chart(figs.confusion_figure(cm, names, {"true": t("design.fig_true"),
                                                              "pred": t("design.fig_pred")}),
                            key="confusion")
            ui.chart_summary(said.confusion_summary(current_language(), cm))
            off = cm.copy()
            off[range(len(names)), range(len(names))] = 0
            a, b = divmod(int(off.argmax()), len(names))
            st.caption(t("design.cm_caption", n=int(off.max()), true=names[a], pred=names[b]))
        with wrong_col:
            bad = lab.misclassified(result, 12)
            wrong = int((predicted != result.y_val).sum())
            st.markdown(f"**{t('design.wrong_header', n=wrong, total=len(predicted))}**")
            if len(bad):
                titles = [f"{names[result.y_val[i]]} → {names[predicted[i]]}<br>{result.val_pred[i, predicted[i]]:.0%}"
                          for i in bad]
                st.plotly_chart(figs.image_grid(fd.x_val[bad], titles, cols=4, row_height=150, title_size=11),
                                key="misclassified")
                st.caption(t("design.wrong_caption"))
            else:
                st.success(t("design.no_mistakes"))
    ui.code_panel(code.design_code(spec, fd.fallback), "layer_design.py", "design")


# --------------------------------------------------------------------------- 3. sigmoid vs ReLU, honestly
@ui.section
def compare_section(images: int, fd: lab.FashionData) -> None:
    """Section 3: sigmoid against ReLU over several seeds; its controls rerun only this section."""
    st.header(t("design.s3_header"), divider="gray")
    st.markdown(t("design.s3_text"))
    n_seeds, sr_epochs = ui.control_row(C, "sr_seeds", "sr_epochs", gap="large")
    cspec = checked(sr.CompareSpec, images=images, seeds=n_seeds, epochs=sr_epochs)
    cmp, compared_now = ui.train_timed(cspec, sr.run_compare)
    ui.run_notices(cmp)

    rows_out = []
    for s in cmp.seeds:
        sig, rel = cmp.val_acc["sigmoid"][s], cmp.val_acc["relu"][s]
        rows_out.append([str(s), fmt(cmp.train_acc["sigmoid"][s]), fmt(sig), fmt(cmp.train_acc["relu"][s]), fmt(rel),
                         act_name("relu") if rel > sig else act_name("sigmoid") if sig > rel else "="])
    stats = {a: (sr.mean_std(cmp.train_acc[a]), sr.mean_std(cmp.val_acc[a])) for a in sr.COMPARED}


    def pm(ms: tuple[float, float]) -> str:
        return f"{fmt(ms[0])} ± {fmt(ms[1])}"


    rows_out.append([t("design.row_mean"), pm(stats["sigmoid"][0]), pm(stats["sigmoid"][1]), pm(stats["relu"][0]),
                     pm(stats["relu"][1]), ""])
    cols = [t("design.col_seed"), t("design.col_train_acc", act=act_name("sigmoid")),
            t("design.col_val_acc", act=act_name("sigmoid")), t("design.col_train_acc", act=act_name("relu")),
            t("design.col_val_acc", act=act_name("relu")), t("design.col_higher")]
    st.dataframe(pd.DataFrame(rows_out, columns=cols), hide_index=True, width="stretch")
    fig_col, verdict_col = st.columns([1, 1], gap="large")
    fig_col.plotly_chart(figs.seeds_figure(cmp.val_acc, {
        "sigmoid": act_name("sigmoid"), "relu": act_name("relu"), "seed": t("design.col_seed"),
        "mean": t("design.fig_mean"), "y": t("design.fig_val_acc")}), key="seeds")
    acts = {a: act_name(a) for a in sr.COMPARED}
    ui.chart_summary(said.seeds_summary(current_language(), cmp.val_acc, acts), fig_col)

    relu_wins = sr.wins(cmp, "relu")
    (mean_s, sd_s), (mean_r, sd_r) = stats["sigmoid"][1], stats["relu"][1]
    diff = mean_r - mean_s
    if cmp.diverged:
        pass  # run_notices said it
    elif n_seeds == 1:
        verdict_col.info(t("design.verdict_one"), icon="🎲")
    else:
        spread = max(sd_s, sd_r)
        key = "verdict_close" if abs(diff) <= spread else "verdict_clear"
        leader = act_name("relu") if diff > 0 else act_name("sigmoid")
        verdict_col.info(t(f"design.{key}", wins=relu_wins, n=n_seeds, relu=act_name("relu"), diff=fmt(abs(diff)),
                           spread=fmt(spread), leader=leader), icon="⚖️")
    verdict_col.caption(t("design.s3_caption", images=f"{len(fd.y_train):,}",
                          timing=t("design.s3_now" if compared_now else "design.s3_earlier",
                                   seconds=f"{cmp.seconds:.1f}")))
    ui.code_panel(code.compare_code(cspec, fd.fallback), "sigmoid_vs_relu.py", "compare")


# --------------------------------------------------------------------------- 4. why: vanishing gradients
@ui.section
def gradients_section(images: int, fd: lab.FashionData) -> None:
    """Section 4: gradients layer by layer; the depth reruns only this section."""
    st.header(t("design.s4_header"), divider="gray")
    st.markdown(t("design.s4_text"))
    z, curves = curves_for()
    st.plotly_chart(figs.activation_figure(z, curves, {
        "value": t("design.fig_act_value"), "slope": t("design.fig_act_slope"),
        "sigmoid": act_name("sigmoid"), "relu": act_name("relu")}), key="activations")
    acts = {a: act_name(a) for a in sr.COMPARED}
    ui.chart_summary(said.activations_summary(current_language(), z, curves, acts))
    st.caption(t("design.act_caption"))

    depth = ui.control(C["vg_depth"])
    gspec = checked(sr.GradientSpec, depth=depth)
    grads = gradients_for(gspec, images)
    st.plotly_chart(figs.gradient_figure(grads, {
        "sigmoid": act_name("sigmoid"), "relu": act_name("relu"), "layer": t("design.fig_layer"),
        "x": t("design.fig_layer_x"), "y": t("design.fig_grad_y"), "output": t("design.fig_output")}), key="gradients")
    ui.chart_summary(said.gradients_summary(current_language(), grads, acts))
    m = st.columns(2)
    for col, act in zip(m, sr.COMPARED, strict=True):
        g = grads[act]
        ratio = g[-1] / g[0] if g[0] > 0 else float("inf")
        col.metric(t("design.m_grad_ratio", act=act_name(act)), f"{ratio:,.0f}×" if ratio >= 100 else f"{ratio:.2f}×",
                   border=True)
    st.caption(t("design.grad_caption", depth=depth, batch=gspec.batch))
    ui.code_panel(code.gradient_code(gspec, images, fd.fallback), "vanishing_gradients.py", "gradients")


# --------------------------------------------------------------------------- 5. going further
@ui.section
def further_section(images: int, fd: lab.FashionData) -> None:
    """Section 5: going further, each part trained when the learner asks; reruns only this section."""
    st.header(t("design.s5_header"), divider="gray")
    st.markdown(t("design.s5_text"))

    # 5a. BatchNormalization
    bn_depth, bn_act, bn_epochs, bn_run = further("bn", "bn_depth", "bn_act", "bn_epochs", "bn_run")
    bspec = checked(fur.BatchNormSpec, images=images, depth=bn_depth, activation=bn_act, epochs=bn_epochs)
    pair = trained_if(bn_run, bspec, fur.run_batchnorm, "bn")
    if pair is not None:
        plain_name, bn_name = t("design.bn_without"), t("design.bn_with")
        left, right = st.columns([3, 2], gap="large")
        left.plotly_chart(figs.pair_figure({plain_name: pair.plain["val_accuracy"],
                                            bn_name: pair.normed["val_accuracy"]},
                                           {"x": t("design.fig_epoch"), "y": t("design.fig_val_acc")}), key="bn")
        ui.chart_summary(said.pair_summary(current_language(), {bn_name: pair.normed["val_accuracy"],
                                                                plain_name: pair.plain["val_accuracy"]}), left)
        right.metric(plain_name, fmt(pair.plain["val_accuracy"][-1]), border=True)
        right.metric(bn_name, fmt(pair.normed["val_accuracy"][-1]),
                     delta=fmt(pair.normed["val_accuracy"][-1] - pair.plain["val_accuracy"][-1]), border=True)
        right.caption(t("design.bn_caption", extra=f"{pair.params[1] - pair.params[0]:,}", depth=bn_depth))
        gap = pair.normed["accuracy"][-1] - pair.normed["val_accuracy"][-1]
        if gap > 0.2:  # BN predicts with moving averages that need many steps to settle
            steps = bn_epochs * -(-len(fd.y_train) // 32)
            st.warning(t("design.bn_unsettled", train=fmt(pair.normed["accuracy"][-1]),
                         val=fmt(pair.normed["val_accuracy"][-1]), steps=steps), icon="🐢")
    ui.code_panel(code.batchnorm_code(bspec, fd.fallback), "batch_normalization.py", "batchnorm")

    # 5b. SeparableConv2D vs Conv2D
    sc_size, sc_channels, sc_filters, sc_kernel = further("sc", "sc_size", "sc_channels", "sc_filters", "sc_kernel",
                                                         sc_kernel={"format_func": lambda k: f"{k}×{k}"})
    sspec = checked(fur.ConvSpec, size=sc_size, channels=sc_channels, filters=sc_filters, kernel=sc_kernel)
    cc = conv_for(sspec)
    k, ch, f = sspec.kernel, sspec.channels, sspec.filters
    st.dataframe(pd.DataFrame({
        t("design.col_layer"): ["Conv2D", "SeparableConv2D"],
        t("design.col_formula"): [f"{k}·{k}·{ch}·{f} + {f}", f"{k}·{k}·{ch} + {ch}·{f} + {f}"],
        t("design.col_params"): [f"{cc.conv_formula:,}", f"{cc.sep_formula:,}"],
        t("design.col_keras_params"): [f"{cc.conv_keras:,}", f"{cc.sep_keras:,}"],
        t("design.col_madds"): [f"{cc.conv_madds:,}", f"{cc.sep_madds:,}"],
    }), hide_index=True, width="stretch")
    left, right = st.columns([1, 2], gap="large")
    left.metric(t("design.m_sc_ratio"), f"{cc.ratio:.1f}×", border=True)
    right.caption(t("design.sc_caption", shape=str(cc.output_shape)))
    right.caption(t("design.sc_ratio_caption", k=k, f=f))
    ui.code_panel(code.conv_code(sspec), "separable_conv.py", "conv")

    # 5c. An ensemble
    members, en_epochs, en_run = further("en", "en_members", "en_epochs", "en_run")
    espec = checked(fur.EnsembleSpec, images=images, members=members, epochs=en_epochs)
    ens = trained_if(en_run, espec, fur.run_ensemble, "en")
    if ens is not None:
        bar_names = [t("design.member", n=i) for i in range(members)] + [t("design.ensemble")]
        left, right = st.columns([3, 2], gap="large")
        left.plotly_chart(figs.bars_figure(bar_names, [*ens.member_acc, ens.ensemble_acc],
                                           {"y": t("design.fig_val_acc")}, highlight=members), key="ensemble")
        ui.chart_summary(said.ensemble_summary(current_language(), ens.member_acc, ens.ensemble_acc), left)
        best, mean_member = max(ens.member_acc), sum(ens.member_acc) / members
        right.metric(t("design.ensemble"), fmt(ens.ensemble_acc), delta=fmt(ens.ensemble_acc - best), border=True)
        right.caption(t("design.en_caption", best=fmt(best), mean=fmt(mean_member), loss=fmt(ens.ensemble_loss),
                        member_loss=fmt(min(ens.member_loss))))
    ui.code_panel(code.ensemble_code(espec, fd.fallback), "ensemble.py", "ensemble")

    # 5d. Random search
    trials, rs_epochs, rs_seed, rs_run = further("rs", "rs_trials", "rs_epochs", "rs_seed", "rs_run")
    rspec = checked(fur.SearchSpec, images=images, trials=trials, epochs=rs_epochs, seed=rs_seed)
    search = trained_if(rs_run, rspec, fur.run_search, "rs")
    if search is not None:
        lrs, units = [p[0] for p in search.trials], [p[1] for p in search.trials]
        frame = pd.DataFrame({
            t("design.col_trial"): range(1, trials + 1), t("design.col_lr"): [f"{v:.3g}" for v in lrs],
            t("design.col_units"): units, t("design.fig_val_acc"): [fmt(v) for v in search.val_acc],
            t("design.col_val_loss"): [fmt(v) for v in search.val_loss],
        }).iloc[sorted(range(trials), key=lambda i: -search.val_acc[i] if math.isfinite(search.val_acc[i]) else 1.0)]
        left, right = st.columns([1, 1], gap="large")
        left.dataframe(frame, hide_index=True, width="stretch")
        right.plotly_chart(figs.search_figure(lrs, units, search.val_acc, search.best, {
            "x": t("design.col_lr"), "y": t("design.fig_val_acc"), "units": t("design.col_units")}), key="search")
        ui.chart_summary(said.search_summary(current_language(), search.trials, search.val_acc, search.best), right)
        b = search.best
        st.success(t("design.rs_best", trial=b + 1, lr=f"{lrs[b]:.3g}", units=units[b], acc=fmt(search.val_acc[b])),
                   icon="🏆")
    st.caption(t("design.rs_caption"))
    ui.code_panel(code.search_code(rspec, fd.fallback), "random_search.py", "search")


designer_section(images, fd, names)
compare_section(images, fd)
gradients_section(images, fd)
further_section(images, fd)

# --------------------------------------------------------------------------- recap
st.header(t("design.recap_header"), divider="gray")
st.markdown(t("design.recap"))
