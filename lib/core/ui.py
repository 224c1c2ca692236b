"""The Streamlit glue every page shares.

Language, URL-bound widgets (share links), cached training with live progress,
the code panel and the friendly error boundary. Numbers never come from here:
this module only moves them between ``lib``'s numeric modules and the page.
"""

from __future__ import annotations

import html
import string
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from lib.core import i18n, imports, live, streamlit_internals
from lib.core.i18n import t
from lib.core.live import CACHE_ENTRIES, prefetch, run_in_thread, stored_job, train  # noqa: F401  (pages use ui.train)
from lib.core.sections import section  # noqa: F401  (pages use @ui.section)
from lib.core.widgets import control, control_row, reset_button, screen_links  # noqa: F401  (pages use ui.*)
from lib.core.workers import WorkerDied

streamlit_internals.keep_keras_state()
require_entry_point = streamlit_internals.require_entry_point

# --------------------------------------------------------------------------- language


def init_language() -> str:
    """Pick the session language once: the link's ``?lang=``, else the browser locale.

    Later runs keep the session's language (the picker changes it). The address is never
    read again: a rerun request may carry an address from before the last run, and the
    address follows the session at the end of every run (``widgets.publish_links``).
    """
    if "lang" not in st.session_state:
        raw = st.query_params.get("lang")
        from_url = i18n.normalize(raw)
        if raw is not None and not from_url:
            st.session_state["_lang_notice"] = raw
        st.session_state["lang"] = (from_url or i18n.normalize(getattr(st.context, "locale", None))
                                    or i18n.DEFAULT_LANGUAGE)
    return st.session_state["lang"]


def language_picker() -> None:
    """Sidebar switch between Korean and English; the URL follows the choice at the end of the run."""

    def _changed() -> None:
        st.session_state["lang"] = st.session_state["_lang_choice"]

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


def share_url(params: list[tuple[str, Any]]) -> str:
    """The full address of this page with ``params`` (``widgets.link_params``): the same address
    the entry point writes to the address bar."""
    base = getattr(st.context, "url", None) or ""
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(params, doseq=True), ""))


# The share control shows the address bar itself: the app writes the address at the end of every
# completed run (a whole page or one section of it, lib.core.sections), and a section rerunning
# alone cannot redraw the sidebar, so the browser keeps the shown link equal to the address.
# The server's link is the text without JavaScript (and what tests read).
_SHARE_HTML = string.Template((Path(__file__).parent / "assets" / "share.html").read_text(encoding="utf-8"))


_LINKS_HTML = (Path(__file__).parent / "assets" / "links.html").read_text(encoding="utf-8")


def link_keeper() -> None:
    """The browser half of the share link and of the history (assets/links.html), once per run
    of the entry point: the share control follows the address bar, and a lesson keeps one entry
    in the browser's history (Back returns to the previous lesson, not the previous slider value).
    Drawn in a hidden container at the foot of the sidebar: it takes no space."""
    with st.sidebar.container(key="course-links"):
        st.html(_LINKS_HTML, unsafe_allow_javascript=True)


def _show_link(slot: Any, url: str) -> None:
    slot.html(_SHARE_HTML.substitute(url=html.escape(url), copy=html.escape(t("common.share_copy")),
                                     done=html.escape(t("common.share_copied"))), unsafe_allow_javascript=True)


def share_box(table: Any) -> Any:
    """Sidebar control with the full link that reopens this exact experiment.

    Drawn before the page runs, so it stays usable while a long run trains; in the browser it
    always shows the address bar, which holds the link of the values the last completed run
    computed with. Returns the slot holding the link.
    """
    from lib.core.widgets import link_params

    with st.sidebar.popover(t("common.share"), icon="🔗", width="stretch"):
        st.caption(t("common.share_help"))
        slot = st.empty()
    _show_link(slot, share_url(link_params(table, predicted=True)))
    return slot


def publish_page(table: Any, notice: Any, share: Any) -> None:
    """After a completed run: the address bar gets the one link of the values this run computed
    with (and the share control, which mirrors it in the browser); link values that were ignored
    are said in ``notice``, on top. ``share`` is None when a section of the page reran alone
    (``lib.core.sections``): it may not draw in the sidebar, and the browser updates the link."""
    from lib.core.widgets import link_params, publish_links

    publish_links(table, notice)
    if share is not None:
        _show_link(share, share_url(link_params(table)))


def link_param(key: str, text: str | None) -> None:
    """Keep ``key=text`` in the link (None: leave it out), for state a page keeps in the link
    outside its control table. The app owns the address: pages never write ``st.query_params``."""
    from lib.core.widgets import link_param as keep

    keep(key, text)


# --------------------------------------------------------------------------- trained now, or earlier


def train_timed(spec: Any, run: Callable[..., Any] | None = None,
                seconds: Callable[[Any], float] = lambda result: result.seconds) -> tuple[Any, bool]:
    """``train(spec, run)`` and whether this call trained it: a result from the cache or the store
    comes back at once, a run trained now makes the page wait at least its own training time
    (``seconds(result)``). A run another learner is training at this moment counts as earlier."""
    started = time.monotonic()
    result = train(spec, run=run)
    return result, time.monotonic() - started >= seconds(result)


def run_time_metric(container: Any, label: str, value: str, trained_now: bool, border: bool = True) -> None:
    """A run's training time, saying honestly whether it ran now or the result was computed earlier."""
    container.metric(label, value, border=border, delta=t("common.ran_now" if trained_now else "common.ran_earlier"),
                     delta_color="off", delta_arrow="off", help=None if trained_now else t("common.ran_earlier_help"))


# --------------------------------------------------------------------------- errors


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Unexpected errors become a calm message; the details go to the server log only."""
    try:
        yield
    except live.TrainingHeld as exc:  # not started after a cancel above: it waits to be asked for
        st.info(t("common.held"), icon="⏸️")
        st.button(t("common.train_held"), icon=":material/play_arrow:", on_click=live.release_hold,
                  key=f"_held_{exc.run_key}")
    except live.TrainingCancelled as exc:  # the learner's own choice: no error, a way back
        st.info(t("common.cancelled"), icon="⏹️")
        st.button(t("common.train_again"), icon=":material/play_arrow:", on_click=live.train_again,
                  args=(exc.run_key,), key=f"_again_{exc.run_key}")
    except Exception as exc:  # Streamlit's rerun/stop are BaseException and pass through
        traceback.print_exc()
        if isinstance(exc, WorkerDied):
            st.error(t("common.worker_died", failure=live.failure_name(exc.failure)), icon="⚠️")
        else:
            st.error(t("common.unexpected_error", kind=type(exc).__name__), icon="⚠️")


def show_tf_error(message: str, kind: str) -> None:
    """An error TensorFlow raised on purpose, shown as lesson content."""
    with st.container(border=True):
        st.error(f"**{kind}**", icon="🚫")
        st.code(message.strip()[:1500], language=None, wrap_lines=True)


# --------------------------------------------------------------------------- code panel


def code_panel_key(key: str) -> str:
    """The Session State key of the code panel ``key``: True while the learner has it open."""
    return f"code_{key}"


@st.fragment
def code_panel(code: str, filename: str, key: str) -> None:
    """The exact code for the current settings, copyable and downloadable.

    Lazy: the code and its download button are sent only while the panel is open (highlighting
    some forty closed panels cost a page visit a few tenths of a second in the browser). The panel
    is a fragment, so opening or closing it reruns only itself, with the code of the page's (or
    its section's) last run: a slider move reruns the page, which calls this with the new code.
    """
    panel = st.expander(t("common.show_code"), expanded=False, icon="🧾", key=code_panel_key(key),
                        on_change="rerun")
    if not panel.open:
        return
    with panel:
        st.caption(t("common.code_help"))
        st.code(code, language="python", line_numbers=True)
        st.download_button(t("common.download_code"), code, file_name=filename, mime="text/x-python",
                           key=f"dl_{key}", icon="⬇️")


# --------------------------------------------------------------------------- sidebar


def device_box(where: Any = None) -> None:
    """Where training happens, and with which versions (imports TensorFlow: called after the lesson)."""
    imports.load("tensorflow", "keras")  # whole, one thread at a time (lib.core.imports)
    import keras
    import tensorflow as tf

    from lib.core.device import DEVICE

    (where or st.sidebar).caption(f"**{t('common.device')}:** {DEVICE.label_in(i18n.current_language())}  \n"
                                  + t("common.versions", tf=tf.__version__, keras=keras.__version__))


def chart_summary(text: str, where: Any = None) -> None:
    """The one sentence under a main chart that says in numbers what it shows
    (``lib.core.summaries``): what a screen reader reads instead of the picture."""
    if text:
        (where or st).caption(text)


def run_notices(result: Any) -> None:
    """What a learner must know about a finished run: divergence, a data fallback."""
    if getattr(result, "diverged", False):
        st.warning(t("common.diverged"), icon="💥")
    if getattr(result, "notice", None) == "fashion_unavailable":
        st.info(t("common.data_fallback"), icon="ℹ️")
