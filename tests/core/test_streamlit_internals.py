"""The Streamlit internals the course patches or reads (lib/core/streamlit_internals.py) still exist
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


def _cancel_button_page():
    import streamlit as st

    st.button("Cancel", key="_cancel_job")


def test_a_click_waiting_behind_the_run_in_progress_is_seen(monkeypatch):
    """A click on a button inside a fragment is filed as a rerun that does not interrupt the script run
    in progress (why the course reads the queue): ``clicked_while_running`` sees it waiting, by key."""
    from types import SimpleNamespace

    from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
    from streamlit.runtime import scriptrunner
    from streamlit.runtime.scriptrunner import RerunData
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequests

    button = AppTest.from_function(_cancel_button_page).run().button(key="_cancel_job").id  # Streamlit's own id
    requests = ScriptRequests()
    monkeypatch.setattr(scriptrunner, "get_script_run_ctx",
                        lambda suppress_warning=False: SimpleNamespace(script_requests=requests))
    assert not streamlit_internals.clicked_while_running("_cancel_job")
    requests.request_rerun(RerunData(widget_states=WidgetStates(widgets=[WidgetState(id=button, trigger_value=True)]),
                                     fragment_id="the-running-section"))
    # If Streamlit starts interrupting the run for a fragment's click, the callback alone would do: see the note.
    assert requests.on_scriptrunner_yield() is None
    assert streamlit_internals.clicked_while_running("_cancel_job")
    assert not streamlit_internals.clicked_while_running("_cancel_other_job")
    requests.on_scriptrunner_ready()  # the click's rerun starts: nothing waits any more
    assert not streamlit_internals.clicked_while_running("_cancel_job")


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
