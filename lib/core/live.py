"""Training as the page sees it: cached, stored, run in a worker, drawn live, cancellable.

``train(spec, run)`` is what every lesson page calls (through ``lib.core.ui``):

1. ``st.cache_data`` in front (``CACHE_ENTRIES`` results per process, shared by every
   learner; two learners asking for the same experiment train it once);
2. the result store on disk (``lib.core.store``): a finished run outlives the process;
3. the backend (``lib.core.workers``): a worker process trains it.

While it trains, the script thread draws the queue place, a progress bar, a live loss
chart and, after a moment, a "Cancel" button. A cancelled job stops at once (its worker is
replaced; inline, at the next progress event) and the page says so where the result
would be, with a button to train again; nothing is cached or stored for it.

The click must not wait for the script thread: the button sits in the run's section (a
fragment), and Streamlit runs a fragment's click only after the script run in progress,
so its callback would come when the run is over. The script thread, while it follows the
run, looks for the click in the session's queue of reruns (``streamlit_internals.
clicked_while_running``) and stops the job itself; the callback stays for a click it did
not see. After a cancel nothing else starts unasked: for the rest of that script run (and
the rerun the click asks for), a run the page would have to train is *held* (the page says
so with a button to train it); results already cached or stored still show.
"""

from __future__ import annotations

import functools
import hashlib
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import Any

import streamlit as st

from lib.core.i18n import t
from lib.core.progress import live_chart_spec, live_row
from lib.core.watchers import publish, watching
from lib.core.workers import JobCancelled

# Results kept for everyone, least recently used first out. A Fashion-MNIST result weighs
# about 0.8 MB (weights and predictions): 128 entries grew a server by ~100 MB over 200
# distinct runs, 32 by ~30 MB (python tests/bench/bench_memory.py).
CACHE_ENTRIES = 32
CANCEL_AFTER_SECONDS = 0.8  # a run shorter than this never flashes a Cancel button
_CANCELLED = "_cancelled_runs"  # session state: the runs this learner cancelled (until "train again")
_HOLD = "_cancel_hold"  # session state: after a cancel, "run" (this script run holds new runs) or "click"
_running: dict[str, threading.Event] = {}  # job id -> its cancel flag, for the button's callback
_prefetched: dict[str, set[threading.Event]] = {}  # session id -> cancel flags of its runs started ahead
_prefetched_lock = threading.Lock()
STOP_WAIT_SECONDS = 1.0  # after a cancel, how long the page waits for the job's end before saying so


class TrainingCancelled(Exception):
    """The learner cancelled this run; ``lib.core.ui.friendly_errors`` offers to train it again."""

    def __init__(self, run_key: str) -> None:
        super().__init__(run_key)
        self.run_key = run_key


class TrainingHeld(TrainingCancelled):
    """A run the page would train after the learner cancelled another: it waits until asked for."""


def failure_name(failure: str) -> str:
    """A worker failure kind ("crashed", "memory", "timeout") in the learner's language."""
    return t(f"common.worker_failure.{failure}")


def stored_job(spec: Any, extra_key: str, run: Callable[..., Any], report: Callable[..., None],
               cancelled: threading.Event | None = None) -> Any:
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
    if cancelled is not None and cancelled.is_set():  # cancelled (or held) before it started: never train
        raise JobCancelled()
    result = workers.run(run, spec, report, cancelled)
    if results is not None and getattr(result, "notice", None) is None:
        results.put(key, result)
    return result


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _cached_run(spec: Any, extra_key: str, _run: Callable[..., Any], _report: Callable[..., None],
                _cancelled: threading.Event | None = None) -> Any:
    # Runs in a worker thread (see ``train``); Streamlit locks per key, so two
    # learners asking for the same experiment train it once. An exception (a
    # cancelled run among them) is not cached.
    return stored_job(spec, extra_key, _run, _report, _cancelled)


def run_in_thread(work: Callable[[], Any]) -> Future:
    """Run ``work`` on a thread of its own: the backend's queue, not a thread pool, bounds
    training, so a job waiting for a slot is always told its place in the queue."""
    future: Future = Future()

    def target() -> None:
        try:
            future.set_result(work())
        except BaseException as exc:  # handed to the script thread, which shows it
            future.set_exception(exc)

    threading.Thread(target=target, name="train", daemon=True).start()
    return future


def _extra(run: Callable[..., Any] | None, extra_key: str) -> str:
    # different run functions must not share cache entries for the same spec
    return extra_key if run is None else f"{run.__module__}.{run.__qualname__}:{extra_key}"


def run_key(spec: Any, run: Callable[..., Any] | None = None, extra_key: str = "") -> str:
    """The name of one run in this session's list of cancelled runs (what ``train`` checks)."""
    return hashlib.sha256(repr((spec, _extra(run, extra_key))).encode()).hexdigest()[:24]


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else ""


def _stop(job_id: str, run_key: str) -> None:
    """Cancel the job now: its flag makes the backend replace its worker; this learner's run is cancelled,
    and so are the runs this page started ahead (``prefetch``): a cancel leaves no work behind."""
    flag = _running.get(job_id)
    if flag is not None:
        flag.set()
    with _prefetched_lock:
        for ahead in _prefetched.pop(_session_id(), ()):
            ahead.set()
    st.session_state.setdefault(_CANCELLED, set()).add(run_key)


def _cancel(job_id: str, run_key: str) -> None:
    """The Cancel button's callback (runs before the next script run): a click ``_follow`` did not see
    stops the job here; the run the click asked for holds new runs too."""
    _stop(job_id, run_key)
    st.session_state[_HOLD] = "click"


def run_started() -> None:
    """A new script run begins (the whole page, or a section alone; ``lib.core.sections`` calls this).

    A hold from an earlier run ends; the run a Cancel click asked for keeps it.
    """
    st.session_state[_HOLD] = "run" if st.session_state.get(_HOLD) == "click" else None


def held() -> bool:
    """Whether new runs wait to be asked for (a run was cancelled in this script run)."""
    return bool(st.session_state.get(_HOLD))


def train_again(run_key: str) -> None:
    """The "Train again" button's callback: forget that this run was cancelled; new runs may start."""
    st.session_state.setdefault(_CANCELLED, set()).discard(run_key)
    st.session_state[_HOLD] = None


def release_hold() -> None:
    """The held run's "Train this part" button: new runs may start again."""
    st.session_state[_HOLD] = None


def _ready_or_held(spec: Any, extra_key: str, run: Callable[..., Any], run_key: str) -> Any:
    """While runs are held: the result if the page cache or the store has it, else TrainingHeld."""
    never = threading.Event()
    never.set()  # stored_job raises JobCancelled instead of training
    try:
        return _cached_run(spec, extra_key, run, lambda kind, payload: None, never)
    except JobCancelled:
        raise TrainingHeld(run_key) from None


def prefetch(spec: Any, run: Callable[..., Any] | None = None, extra_key: str = "") -> None:
    """Start training ``spec`` now, without waiting: a later ``train`` of the same spec joins it.

    For a page that trains two independent runs (the linear lesson's comparison): both go to the
    backend at once instead of one after the other. The cache locks per key, so the run is
    trained once; a run already cached or cancelled by this learner is left alone.
    """
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    key = run_key(spec, run, extra_key)
    if key in st.session_state.get(_CANCELLED, ()) or held():
        return
    extra_key = _extra(run, extra_key)
    if run is None:
        from lib.core.engine import run
    ctx = get_script_run_ctx()
    cancelled, session = threading.Event(), _session_id()
    with _prefetched_lock:
        _prefetched.setdefault(session, set()).add(cancelled)

    def work() -> Any:
        add_script_run_ctx(threading.current_thread(), ctx)
        try:
            return _cached_run(spec, extra_key, run, functools.partial(publish, key), cancelled)
        finally:
            with _prefetched_lock:
                ahead = _prefetched.get(session)
                if ahead is not None:
                    ahead.discard(cancelled)
                    if not ahead:
                        del _prefetched[session]

    run_in_thread(work)


def train(spec: Any, run: Callable[..., Any] | None = None, extra_key: str = "") -> Any:
    """Train ``spec`` once per distinct spec; show live progress on a cache miss.

    Training runs in a worker thread while this script thread draws the queue
    place, a progress bar and a live loss chart. If the learner moves a
    slider mid-run, the worker still finishes and fills the cache.
    ``run(spec, report)`` defaults to ``engine.run``; ``report(kind, payload)`` takes
    ("queued", place) and ("progress", lib.core.progress.Progress) events.
    Raises :class:`TrainingCancelled` for a run this learner cancelled, and
    :class:`TrainingHeld` for a run that would train after a cancel (see the module note).
    """
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    key = run_key(spec, run, extra_key)
    if key in st.session_state.get(_CANCELLED, ()):
        raise TrainingCancelled(key)
    extra_key = _extra(run, extra_key)
    if run is None:
        from lib.core.engine import run
    if held():
        return _ready_or_held(spec, extra_key, run, key)
    ctx = get_script_run_ctx()
    cancelled = threading.Event()
    job_id = f"{key}-{id(cancelled):x}"
    _running[job_id] = cancelled

    def work() -> Any:
        add_script_run_ctx(threading.current_thread(), ctx)
        try:
            # Whoever's request trains the run, every learner waiting for it (the cache's lock) sees its events.
            return _cached_run(spec, extra_key, run, functools.partial(publish, key), cancelled)
        finally:
            _running.pop(job_id, None)

    with watching(key) as events:
        future = run_in_thread(work)
        return _follow(future, events, job_id, key)


def _follow(future: Future, events: queue.Queue, job_id: str, run_key: str) -> Any:
    """Draw the job's events until it ends or the learner cancels it; its result (or its exception)."""
    from lib.core.streamlit_internals import clicked_while_running

    status = bar = chart = button = None
    button_key = f"_cancel_{job_id}"
    stopped = False
    rows: list[dict[str, float]] = []
    loss_names = {"loss": t("common.live_train"), "val_loss": t("common.live_val")}
    unit_name = ""
    fraction: float | None = None
    start = last_draw = time.monotonic()
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
                if rows and payload.done <= rows[-1]["unit"]:  # the run started again (a retry, another's cancel)
                    rows.clear()
                unit_name = t(f"common.unit.{payload.unit}")
                rows.append({"unit": payload.done, **live_row(payload, loss_names)})
                fraction = payload.fraction
                status.caption(t(f"common.training_{payload.unit}", done=payload.done, total=payload.total or "?"))
        if button is None and not done and time.monotonic() - start > CANCEL_AFTER_SECONDS:
            if status is None:  # nothing reported yet (a worker starting, data loading): say so
                status, bar, chart = st.empty(), st.empty(), st.empty()
                status.caption(t("common.training_starting"))
            button = st.empty()
            button.button(t("common.cancel"), key=button_key, icon=":material/stop_circle:",
                          on_click=_cancel, args=(job_id, run_key), help=t("common.cancel_help"))
        if drained and rows and (time.monotonic() - last_draw > 0.15 or done):
            last_draw = time.monotonic()
            if fraction is not None:
                bar.progress(fraction)
            chart.vega_lite_chart(live_chart_spec(rows, unit_name, t("common.live_loss")))
        if done and events.empty():
            break
        if button is not None and clicked_while_running(button_key):  # Cancel, pressed during this run
            _stop(job_id, run_key)
            st.session_state[_HOLD] = "run"
            stopped = True
            wait([future], timeout=STOP_WAIT_SECONDS)  # the backend replaces the worker within a poll
            break
        wait([future], timeout=0.05)  # wakes at once when training ends
    for slot in (status, bar, chart, button):
        if slot is not None:
            slot.empty()
    if stopped:
        raise TrainingCancelled(run_key)
    try:
        return future.result()
    except JobCancelled as exc:
        raise TrainingCancelled(run_key) from exc
