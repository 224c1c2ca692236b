from lib.core.streamlit_internals import require_entry_point

require_entry_point()  # before any heavy import: a deep link on a fresh server restarts through the entry point

from functools import partial

import numpy as np
import pandas as pd
import plotly.io  # noqa: F401  (imported early so the first chart draws fast)
import streamlit as st

from lib.core import numbers, ui
from lib.core.i18n import current_language, t
from lib.core.numbers import fmt_lr
from lib.core.specs import OPTIMIZERS
from lib.lessons.optimizers import code, lab, race, summary
from lib.lessons.optimizers import figures as figs
from lib.lessons.optimizers.controls import CONTROLS as C

fmt = partial(numbers.fmt, sci=True, undefined="nan")  # as Python prints a number that is not one


@st.cache_data(max_entries=1024, show_spinner=False)
def path_for(spec: lab.PathSpec) -> lab.PathResult:
    return lab.run_path(spec)


@st.cache_data(max_entries=8, show_spinner=False)
def grid_for(surface: str) -> tuple:
    return lab.surface_grid(surface)


def name_of(optimizer: str) -> str:
    return t(f"common.optimizer.{optimizer}")


st.title(t("optimizers.title"))
st.markdown(t("optimizers.intro"))
with st.expander(t("optimizers.rules_header"), expanded=True, icon="📜"):
    rules = [t("optimizers.rules_head"), "|---|---|---|"]
    rules += [f"| {name_of(n)} | `{code.short_call(lab.optimizer_spec(n))}` | ${lab.RULE_TEX[n]}$ |"
              for n in OPTIMIZERS]
    st.markdown("\n".join(rules))
    st.caption(t("optimizers.rules_caption"))

# --------------------------------------------------------------------------- 1. paths on a surface
@ui.section
def surface_sections() -> None:
    """Sections 1-2: the walks on a surface and inside one optimizer; their controls rerun only them."""
    st.header(t("optimizers.s1_header"), divider="gray")
    st.markdown(t("optimizers.s1_text"))

    c = st.columns([1.2, 1, 1, 1, 1], gap="medium")
    surface_name = ui.control(C["sf_fn"], c[0])
    steps = ui.control(C["sf_steps"], c[1])
    momentum = ui.control(C["sf_momentum"], c[2])
    surface = lab.SURFACES[surface_name]
    # Start sliders per surface: each surface has its own window and its own sensible start.
    x0 = ui.control(C[f"sf_x0_{surface_name}"], c[3])
    y0 = ui.control(C[f"sf_y0_{surface_name}"], c[4])
    scale = "" if surface.scale == 1 else t("optimizers.sf_scaled", scale=f"{surface.scale:g}")
    st.markdown(t(f"optimizers.surface_note.{surface_name}", formula=surface.formula, scale=scale))

    walk_specs: dict[str, lab.PathSpec] = {}
    shown: list[str] = []
    cards = st.columns(len(OPTIMIZERS), gap="small")
    for column, name in zip(cards, OPTIMIZERS, strict=True):
        with column.container(border=True):
            on = ui.control(C[f"sf_on_{name}"])
            exponent = ui.control(C[f"sf_loglr_{name}"], format="%.1f")
            lr = lab.lr_from_exponent(exponent)
            st.caption(t("optimizers.sf_lr_value", lr=fmt_lr(lr)))
        walk_specs[name] = lab.PathSpec(surface_name, lab.optimizer_spec(name, lr, momentum), (x0, y0), steps)
        if on:
            shown.append(name)

    walks = {name: path_for(walk_specs[name]) for name in shown}
    if not walks:
        st.info(t("optimizers.sf_none"), icon="👆")
    else:
        replay = ui.control(C["sf_replay"], format="%d%%")
        at_step = round(replay / 100 * steps)
        xs, ys, zs = grid_for(surface_name)
        left, right = st.columns([1.55, 1], gap="medium")
        left.plotly_chart(figs.surface_figure(
            xs, ys, zs, [{"key": n, "label": name_of(n), "positions": w.positions} for n, w in walks.items()],
            surface.minima, at_step,
            {"x": "x", "y": "y", "start": t("optimizers.fig_start"), "minimum": t("optimizers.fig_minimum"),
             "step": t("optimizers.fig_step")}), key="surface_paths")
        ui.chart_summary(summary.positions_summary(current_language(), walks, at_step), left)
        right.plotly_chart(figs.loss_steps_figure(
            [{"key": n, "label": name_of(n), "losses": w.losses, "diverged": w.diverged_at is not None}
             for n, w in walks.items()],
            {"x": t("optimizers.fig_step"), "y": t("optimizers.fig_loss_log"), "diverged": t("optimizers.fig_blew_up")},
            at_step=at_step), key="surface_losses")
        ui.chart_summary(summary.losses_summary(current_language(), walks), right)
        st.caption(t("optimizers.sf_caption", step=at_step, steps=steps))

        rows = []
        for name, walk in walks.items():
            status, when = lab.path_status(walk)
            k = min(at_step, walk.steps_run)
            rows.append({
                t("optimizers.col_optimizer"): name_of(name),
                t("optimizers.col_lr"): fmt_lr(walk.spec.lr),
                t("optimizers.col_at", step=at_step):
                    f"({fmt(walk.positions[k, 0], 3)}, {fmt(walk.positions[k, 1], 3)})",
                t("optimizers.col_loss_at", step=at_step): fmt(walk.losses[k], 6),
                t("optimizers.col_final_loss"): fmt(walk.final_loss, 6),
                t("optimizers.col_status"): t(f"optimizers.status.{status}", step=when),
            })
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        blown = [name_of(n) for n, w in walks.items() if w.diverged_at is not None]
        if blown:
            st.warning(t("optimizers.sf_diverged", names=", ".join(blown)), icon="💥")
        ui.code_panel(code.surface_code([walk_specs[n] for n in shown]), "optimizer_paths.py", "paths")

    # --------------------------------------------------------------------------- 2. inside the optimizer
    st.header(t("optimizers.s2_header"), divider="gray")
    st.markdown(t("optimizers.s2_text"))

    left, right = st.columns([1, 2.1], gap="large")
    with left:
        with st.container(border=True):
            inside_name = ui.control(C["in_opt"])
            st.caption(t("optimizers.in_same_walk", lr=fmt_lr(walk_specs[inside_name].lr), steps=steps))
        st.markdown(t(f"optimizers.inside.{inside_name}"))
    inside = path_for(walk_specs[inside_name])
    k = inside.steps_run
    panels = [{"title": t("optimizers.panel_grad"), "values": inside.grads, "log": False}]
    for slot in lab.STATE_NAMES[inside_name]:
        key = "adam_" + slot if inside_name == "adam" else slot
        panels.append({"title": t(f"optimizers.panel.{key}"), "values": inside.states[slot],
                       "log": inside_name in lab.ADAPTIVE and key != "adam_momentum"})  # squared gradients
    if inside_name in lab.ADAPTIVE:
        panels.append({"title": t("optimizers.panel_effective"), "values": inside.effective_lr, "log": True})
    panels.append({"title": t("optimizers.panel_step"), "values": inside.deltas, "log": False})
    right.plotly_chart(figs.inside_figure(np.arange(1, k + 1), panels,
                                          {"step": t("optimizers.fig_step"), "x": "x", "y": "y"}), key="inside_state")
    ui.chart_summary(summary.inside_summary(current_language(), inside), right)

    hand_deltas, hand_states = lab.replay_textbook(inside)
    if k:
        rows = []
        for i in range(min(k, 6)):
            row = {t("optimizers.col_t"): i + 1,
                   t("optimizers.col_grad"): f"({fmt(inside.grads[i, 0])}, {fmt(inside.grads[i, 1])})"}
            for slot in lab.STATE_NAMES[inside_name]:
                value = inside.states[slot][i]
                row[t(f"optimizers.col_slot.{slot}")] = f"({fmt(value[0])}, {fmt(value[1])})"
            row[t("optimizers.col_keras_step")] = f"({fmt(inside.deltas[i, 0])}, {fmt(inside.deltas[i, 1])})"
            row[t("optimizers.col_hand_step")] = f"({fmt(hand_deltas[i, 0])}, {fmt(hand_deltas[i, 1])})"
            rows.append(row)
        st.markdown(t("optimizers.in_table"))
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        gap = float(abs(hand_deltas - inside.deltas).max())
        biggest = float(abs(inside.deltas).max())
        st.caption(t("optimizers.in_gap", gap=f"{gap:.1e}", biggest=fmt(biggest), steps=k))
    if inside.diverged_at is not None:
        st.warning(t("optimizers.in_diverged", step=inside.diverged_at), icon="💥")
    ui.code_panel(code.inside_code(walk_specs[inside_name]), "optimizer_state.py", "inside")


# --------------------------------------------------------------------------- 3. the race
@ui.section
def race_section() -> None:
    """Section 3: the race trains in its own section; the rest of the page stays as it is."""
    st.header(t("optimizers.s3_header"), divider="gray")
    st.markdown(t("optimizers.s3_text"))

    data_name, samples, epochs, batch = ui.control_row(C, "race_data", "race_samples", "race_epochs", "race_batch")
    layers, units, activation, seed = ui.control_row(C, "race_layers", "race_units", "race_act", "race_seed")

    settings: dict[str, tuple[float, float]] = {}
    grid = st.columns(3, gap="small") + st.columns(3, gap="small")
    for column, name in zip(grid, OPTIMIZERS, strict=True):
        with column.container(border=True):
            on = ui.control(C[f"race_on_{name}"])
            rate = ui.control(C[f"race_lr_{name}"], format="%g")
            mom = ui.control(C[f"race_mom_{name}"]) if name in lab.MOMENTUM_OPTIMIZERS else lab.DEFAULT_MOMENTUM
            st.caption(f"`{code.short_call(lab.optimizer_spec(name, rate, mom))}`")
        if on:
            settings[name] = (rate, mom)

    try:
        race_spec = race.RaceSpec(data=data_name, samples=samples, layers=layers, units=units, activation=activation,
                                  epochs=epochs, batch_size=batch, seed=int(seed))
        racers = race.race_optimizers(settings)
    except ValueError as error:
        st.error(t("optimizers.bad_settings", message=str(error)), icon="⚠️")
        racers, race_spec = [], None

    if race_spec is not None and not racers:
        st.info(t("optimizers.race_none"), icon="👆")
    if race_spec is not None and racers:
        results, raced_now = ui.train_timed(race.Race(race_spec, tuple(racers)), run=race.run_race,
                                            seconds=lambda results: max(r.seconds for r in results.values()))
        if any(r.notice == "fashion_unavailable" for r in results.values()):
            st.info(t("common.data_fallback"), icon="ℹ️")
        st.caption(t("optimizers.race_rows", rows=race_spec.rows, train=round(race_spec.rows * 0.8),
                     epochs=race_spec.epochs, batch=race_spec.batch_size))

        table = pd.DataFrame([{
            t("optimizers.col_optimizer"): name_of(n),
            t("optimizers.col_lr"): fmt_lr(r.optimizer.lr) + (f" (μ = {r.optimizer.momentum:g})"
                                                              if n in lab.MOMENTUM_OPTIMIZERS else ""),
            t("optimizers.col_final_acc"): fmt(r.final_val_accuracy, 4),
            t("optimizers.col_best_acc"): fmt(r.best_val_accuracy, 4),
            t("optimizers.col_best_epoch"): r.best_epoch or "–",
            t("optimizers.col_val_loss"): fmt(r.final_val_loss, 4),
            t("optimizers.col_time" if raced_now else "optimizers.col_time_earlier"): f"{r.seconds:.2f} s",
            t("optimizers.col_start"): r.start_fingerprint,
        } for n, r in results.items()])
        st.dataframe(table, hide_index=True, width="stretch")

        finished = {n: r for n, r in results.items() if r.best_epoch is not None}
        if finished:
            winner = max(finished, key=lambda n: (finished[n].best_val_accuracy, -finished[n].best_epoch))
            w = finished[winner]
            st.success(t("optimizers.race_winner", name=name_of(winner), acc=fmt(w.best_val_accuracy, 4),
                         epoch=w.best_epoch), icon="🏁")
        fingerprints = {r.start_fingerprint for r in results.values()}
        if len(fingerprints) == 1:
            st.caption(t("optimizers.race_same_start", fp=next(iter(fingerprints)), n=len(results)))
        for n, r in results.items():
            if r.diverged:
                st.warning(t("optimizers.race_diverged", name=name_of(n), epoch=r.epochs_run), icon="💥")
        st.plotly_chart(figs.race_figure(
            [{"key": n, "label": name_of(n), "history": r.history} for n, r in results.items()],
            {"loss": t("optimizers.fig_train_loss"), "val_loss": t("optimizers.fig_val_loss"),
             "accuracy": t("optimizers.fig_train_acc"), "val_accuracy": t("optimizers.fig_val_acc"),
             "epoch": t("optimizers.fig_epoch")}), key="race_curves")
        ui.chart_summary(summary.race_summary(current_language(), results))
        st.caption(t("optimizers.race_caption"))
        ui.code_panel(code.race_code(race_spec, racers), "optimizer_race.py", "race")


# --------------------------------------------------------------------------- 4. too small, right, too large
@ui.section
def rates_section() -> None:
    """Section 4: three learning rates, trained when the learner asks."""
    st.header(t("optimizers.s4_header"), divider="gray")
    st.markdown(t("optimizers.s4_text"))

    c = st.columns(5, gap="medium")
    rate_name = ui.control(C["lr_opt"], c[0])
    rates = tuple(ui.control(C[key], column, format="%g") for key, column in zip(("lr_small", "lr_right", "lr_large"),
                                                                                 c[1:4], strict=True))
    rate_epochs = ui.control(C["lr_epochs"], c[4])
    run_rates = ui.control(C["lr_run"])
    try:
        rate_specs = [race.RateSpec(lab.optimizer_spec(rate_name, lr), epochs=rate_epochs) for lr in rates]
    except ValueError as error:
        st.error(t("optimizers.bad_settings", message=str(error)), icon="⚠️")
        rate_specs = []

    if rate_specs and not run_rates:
        st.info(t("optimizers.lr_off"), icon="👆")
    if rate_specs and run_rates:
        outcomes = [ui.train(spec, run=race.run_rate) for spec in rate_specs]
        slots = ("small", "right", "large")
        columns = st.columns(3, gap="medium")
        for column, slot, spec, outcome in zip(columns, slots, rate_specs, outcomes, strict=True):
            with column.container(border=True):
                st.markdown(t(f"optimizers.lr_title_{slot}", lr=fmt_lr(spec.optimizer.lr)))
                row = st.columns(2)
                row[0].metric(t("optimizers.m_final_loss"), fmt(outcome.final_loss, 3))
                row[1].metric(t("optimizers.m_epochs_run"), f"{outcome.epochs_run} / {outcome.epochs}")
                words = {"epoch": outcome.stopped_at, "best": fmt(outcome.best_mse, 3),
                         "loss": fmt(outcome.final_loss, 3),
                         "first": fmt(outcome.history["loss"][0], 3) if outcome.history.get("loss") else "–"}
                message = t(f"optimizers.verdict.{outcome.verdict}", **words)
                {"good": st.success, "slow": st.info, "unstable": st.warning, "diverged": st.error}[outcome.verdict](
                    message, icon={"good": "✅", "slow": "🐢", "unstable": "〰️", "diverged": "💥"}[outcome.verdict])
        st.plotly_chart(figs.rates_figure(
            [{"label": t("optimizers.lr_legend", lr=fmt_lr(s.optimizer.lr)), "history": o.history,
              "stopped": o.stopped_at} for s, o in zip(rate_specs, outcomes, strict=True)],
            {"loss": t("optimizers.fig_train_loss"), "val_loss": t("optimizers.fig_val_loss"),
             "epoch": t("optimizers.fig_epoch"), "stopped": t("optimizers.fig_stopped")}), key="rate_curves")
        ui.chart_summary(summary.rates_summary(current_language(), outcomes))
        st.caption(t("optimizers.lr_caption", best=fmt(outcomes[0].best_mse, 3)))
        if any(o.diverged for o in outcomes):
            st.markdown(t("optimizers.lr_nan_explained"))
        elif rate_name in lab.ADAPTIVE:
            st.info(t("optimizers.lr_adaptive_no_nan", name=name_of(rate_name)), icon="🧭")
    if rate_specs:
        ui.code_panel(code.rates_code(rate_specs), "learning_rates.py", "rates")


surface_sections()
race_section()
rates_section()

# --------------------------------------------------------------------------- recap
st.header(t("optimizers.recap_header"), divider="gray")
st.markdown(t("optimizers.recap"))
