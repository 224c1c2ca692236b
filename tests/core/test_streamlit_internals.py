"""The two Streamlit internals the course patches (lib/core/streamlit_internals.py) still exist
and the patches still take effect. When Streamlit changes them, these tests fail loudly."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import streamlit_internals
from tests.apptest import APP, open_page


def test_the_internals_are_there():
    assert streamlit_internals.missing() == []


def test_a_vanished_internal_is_reported(monkeypatch):
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import script_runner

    monkeypatch.delattr(PagesManager, "uses_pages_directory")
    monkeypatch.delattr(script_runner, "_clean_problem_modules")
    assert len(streamlit_internals.missing()) == 2
    assert streamlit_internals.keep_keras_state() is False  # says so instead of crashing the app


def _page():
    import streamlit as st

    import lib.core.ui  # noqa: F401  (applies the patch)

    st.text("a page")


def _runs_clearing_keras(monkeypatch) -> int:
    """How often Keras' session was cleared over three script runs."""
    import keras

    cleared = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: cleared.append(1))
    at = AppTest.from_function(_page, default_timeout=60)
    for _ in range(3):
        at.run()
    return len(cleared)


def test_streamlit_no_longer_clears_the_keras_session_after_a_run(monkeypatch):
    import lib.core.ui  # noqa: F401

    assert _runs_clearing_keras(monkeypatch) == 0


def test_without_the_patch_streamlit_clears_keras_after_every_run(monkeypatch):
    """Streamlit's own clean-up, put back: the probe sees Keras cleared, so the test above can fail."""
    from streamlit.runtime.scriptrunner import script_runner

    import lib.core.ui  # noqa: F401

    assert streamlit_internals.streamlit_clean_up is not None
    monkeypatch.setattr(streamlit_internals, "keep_keras_state", lambda: True)
    monkeypatch.setattr(script_runner, "_clean_problem_modules", streamlit_internals.streamlit_clean_up)
    assert _runs_clearing_keras(monkeypatch) == 3


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_deep_link_runs_through_the_entry_point(lang):
    """AppTest starts every app with Streamlit's pages-folder mode undecided, like a fresh
    server: the lesson must still get the language, the sidebar and the share control."""
    at = open_page("autodiff", lang)
    assert not at.exception
    assert at.session_state["lang"] == lang
    assert at.button(key="_reset_lesson")  # drawn by the entry point, after the page
    from streamlit.runtime.pages_manager import PagesManager

    assert PagesManager.uses_pages_directory is False


def test_without_the_switch_a_deep_link_skips_the_entry_point(monkeypatch):
    """With the mode switch disabled the lesson runs alone: so the test above can fail."""
    monkeypatch.setattr(streamlit_internals, "require_entry_point", lambda: None)
    from lib.core import ui

    monkeypatch.setattr(ui, "require_entry_point", lambda: None)
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/autodiff.py")
    at.query_params["lang"] = "ko"
    at.run()
    assert "lang" not in at.session_state
    with pytest.raises(KeyError):
        at.button(key="_reset_lesson")
