"""Unexpected errors become a calm message, never a traceback."""

from streamlit.testing.v1 import AppTest


def _broken_page():
    import streamlit as st

    from lib.core import ui

    st.session_state["lang"] = "ko"
    with ui.friendly_errors():
        st.write("before")
        raise RuntimeError("boom: internal detail")


def test_unexpected_error_is_a_friendly_message():
    at = AppTest.from_function(_broken_page, default_timeout=60)
    at.run()
    assert not at.exception  # no traceback element
    assert len(at.error) == 1
    message = at.error[0].value
    assert "RuntimeError" in message and "boom" not in message  # the kind, not the internals
    assert "설정은 그대로" in message  # in the learner's language: their settings are kept


def test_config_hides_error_details_from_learners():
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False
