from lib.core.streamlit_internals import require_entry_point

require_entry_point()  # before any heavy import: a deep link on a fresh server restarts through the entry point

import inspect

import pandas as pd
import plotly.io  # noqa: F401  (imported early so the first chart draws fast)
import streamlit as st

from lib.core import agreement, numbers, scratch, ui
from lib.core.i18n import current_language, t
from lib.lessons.callbacks import claims, code, files, lab, summary, trace
from lib.lessons.callbacks import figures as figs
from lib.lessons.callbacks.controls import CONTROLS as C

fmt_lr = lab.fmt_lr


def fmt(value: float | None, digits: int = 4) -> str:
    """A number as the page prints it: ``–`` for none, ``nan``/``inf`` as Python writes them, ``1.49e+14``
    once huge or tiny (a loss at a too-large learning rate), never cut."""
    return numbers.fmt(value, digits, sci=True, undefined="–" if value is None else "nan")


def disk_cap_notice(run: lab.Outcome, writer: str) -> None:
    """Say so when the disk cap stopped a callback from writing its files."""
    if run.disk_cap:
        which, epoch, cap = run.disk_cap
        st.warning(t(f"callbacks.disk_cap_{which}", epoch=epoch, mb=f"{cap / 1e6:g}", writer=writer), icon="💽")


def train(setup: lab.Setup, callback: lab.Callback) -> lab.Outcome:
    return ui.train(lab.Experiment(setup, callback), run=lab.run_experiment)


def labels() -> dict:
    keys = ("train", "validation", "loss", "accuracy", "val_loss", "val_accuracy", "epoch", "lr", "best", "stop",
            "patience", "warmup",
            "saved", "picked", "from_train", "from_val", "updates", "count", "value")
    return {k: t(f"callbacks.fig.{k}") for k in keys}


def section(n: int) -> None:
    st.header(t(f"callbacks.s{n}_header"), divider="gray")
    st.markdown(t(f"callbacks.s{n}_text"))


def effect_text(effect: str, values: tuple) -> str:
    shown = [fmt_lr(v) if effect == "lr_cut" else fmt(v) if isinstance(v, float) else v for v in values]
    return t(f"callbacks.effect.{effect}", **{f"v{i}": v for i, v in enumerate(shown)})


L = labels()
st.title(t("callbacks.title"))
st.markdown(t("callbacks.intro"))

# --------------------------------------------------------------------------- 1. the experiment
section(1)
data, rows, units, rate = ui.control_row(C, "cb_data", "cb_rows", "cb_units", "cb_lr", cb_lr={"format_func": fmt_lr})
c = st.columns(4, gap="medium")
epochs = ui.control(C["cb_epochs"], c[0])
batch = ui.control(C["cb_batch"], c[1])
seed = ui.control(C["cb_seed"], c[2])
try:
    setup = lab.Setup(data=data, rows=rows, units=units, epochs=epochs, batch_size=batch, learning_rate=rate,
                      seed=int(seed))
except ValueError as error:
    st.error(t("callbacks.bad_settings", message=str(error)), icon="⚠️")
    st.stop()

base_run = train(setup, lab.Progress(per_batch=False))
ui.run_notices(base_run)  # every section trains this setup: said once
curve = base_run.curve
if lab.exploded(base_run):
    st.warning(t("callbacks.lr_too_big", lr=fmt_lr(setup.learning_rate), loss=f"{lab.peak_loss(base_run):.3g}",
                 start=f"{lab.START_LOSS:.2f}"), icon="💥")
low = lab.best_index(curve["val_loss"], "min")
m = st.columns(4)
m[0].metric(t("callbacks.m_rows"), f"{setup.train_rows} / {setup.rows - setup.train_rows}", border=True)
m[1].metric(t("callbacks.m_low_epoch"), "–" if low is None else low + 1, border=True)
m[2].metric(t("callbacks.m_low_val"), fmt(None if low is None else curve["val_loss"][low]), border=True)
m[3].metric(t("callbacks.m_last_val"), fmt(curve["val_loss"][-1]), border=True)
for col, metric, key in zip(st.columns(2), ("loss", "accuracy"), ("cb_base_fig", "cb_base_acc_fig"), strict=True):
    col.plotly_chart(figs.curves_figure(base_run.history, L, best=None if low is None else low + 1, metric=metric),
                     key=key)  # two charts in columns: side by side on a wide screen, stacked on a phone
ui.chart_summary(summary.curves_summary(current_language(), base_run))
if low is not None and low + 1 < base_run.epochs_run:
    st.caption(t("callbacks.s1_caption", epoch=low + 1, low=fmt(curve["val_loss"][low]),
                 last=fmt(curve["val_loss"][-1]), epochs=base_run.epochs_run, train=fmt(curve["loss"][-1])))
else:
    st.info(t("callbacks.s1_no_overfit"), icon="ℹ️")
ui.code_panel(code.baseline_code(setup), "overfit_baseline.py", "cb_base")

# --------------------------------------------------------------------------- 2. EarlyStopping
@ui.section
def early_section(setup: lab.Setup) -> None:
    """Section 2: EarlyStopping; its controls rerun only this section."""
    section(2)
    left, right = st.columns([1, 2.2], gap="large")
    with left.container(border=True):
        es_patience = ui.control(C["cb_es_patience"])
        es_monitor = ui.control(C["cb_es_monitor"])
        es_mode = ui.control(C["cb_es_mode"], horizontal=True)
        es_delta = ui.control(C["cb_es_delta"])
        es_start = ui.control(C["cb_es_start"], hi=max(1, setup.epochs - 1))
        es_restore = ui.control(C["cb_es_restore"])
    es = lab.EarlyStop(monitor=es_monitor, min_delta=es_delta, patience=es_patience, mode=es_mode,
                       restore_best_weights=es_restore, start_from_epoch=es_start)
    es_run = train(setup, es)
    stopped = es_run.stopped_epoch > 0
    best = None if es_run.best_epoch is None else es_run.best_epoch + 1
    before, after = es_run.score_before, es_run.score
    with right:
        m = st.columns(2)
        m[0].metric(t("callbacks.m_stop"), es_run.stopped_epoch + 1 if stopped else t("callbacks.never"), border=True)
        m[1].metric(t("callbacks.m_best", monitor=es_monitor), "–" if best is None else best, border=True)
        m = st.columns(2)
        m[0].metric(t("callbacks.m_mode"), f"{es_mode} → {es_run.mode}" if es_mode == "auto" else es_run.mode,
                    border=True)
        m[1].metric(t("callbacks.m_epochs_run"), f"{es_run.epochs_run} / {setup.epochs}", border=True)
        if stopped:
            st.caption(t("callbacks.es_stopped", stopped=es_run.stopped_epoch, epoch=es_run.stopped_epoch + 1,
                         best=best, patience=es_patience, monitor=es_monitor))
        else:
            st.caption(t("callbacks.es_ran_on", epochs=es_run.epochs_run, patience=es_patience))
    for col, metric, key in zip(st.columns(2), ("loss", "accuracy"), ("cb_es_fig", "cb_es_acc_fig"), strict=True):
        col.plotly_chart(figs.curves_figure(es_run.history, L, best=best,
                                            stop=es_run.stopped_epoch + 1 if stopped else None, warmup=es_start,
                                            metric=metric), key=key)  # stacked on a phone
    ui.chart_summary(summary.early_summary(current_language(), es_run, es_monitor, setup.epochs, es_restore))
    score = pd.DataFrame([
        {t("callbacks.col_weights"): t("callbacks.weights_last", epoch=es_run.epochs_run),
         "val_loss": fmt(before.get("loss")), "val_accuracy": fmt(before.get("accuracy"))},
        {t("callbacks.col_weights"): t("callbacks.weights_final"),
         "val_loss": fmt(after.get("loss")), "val_accuracy": fmt(after.get("accuracy"))},
    ])
    st.dataframe(score, hide_index=True, width="stretch")
    if es_restore and best is not None:
        same = claims.restored(setup, es_run)
        (st.success if same.close else st.warning)(agreement.sentence(
            current_language(), same, "callbacks.es_restored", "callbacks.es_restored_differ",
            "callbacks.es_restored_exact", epoch=best, before=fmt(before.get("loss")), after=fmt(after.get("loss"))),
            icon="⏪")
    elif not es_restore:
        st.info(t("callbacks.es_not_restored", epoch=es_run.epochs_run), icon="ℹ️")
    if es_monitor in ("loss", "accuracy"):
        st.warning(t("callbacks.es_train_metric", monitor=es_monitor), icon="🔍")
    if es_mode != "auto" and es_mode != ("max" if es_monitor.endswith("accuracy") else "min"):
        st.warning(t("callbacks.es_wrong_mode", monitor=es_monitor, mode=es_mode), icon="🔀")
    ui.code_panel(code.early_code(setup, es), "early_stopping.py", "cb_es")


# --------------------------------------------------------------------------- 3. ModelCheckpoint
@ui.section
def checkpoint_section(setup: lab.Setup) -> None:
    """Section 3: ModelCheckpoint; its controls rerun only this section."""
    section(3)
    ck_monitor, ck_best, ck_weights = ui.control_row(C, "cb_ck_monitor", "cb_ck_best", "cb_ck_weights")
    mc = lab.Checkpoint(monitor=ck_monitor, save_best_only=ck_best, save_weights_only=ck_weights)
    pick = None
    if lab.checkpoint_too_big(setup, mc):
        st.warning(t("callbacks.ck_too_big", epochs=setup.epochs, mb=f"{lab.checkpoint_bytes(setup) / 1e6:.1f}",
                     total=f"{lab.CHECKPOINT_BUDGET / 1e6:.0f}"), icon="💽")
    else:
        mc_run = train(setup, mc)
        disk_cap_notice(mc_run, "`ModelCheckpoint`")
        written = mc_run.checkpoints
        size = sum(w[3] for w in written)
        st.caption(t("callbacks.ck_written", n=len(written), epochs=mc_run.epochs_run, mb=f"{size / 1e6:.1f}"))
        if not written:
            st.info(t("callbacks.ck_none"), icon="ℹ️")
        else:
            left, right = st.columns([1, 1.4], gap="large")
            table = pd.DataFrame([{t("callbacks.col_epoch"): e, ck_monitor: fmt(v), t("callbacks.col_file"): name,
                                   t("callbacks.col_size"): f"{b / 1024:.0f} KB"} for e, v, name, b in written])
            left.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(written), 320))
            by_epoch = {w[0]: w for w in written}
            pick_names = {e: t("callbacks.ck_pick_option", epoch=e, file=w[2]) for e, w in by_epoch.items()}
            pick = ui.control(C["cb_ck_pick"], right, options=list(by_epoch), default=written[-1][0],
                              format_func=pick_names.__getitem__)
            loaded = mc_run.loaded[pick]
            with right:
                m = st.columns(2)
                m[0].metric(t("callbacks.m_loaded_loss"), fmt(loaded["loss"]),
                            delta=t("callbacks.ck_history_says", value=fmt(mc_run.history["val_loss"][pick - 1])),
                            delta_color="off", delta_arrow="off", border=True)
                m[1].metric(t("callbacks.m_loaded_acc"), fmt(loaded["accuracy"]),
                            delta=t("callbacks.ck_history_says", value=fmt(mc_run.history["val_accuracy"][pick - 1])),
                            delta_color="off", delta_arrow="off", border=True)
                st.caption(t("callbacks.ck_loaded_how_weights" if ck_weights else "callbacks.ck_loaded_how_model") + " "
                           + agreement.sentence(current_language(), claims.loaded(setup, mc_run, pick),
                                                "callbacks.ck_loaded_same", "callbacks.ck_loaded_differ",
                                                "callbacks.ck_loaded_same_exact"))
            st.plotly_chart(figs.checkpoint_figure(mc_run.history, ck_monitor, written, pick, L), key="cb_ck_fig")
            ui.chart_summary(summary.checkpoint_summary(current_language(), written, ck_monitor, pick))
    st.caption(t("callbacks.ck_temporary", mb=f"{scratch.limits().session_bytes / 1e6:g}"))
    ui.code_panel(code.checkpoint_code(setup, mc, pick), "model_checkpoint.py", "cb_ck")


# --------------------------------------------------------------------------- 4. ReduceLROnPlateau
@ui.section
def plateau_section(setup: lab.Setup) -> None:
    """Section 4: ReduceLROnPlateau; its controls rerun only this section."""
    section(4)
    lr_monitor, lr_factor, lr_patience, lr_min, lr_cooldown = ui.control_row(
        C, "cb_lr_monitor", "cb_lr_factor", "cb_lr_patience", "cb_lr_min", "cb_lr_cooldown",
        cb_lr_min={"format_func": fmt_lr})
    rlr = lab.Plateau(monitor=lr_monitor, factor=lr_factor, patience=lr_patience, min_lr=lr_min, cooldown=lr_cooldown)
    rlr_run = train(setup, rlr)
    st.plotly_chart(figs.plateau_figure(rlr_run.history, rlr_run.lr, lr_monitor, L), key="cb_lr_fig")
    ui.chart_summary(summary.plateau_summary(current_language(), rlr_run, lr_monitor))
    cuts = lab.lr_cuts(rlr_run.lr)
    if cuts:
        st.caption(t("callbacks.lr_cuts", n=len(cuts), cuts=", ".join(
            t("callbacks.lr_cut_item", epoch=e, old=fmt_lr(a), new=fmt_lr(b)) for e, a, b in cuts)))
    else:
        st.caption(t("callbacks.lr_no_cut", patience=lr_patience))
    st.caption(t("callbacks.lr_read", first=fmt_lr(rlr_run.lr[0]) if rlr_run.lr else "–",
                 last=fmt_lr(rlr_run.lr[-1]) if rlr_run.lr else "–"))
    if lr_min > 0 and rlr_run.lr and rlr_run.lr[-1] <= lr_min * (1 + 1e-6):
        st.info(t("callbacks.lr_floor", min_lr=fmt_lr(lr_min)), icon="🧱")
    ui.code_panel(code.plateau_code(setup, rlr), "reduce_lr_on_plateau.py", "cb_lr")


# --------------------------------------------------------------------------- 5. TensorBoard
@ui.section
def board_section(setup: lab.Setup) -> None:
    """Section 5: TensorBoard; its controls rerun only this section."""
    section(5)
    tb_hist = ui.control(C["cb_tb_hist"])
    board = lab.Board(histograms=tb_hist)
    tb_run = train(setup, board)
    disk_cap_notice(tb_run, "`TensorBoard`")
    logs = tb_run.board
    if logs is None or not logs.scalars:
        st.warning(t("callbacks.tb_empty"), icon="📭")
    else:
        for col, metric, key in zip(st.columns(2), ("loss", "accuracy"), ("cb_tb_fig", "cb_tb_acc_fig"), strict=True):
            col.plotly_chart(figs.board_figure(logs.scalars, tb_run.history, L, metric=metric), key=key)
        ui.chart_summary(summary.board_summary(current_language(), logs.scalars))
        steps, values = logs.scalars.get("validation", {}).get("epoch_loss", ([], []))
        gap = max((abs(float(v) - float(h)) for v, h in zip(values, tb_run.history["val_loss"], strict=False)),
                  default=0.0)
        st.caption(t("callbacks.tb_same", n=len(values), gap=f"{gap:.1e}"))
        left, right = st.columns([1.4, 1], gap="large")
        left.dataframe(pd.DataFrame([{t("callbacks.col_file"): name, t("callbacks.col_size"): f"{b / 1024:.1f} KB"}
                                     for name, b in logs.files]), hide_index=True, width="stretch")
        with right:
            st.download_button(t("callbacks.tb_download"), logs.zip_bytes, file_name="logs.zip", mime="application/zip",
                               icon="📦", key="cb_tb_zip")
            st.markdown(t("callbacks.tb_command"))
            st.code(code.TENSORBOARD_SHELL, language="bash")
            st.caption(t("callbacks.tb_notebook"))
            st.code(code.TENSORBOARD_NOTEBOOK, language="python")
        if tb_hist:
            kernels = [tag for tag in logs.histograms.get("train", {}) if tag.endswith("kernel/histogram")]
            cols = st.columns(max(1, len(kernels)))
            for col, tag in zip(cols, kernels, strict=False):
                h_steps, hists = logs.histograms["train"][tag]
                col.plotly_chart(figs.histogram_figure(h_steps, hists, {**L, "title": tag.removesuffix("/histogram")}),
                                 key=f"cb_tb_hist_{tag}")
                ui.chart_summary(summary.kernel_summary(current_language(), tag.removesuffix("/histogram"), h_steps,
                                                        hists), col)
            st.caption(t("callbacks.tb_hist_caption"))
    if not files.tensorboard_installed():
        st.caption(t("callbacks.tb_core"))
    ui.code_panel(code.board_code(setup, board), "tensorboard_logs.py", "cb_tb")


# --------------------------------------------------------------------------- 6. your own callback
@ui.section
def own_section(setup: lab.Setup) -> None:
    """Section 6: a callback of your own; its controls rerun only this section."""
    section(6)
    per_batch = ui.control(C["cb_own_batch"])
    own_cls = trace.BatchProgress if per_batch else trace.EpochProgress
    st.code(inspect.getsource(own_cls), language="python")
    own_run, trained_now = ui.train_timed(lab.Experiment(setup, lab.Progress(per_batch=per_batch)),
                                          run=lab.run_experiment)
    m = st.columns(3)
    m[0].metric(t("callbacks.m_updates"), len(own_run.updates), border=True)
    m[1].metric(t("callbacks.m_seconds"), f"{own_run.epoch_ms:.0f} ms", border=True)
    ui.run_time_metric(m[2], t("callbacks.m_total"), f"{own_run.seconds:.2f} s", trained_now)
    st.caption(t("callbacks.own_speed", steps=setup.steps_per_epoch))
    st.plotly_chart(figs.progress_figure(own_run.updates, setup.steps_per_epoch, own_run.history, L), key="cb_own_fig")
    ui.chart_summary(summary.progress_summary(current_language(), own_run))
    own = "callbacks.own_batch" if per_batch else "callbacks.own_epoch"
    st.caption(t("callbacks.own_caption_batch" if per_batch else "callbacks.own_caption_epoch") + " "
               + agreement.sentence(current_language(), claims.epoch_updates(own_run), f"{own}_same", f"{own}_differ",
                                    f"{own}_same_exact"))
    ui.code_panel(code.progress_code(setup, lab.Progress(per_batch=per_batch)), "progress_callback.py", "cb_own")


# --------------------------------------------------------------------------- 7. the course's list together
@ui.section
def course_section(setup: lab.Setup) -> None:
    """Section 7: the course's callbacks together; its controls rerun only this section."""
    section(7)
    course = lab.CourseList()
    all_run = train(setup, course)
    disk_cap_notice(all_run, "`ModelCheckpoint`, `TensorBoard`")
    names = ("ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau", "TensorBoard")
    effect_names = {k: t(f"callbacks.effect_name.{k}") for k in figs.EFFECT_STYLE}
    saves = sum(1 for e in all_run.events if e[3] == "saved")
    m = st.columns(4)
    m[0].metric(t("callbacks.m_epochs_run"), f"{all_run.epochs_run} / {setup.epochs}", border=True)
    m[1].metric(t("callbacks.m_saves"), saves, border=True)
    m[2].metric(t("callbacks.m_cuts"), len(lab.lr_cuts(all_run.lr)), border=True)
    m[3].metric(t("callbacks.m_stop"), all_run.stopped_epoch + 1 if all_run.stopped_epoch else t("callbacks.never"),
                border=True)
    epoch = ui.control(C["cb_all_epoch"], hi=max(2, all_run.epochs_run))
    epoch = min(epoch, all_run.epochs_run)
    st.plotly_chart(figs.events_figure(all_run.events, names, effect_names, L, picked=epoch), key="cb_all_fig")
    ui.chart_summary(summary.course_summary(current_language(), all_run, epoch))
    rows_shown = []
    for when, hook, name, effect, values in all_run.events:
        if when != epoch - 1 and not (epoch == 1 and when == -1):  # on_train_begin comes before epoch 1
            continue
        does = effect_text(effect, values) if effect else t(f"callbacks.does.{name}.{hook}")
        rows_shown.append({"#": len(rows_shown) + 1, t("callbacks.col_hook"): hook, t("callbacks.col_callback"): name,
                           t("callbacks.col_did"): does})
    st.table(pd.DataFrame(rows_shown).set_index("#"))
    st.caption(t("callbacks.all_caption"))
    ui.code_panel(code.course_code(setup, course, epoch), "course_callbacks.py", "cb_all")


early_section(setup)
checkpoint_section(setup)
plateau_section(setup)
board_section(setup)
own_section(setup)
course_section(setup)

st.header(t("callbacks.recap_header"), divider="gray")
st.markdown(t("callbacks.recap"))
