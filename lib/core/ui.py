"""The Streamlit glue every page shares.

Language, URL-bound widgets (share links), cached training with live progress,
the code panel and the friendly error boundary. Numbers never come from here:
this module only moves them between ``lib``'s numeric modules and the page.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from lib.core import i18n, streamlit_internals
from lib.core.i18n import t
from lib.core.progress import live_row
from lib.core.widgets import control, control_row, reset_button, screen_links  # noqa: F401  (pages use ui.*)

streamlit_internals.keep_keras_state()
require_entry_point = streamlit_internals.require_entry_point

# --------------------------------------------------------------------------- language


def init_language() -> str:
    """Pick the session language: ``?lang=``, else the last choice, else the browser locale."""
    from_url = i18n.normalize(st.query_params.get("lang"))
    raw = st.query_params.get("lang")
    if from_url:
        lang = from_url
    elif "lang" in st.session_state:
        lang = st.session_state["lang"]
    else:
        lang = i18n.normalize(getattr(st.context, "locale", None)) or i18n.DEFAULT_LANGUAGE
    if raw is not None and not from_url:
        st.session_state["_lang_notice"] = raw
    st.session_state["lang"] = lang
    st.query_params["lang"] = lang  # always in the URL, so a shared link keeps it
    return lang


def language_picker() -> None:
    """Sidebar switch between Korean and English; the URL follows the choice."""

    def _changed() -> None:
        st.session_state["lang"] = st.session_state["_lang_choice"]
        st.query_params["lang"] = st.session_state["lang"]

    st.session_state["_lang_choice"] = st.session_state["lang"]
    st.sidebar.segmented_control(
        t("common.language"),
        options=list(i18n.LANGUAGES),
        format_func=lambda code: i18n.LANGUAGE_NAMES[code],
        key="_lang_choice",
        on_change=_changed,
        required=True,
    )
    bad = st.session_state.pop("_lang_notice", None)
    if bad is not None:
        st.sidebar.warning(t("common.url_bad_lang", value=str(bad)[:40]))


# --------------------------------------------------------------------------- share link


def share_url() -> str:
    """The full address of the current experiment (page + every bound widget + language)."""
    base = getattr(st.context, "url", None) or ""
    parts = urlsplit(base)
    params = [(k, v) for k in st.query_params for v in st.query_params.get_all(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params), ""))


def share_box() -> None:
    """Sidebar control with the full link that reopens this exact experiment."""
    with st.sidebar.popover(t("common.share"), icon="🔗", width="stretch"):
        st.caption(t("common.share_help"))
        st.code(share_url(), language=None, wrap_lines=True)


# --------------------------------------------------------------------------- errors


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Unexpected errors become a calm message; the details go to the server log only."""
    try:
        yield
    except Exception as exc:  # Streamlit's rerun/stop are BaseException and pass through
        from lib.core.workers import WorkerDied

        traceback.print_exc()
        if isinstance(exc, WorkerDied):
            st.error(t("common.worker_died", failure=failure_name(exc.failure)), icon="⚠️")
        else:
            st.error(t("common.unexpected_error", kind=type(exc).__name__), icon="⚠️")


def failure_name(failure: str) -> str:
    """A worker failure kind ("crashed", "memory", "timeout") in the learner's language."""
    return t(f"common.worker_failure.{failure}")


def show_tf_error(message: str, kind: str) -> None:
    """An error TensorFlow raised on purpose, shown as lesson content."""
    with st.container(border=True):
        st.error(f"**{kind}**", icon="🚫")
        st.code(message.strip()[:1500], language=None, wrap_lines=True)


# --------------------------------------------------------------------------- code panel


def code_panel(code: str, filename: str, key: str) -> None:
    """The exact code for the current settings, copyable and downloadable."""
    with st.expander(t("common.show_code"), expanded=False, icon="🧾"):
        st.caption(t("common.code_help"))
        st.code(code, language="python", line_numbers=True)
        st.download_button(t("common.download_code"), code, file_name=filename, mime="text/x-python",
                           key=f"dl_{key}", icon="⬇️")


# --------------------------------------------------------------------------- training


# Results kept for everyone, least recently used first out. A Fashion-MNIST result weighs
# about 0.8 MB (weights and predictions): 128 entries grew a server by ~100 MB over 200
# distinct runs, 32 by ~30 MB (python tests/bench/bench_memory.py).
CACHE_ENTRIES = 32


def stored_job(spec: Any, extra_key: str, run: Callable[..., Any], report: Callable[..., None]) -> Any:
    """A finished run from the result store on disk, or trained by the backend and stored.

    The store outlives the process and is shared by every server process on its path
    (``lib.core.store``); training goes to a worker process (``lib.core.workers``). A run
    that fell back to other data (``notice``) depends on this machine and is not stored.
    """
    from lib.core import store, workers

    results = store.default_store()
    key = store.key_for(spec, extra_key, f"{run.__module__}.{run.__qualname__}")
    if results is not None:
        hit = results.get(key)
        if hit is not None:
            return hit
    result = workers.run(run, spec, report)
    if results is not None and getattr(result, "notice", None) is None:
        results.put(key, result)
    return result


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _cached_run(spec: Any, extra_key: str, _run: Callable[..., Any], _report: Callable[..., None]) -> Any:
    # Runs in a worker thread (see ``train``); Streamlit locks per key, so two
    # learners asking for the same experiment train it once.
    return stored_job(spec, extra_key, _run, _report)


def run_in_thread(work: Callable[[], Any]) -> Future:
    """Run ``work`` on a thread of its own: the gate, not a thread pool, bounds training,
    so a job waiting for a slot is always told its place in the queue."""
    future: Future = Future()

    def target() -> None:
        try:
            future.set_result(work())
        except BaseException as exc:  # handed to the script thread, which shows it
            future.set_exception(exc)

    threading.Thread(target=target, name="train", daemon=True).start()
    return future


def train(spec: Any, run: Callable[..., Any] | None = None, extra_key: str = "") -> Any:
    """Train ``spec`` once per distinct spec; show live progress on a cache miss.

    Training runs in a worker thread while this script thread draws the queue
    place, a progress bar and a live loss chart. If the learner moves a
    slider mid-run, the worker still finishes and fills the cache.
    ``run(spec, report)`` defaults to ``engine.run``; ``report(kind, payload)`` takes
    ("queued", place) and ("progress", lib.core.progress.Progress) events.
    """
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    if run is None:
        from lib.core.engine import run
    else:  # different run functions must not share cache entries for the same spec
        extra_key = f"{run.__module__}.{run.__qualname__}:{extra_key}"
    events: queue.Queue = queue.Queue()
    ctx = get_script_run_ctx()

    def work() -> Any:
        add_script_run_ctx(threading.current_thread(), ctx)
        return _cached_run(spec, extra_key, run, lambda kind, payload: events.put((kind, payload)))

    future = run_in_thread(work)
    status = bar = chart = None
    rows: list[dict[str, float]] = []
    loss_names = {"loss": t("common.live_train"), "val_loss": t("common.live_val")}
    unit_name = ""
    fraction: float | None = None
    last_draw = 0.0
    while True:
        done = future.done()
        drained = False
        while not events.empty():
            kind, payload = events.get_nowait()
            drained = True
            if status is None:
                status, bar, chart = st.empty(), st.empty(), st.empty()
            if kind == "queued":
                status.info(t("common.queued", place=payload), icon="⏳")
            elif kind == "retry":
                status.warning(t("common.worker_retry", failure=failure_name(payload)), icon="🔁")
            elif kind == "progress":
                unit_name = t(f"common.unit.{payload.unit}")  # the x column, named like the axis
                rows.append({unit_name: payload.done, **live_row(payload, loss_names)})
                fraction = payload.fraction
                status.caption(t(f"common.training_{payload.unit}", done=payload.done, total=payload.total or "?"))
        if drained and rows and (time.monotonic() - last_draw > 0.15 or done):
            last_draw = time.monotonic()
            if fraction is not None:
                bar.progress(fraction)
            chart.line_chart(rows, x=unit_name, height=180, y_label=t("common.live_loss"))
        if done and events.empty():
            break
        wait([future], timeout=0.05)  # wakes at once when training ends
    for slot in (status, bar, chart):
        if slot is not None:
            slot.empty()
    return future.result()


# --------------------------------------------------------------------------- sidebar


def device_box() -> None:
    """Where training happens, and with which versions."""
    import keras
    import tensorflow as tf

    from lib.core.device import DEVICE

    st.sidebar.caption(f"**{t('common.device')}:** {DEVICE.label}  \n"
                       + t("common.versions", tf=tf.__version__, keras=keras.__version__))


def run_notices(result: Any) -> None:
    """What a learner must know about a finished run: divergence, a data fallback."""
    if getattr(result, "diverged", False):
        st.warning(t("common.diverged"), icon="💥")
    if getattr(result, "notice", None) == "fashion_unavailable":
        st.info(t("common.data_fallback"), icon="ℹ️")
