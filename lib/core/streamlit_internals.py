"""The two places the course touches Streamlit's private internals, and why.

Neither has a public API (Streamlit 1.67). Each is checked by
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
    return gone


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
