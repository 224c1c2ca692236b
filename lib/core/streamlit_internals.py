"""The three places the course touches Streamlit's private internals, and why.

None has a public API (Streamlit 1.67). Each is checked by
``tests/core/test_streamlit_internals.py``, which fails when the attribute is gone
or the patch stops taking effect, and ``requirements.txt`` caps Streamlit at the
minor versions the suite has passed on (README: "Moving Streamlit's upper bound").

1. ``script_runner._clean_problem_modules``: after every script run Streamlit calls
   ``keras.backend.clear_session()``. That costs about 0.3 s per slider move and throws
   away the Keras state that pooled, already-traced models rely on (and the design
   forbids clearing Keras state in a shared server). ``keep_keras_state`` replaces it
   with the same clean-up minus Keras.
2. ``PagesManager.uses_pages_directory``: until some session calls ``st.navigation``,
   Streamlit treats a ``pages/`` folder the old (v1) way and runs a deep-linked
   ``pages/<name>.py`` on its own, without the entry point (no language, no sidebar).
   ``require_entry_point`` (first line of every page) switches that mode off and
   restarts the run through ``streamlit_app.py``, which opens the lesson the URL names.
3. ``ScriptRequests._state`` / ``._rerun_data`` (read only, never changed): a click on a
   widget inside a fragment (``st.fragment``, the course's sections) files a rerun of that
   fragment, and Streamlit lets such a rerun wait until the script run in progress ends
   (``_fragment_run_should_not_preempt_script``); the widget's callback runs only then. The
   Cancel button lives beside the run it cancels, inside the run's section, so its click
   would reach the page only after the run it should stop. ``clicked_while_running`` lets
   the script thread, while it follows a run, see that click waiting in the queue.
"""

from __future__ import annotations

import logging
import sys

import streamlit as st

log = logging.getLogger(__name__)
streamlit_clean_up = None  # Streamlit's own clean-up, kept for the tests that prove the patch matters


def missing() -> list[str]:
    """The internals this module needs that the installed Streamlit no longer has."""
    from streamlit.runtime import pages_manager
    from streamlit.runtime.scriptrunner import script_runner

    gone = []
    if not callable(getattr(script_runner, "_clean_problem_modules", None)):
        gone.append("streamlit.runtime.scriptrunner.script_runner._clean_problem_modules")
    if not hasattr(getattr(pages_manager, "PagesManager", None), "uses_pages_directory"):
        gone.append("streamlit.runtime.pages_manager.PagesManager.uses_pages_directory")
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequests

    requests = ScriptRequests()
    for name in ("_lock", "_state", "_rerun_data"):
        if not hasattr(requests, name):
            gone.append(f"streamlit.runtime.scriptrunner_utils.script_requests.ScriptRequests.{name}")
    return gone


def clicked_while_running(key: str) -> bool:
    """Whether a click on the button with user key ``key`` waits in this session's queue of reruns.

    Read from the script thread while the run goes on (see the module note, 3.). False when
    there is no script run context or the internals changed (then the button's callback, at
    the start of the next run, is the only way the click arrives).
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType
    from streamlit.runtime.state.common import user_key_from_element_id

    ctx = get_script_run_ctx(suppress_warning=True)
    requests = getattr(ctx, "script_requests", None)
    try:
        with requests._lock:  # type: ignore[union-attr]
            if requests._state is not ScriptRequestType.RERUN:  # type: ignore[union-attr]
                return False
            states = requests._rerun_data.widget_states  # type: ignore[union-attr]
    except AttributeError:
        return False
    return states is not None and any(
        state.WhichOneof("value") == "trigger_value" and state.trigger_value
        and user_key_from_element_id(state.id) == key for state in states.widgets)


def keep_keras_state() -> bool:
    """Stop Streamlit from clearing the Keras session after every run; False if it cannot."""
    from streamlit.runtime.scriptrunner import script_runner

    current = getattr(script_runner, "_clean_problem_modules", None)
    if current is None:
        log.warning("Streamlit internals changed: %s; Keras state is cleared after every run", missing())
        return False
    if getattr(current, "keeps_keras", False):
        return True

    def clean_without_keras() -> None:
        # What Streamlit's clean-up does besides Keras (matplotlib is unused here, but harmless).
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            plt.close("all")

    global streamlit_clean_up
    streamlit_clean_up = current
    clean_without_keras.keeps_keras = True  # type: ignore[attr-defined]
    script_runner._clean_problem_modules = clean_without_keras
    return True


def require_entry_point() -> None:
    """Restart a page that Streamlit ran without the entry point (see the module note).

    The entry point sets the session language first, so a run without it has none.
    """
    if "lang" in st.session_state:
        return
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "uses_pages_directory", None):
        PagesManager.uses_pages_directory = False
    # Another session may have switched the mode off after this run began (two links opened at once as
    # a fresh server's first requests): this run still lacks the entry point, so restart it anyway, once.
    if not st.session_state.get("_entry_restarted"):
        st.session_state["_entry_restarted"] = True
        st.rerun()
