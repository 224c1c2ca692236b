"""The Streamlit glue every page shares.

Language, URL-bound widgets (share links), cached training with live progress,
the code panel and the friendly error boundary. Numbers never come from here:
this module only moves them between ``lib``'s numeric modules and the page.
"""

from __future__ import annotations

import math
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, wait
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st
from streamlit.errors import StreamlitAPIException

from lib.core import i18n, streamlit_internals
from lib.core.controls import Control, Table
from lib.core.i18n import t

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


# --------------------------------------------------------------------------- URL-bound widgets


def _raw_param(key: str) -> list[str]:
    try:
        return st.query_params.get_all(key)
    except Exception:
        return []


def _matches(raw: list[str], value: Any) -> bool:
    """Whether the URL text already means ``value`` (Streamlit drops a default from the URL)."""
    try:
        if isinstance(value, bool):
            return raw[-1].strip().lower() in (("true", "1") if value else ("false", "0"))
        if isinstance(value, (tuple, list)):
            return len(raw) == len(value) and all(float(r) == float(v) for r, v in zip(raw, value, strict=True))
        if isinstance(value, (int, float)):
            return float(raw[-1]) == float(value)
        return raw[-1] == str(value)
    except (ValueError, TypeError):
        return False


def _note_rejected(key: str, label: str, raw: list[str], value: Any, container: Any) -> None:
    """Streamlit drops a URL value a widget cannot take; tell the learner it did."""
    if raw and not _raw_param(key) and not _matches(raw, value):
        shown = ", ".join(v[:40] for v in raw)
        container.warning(t("common.url_ignored", label=label, value=shown), icon="🔗")


def _bound(widget: Callable[..., Any], key: str, label: str, container: Any = None, **kwargs: Any) -> Any:
    container = container or st
    raw = _raw_param(key)
    bind: str | None = "query-params"
    unbind = st.session_state.get("_unbind_once")
    if unbind and key in unbind:
        # This run started from an address whose value for ``key`` must not reach the widget
        # (after "reset", or a value it cannot hold): Streamlit reads a newly drawn widget's
        # value from that starting address. Unbound for one run, it keeps its own value.
        unbind.discard(key)
        bind, raw = None, []
    value = getattr(container, widget.__name__)(label, key=key, bind=bind, **kwargs)
    _note_rejected(key, label, raw, value, container)
    return value


def _clamp_state(key: str, min_value: Any, max_value: Any) -> None:
    """Keep a remembered value inside the widget's current range.

    A range can shrink (a step scrubber after fewer steps), and Streamlit raises
    when a widget's remembered value falls outside it.
    """
    if key not in st.session_state or min_value is None or max_value is None:
        return
    current = st.session_state[key]
    try:
        if isinstance(current, (tuple, list)):
            clamped = type(current)(min(max(v, min_value), max_value) for v in current)
        else:
            clamped = min(max(current, min_value), max_value)
    except TypeError:  # a value of another type left by another page's widget
        del st.session_state[key]
        return
    if clamped != current:
        st.session_state[key] = clamped


def _slider(key: str, label: str, min_value: Any, max_value: Any, value: Any, step: Any = None,
           container: Any = None, **kwargs: Any) -> Any:
    """A slider whose value lives in the URL as ``?key=value``."""
    _clamp_state(key, min_value, max_value)
    return _bound(st.slider, key, label, container, min_value=min_value, max_value=max_value,
                  value=value, step=step, **kwargs)


def _choice(widget: Callable[..., Any], key: str, label: str, options: Sequence[Any], default: Any,
            format_func: Callable[[Any], str], container: Any, **kwargs: Any) -> Any:
    """A single choice whose URL value is the option's stable code, not its translated label.

    Streamlit's own binding writes ``format_func(option)`` to the URL, which would
    tie a shared link to one language, so the URL is kept in sync here instead.
    """
    container = container or st
    options = list(options)
    default = options[0] if default is None else default
    codes = {str(option): option for option in options}
    raw = _raw_param(key)
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]  # left by another page's widget with the same key
    if key not in st.session_state:  # a fresh page: the link decides
        if raw and raw[-1] in codes:
            st.session_state[key] = codes[raw[-1]]
        elif raw:
            container.warning(t("common.url_ignored", label=label, value=raw[-1][:40]), icon="🔗")
    kwargs.setdefault("index", None if key in st.session_state else options.index(default))
    if kwargs["index"] is None:
        del kwargs["index"]
    # Name every option now, in this run's language: Streamlit (and AppTest) may call
    # format_func again after the run, when the session's language is no longer at hand.
    names = {option: format_func(option) for option in options}
    value = getattr(container, widget.__name__)(label, options=options, format_func=names.__getitem__, key=key,
                                                **kwargs)
    if value == default:
        if key in st.query_params:
            del st.query_params[key]  # defaults stay out of the link, like bound widgets
    elif st.query_params.get(key) != str(value):
        st.query_params[key] = str(value)
    return value


def _select(key: str, label: str, options: Sequence[Any], default: Any = None,
           format_func: Callable[[Any], str] = str, container: Any = None, **kwargs: Any) -> Any:
    """A selectbox over stable codes: the URL holds the code, the learner reads ``format_func``."""
    return _choice(st.selectbox, key, label, options, default, format_func, container, **kwargs)


def _radio(key: str, label: str, options: Sequence[Any], default: Any = None,
          format_func: Callable[[Any], str] = str, container: Any = None, **kwargs: Any) -> Any:
    """Radio buttons over stable codes, kept in the URL like ``select``."""
    return _choice(st.radio, key, label, options, default, format_func, container, **kwargs)


def _number(key: str, label: str, min_value: Any, max_value: Any, value: Any, step: Any = None,
           container: Any = None, **kwargs: Any) -> Any:
    _clamp_state(key, min_value, max_value)
    return _bound(st.number_input, key, label, container, min_value=min_value, max_value=max_value,
                  value=value, step=step, **kwargs)


def _toggle(key: str, label: str, value: bool = False, container: Any = None, **kwargs: Any) -> bool:
    return _bound(st.toggle, key, label, container, value=value, **kwargs)


# --------------------------------------------------------------------------- control tables


def _drop_link_value(c: Control) -> None:
    """Take ``c``'s value out of the address and keep it from the widget for this run."""
    if c.key in st.query_params:
        try:
            del st.query_params[c.key]
        except StreamlitAPIException:  # bound to the widget this run: it keeps its own value
            pass
    st.session_state.setdefault("_unbind_once", set()).add(c.key)
    if c.key in st.session_state and not c.accepts(st.session_state[c.key]):
        del st.session_state[c.key]


def _shown(raw: list[str]) -> str:
    return ", ".join(v[:40] for v in raw[:3]) + (" …" if len(raw) > 3 else "")


def screen_links(table: Table) -> None:
    """Before a lesson runs: ignore every link value its controls cannot hold, and say so once, on top.

    Anything that is not a finite value in range (``inf``, ``nan``, a 400-digit number,
    an empty or endless text, a repeated key) leaves the address before Streamlit sees it
    (its own number input crashes on some of these), whether or not the page draws that
    control with the current settings.
    """
    ignored = []
    for c in table:
        raw = _raw_param(c.key)
        if not raw or c.kind in ("select", "radio") or c.accepts(c.from_link(raw)):
            continue  # choices are checked where they are drawn (``_choice``)
        _drop_link_value(c)
        ignored.append(t("common.url_ignored_item", label=t(c.label), value=_shown(raw)))
    if ignored:
        st.warning(t("common.url_ignored_list", items="; ".join(ignored)), icon="🔗")


def _screen_link(c: Control, label: str, lo: Any, hi: Any, container: Any) -> None:
    """A link value outside a range the page narrowed at run time (``lo``/``hi``): ignored, with a notice."""
    raw = _raw_param(c.key)
    if not raw or c.accepts(c.from_link(raw), lo, hi):
        return
    _drop_link_value(c)
    (container or st).warning(t("common.url_ignored", label=label, value=_shown(raw)), icon="🔗")


def control(c: Control, container: Any = None, label: str | None = None, **overrides: Any) -> Any:
    """The widget a table row declares, bound to the URL under ``c.key``.

    ``label`` replaces the catalogue label (e.g. a label with a number in it);
    ``overrides`` pass on to the widget: ``lo``/``hi`` narrow a range that depends on
    an earlier result (a step scrubber), ``format_func`` names choices, and anything
    else (``disabled``, ``format``, ``label_visibility``…) goes to Streamlit as is.
    """
    text = label if label is not None else t(c.label)
    if c.help is not None:
        overrides.setdefault("help", t(c.help))
    lo, hi = overrides.pop("lo", c.lo), overrides.pop("hi", c.hi)
    default = overrides.pop("default", c.default)
    if c.kind not in ("select", "radio"):
        _screen_link(c, text, lo, hi, container)
    if c.kind in ("slider", "range"):
        return _slider(c.key, text, lo, hi, default, c.step, container, **overrides)
    if c.kind == "number":
        return _number(c.key, text, lo, hi, default, c.step, container, **overrides)
    if c.kind == "toggle":
        return _toggle(c.key, text, default, container, **overrides)
    widget = _select if c.kind == "select" else _radio
    if c.names is not None:
        overrides.setdefault("format_func", lambda option: t(f"{c.names}{option}"))
    return widget(c.key, text, overrides.pop("options", c.options), default, container=container, **overrides)


def control_row(table: Table, *keys: str, gap: str = "medium", widths: Sequence[float] | None = None,
                vertical_alignment: str = "bottom", **overrides: dict[str, Any]) -> list[Any]:
    """The controls ``keys`` side by side, one column each; ``overrides[key]`` goes to that widget."""
    columns = st.columns(list(widths) if widths else len(keys), gap=gap, vertical_alignment=vertical_alignment)
    return [control(table[key], column, **overrides.get(key, {})) for key, column in zip(keys, columns, strict=True)]


def reset_button(table: Table) -> None:
    """"Reset this lesson to its defaults": forget every control's value and its URL key."""

    def reset() -> None:
        st.session_state["_unbind_once"] = {c.key for c in table if c.kind not in ("select", "radio")}
        for c in table:
            if c.kind in ("select", "radio"):  # kept in the URL by ``_choice``
                st.session_state.pop(c.key, None)
            else:  # bound to the URL by Streamlit: set the widget, and the URL follows
                st.session_state[c.key] = c.default
            if c.key in st.query_params:
                try:
                    del st.query_params[c.key]
                except StreamlitAPIException:  # bound this run: the default just set drops it
                    pass

    st.sidebar.button(t("common.reset"), icon=":material/restart_alt:", on_click=reset, key="_reset_lesson",
                      width="stretch", help=t("common.reset_help"), disabled=len(table) == 0)


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
        traceback.print_exc()
        st.error(t("common.unexpected_error", kind=type(exc).__name__), icon="⚠️")


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


def _engine_run(spec: Any, report: Callable[..., None]) -> Any:
    from lib.core import engine

    return engine.run(spec, on_epoch=report)


@st.cache_data(max_entries=128, show_spinner=False)
def _cached_run(spec: Any, extra_key: str, _run: Callable[..., Any], _report: Callable[..., None]) -> Any:
    # Runs in a worker thread (see ``train``); Streamlit locks per key, so two
    # learners asking for the same experiment train it once.
    return _run(spec, _report)


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
        run = _engine_run
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
            elif kind == "progress":
                rows.append({k: v for k, v in payload.logs.items() if "loss" in k and math.isfinite(v)})
                fraction = payload.fraction
                status.caption(t(f"common.training_{payload.unit}", done=payload.done, total=payload.total or "?"))
        if drained and rows and (time.monotonic() - last_draw > 0.15 or done):
            last_draw = time.monotonic()
            if fraction is not None:
                bar.progress(fraction)
            chart.line_chart(rows, height=180)
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
