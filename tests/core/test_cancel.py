"""Cancelling a training run from the page (``lib.core.live``): a message, a way back, nothing cached."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.core.i18n import translate
from lib.core.progress import Progress

SPEC = ("cancel-test", 7)


def job(spec, report):
    report("progress", Progress(1, 1, "epoch", {"loss": 0.5}))
    return spec[1] * 6


def page() -> None:
    import streamlit as st

    from lib.core import ui
    from tests.core.test_cancel import SPEC, job

    with ui.friendly_errors():
        st.text(f"answer {ui.train(SPEC, run=job)}")


def _cancelled_page(lang: str) -> AppTest:
    from lib.core import live

    at = AppTest.from_function(page, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["_cancelled_runs"] = {live.run_key(SPEC, job)}  # what the Cancel button leaves
    return at.run()


def test_a_cancelled_run_says_so_and_trains_again_on_request():
    at = _cancelled_page("en")
    assert [i.value for i in at.info] == [translate("en", "common.cancelled")]
    assert not at.text and not at.error
    again = next(b for b in at.button if b.label == translate("en", "common.train_again"))
    again.click().run()
    assert [x.value for x in at.text] == ["answer 42"] and not at.info


def test_the_message_is_korean_on_the_korean_page():
    at = _cancelled_page("ko")
    assert [i.value for i in at.info] == [translate("ko", "common.cancelled")]
    assert any(b.label == "다시 학습" for b in at.button)


def slow_job(spec, report):
    import time

    time.sleep(1.5)  # longer than live.CANCEL_AFTER_SECONDS, and silent: a worker still starting
    report("progress", Progress(1, 1, "epoch", {"loss": 0.5}))
    return spec[1] * 6


def slow_page() -> None:
    import streamlit as st

    from lib.core import ui
    from tests.core.test_cancel import SPEC, slow_job

    with ui.friendly_errors():
        st.text(f"answer {ui.train(SPEC, run=slow_job)}")


def test_a_slow_start_says_it_is_starting_and_leaves_only_the_result():
    at = AppTest.from_function(slow_page, default_timeout=60)
    at.session_state["lang"] = "ko"
    at.run()
    # the status, the Cancel button and the chart are gone once the run ended; the answer stays
    assert [x.value for x in at.text] == ["answer 42"] and not at.button and not at.caption
