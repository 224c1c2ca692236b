"""``ui.prefetch``: a run started early trains once, beside the page's other run, and ``train`` gets it."""

from __future__ import annotations

import threading
import time

from streamlit.testing.v1 import AppTest

CALLS: list[tuple[str, float, float]] = []  # (spec, start, end) of every run the backend trained
LOCK = threading.Lock()


def job(spec, report):
    start = time.monotonic()
    time.sleep(0.6)
    with LOCK:
        CALLS.append((spec, start, time.monotonic()))
    return f"{spec} done"


def page() -> None:
    import streamlit as st

    from lib.core import ui
    from tests.core.test_prefetch import job

    ui.prefetch("prefetch-b", run=job)  # section 5's run, started before section 2's
    st.text(ui.train("prefetch-a", run=job))
    st.text(ui.train("prefetch-b", run=job))


def test_a_prefetched_run_trains_once_and_beside_the_other():
    CALLS.clear()
    at = AppTest.from_function(page, default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    assert [t.value for t in at.text] == ["prefetch-a done", "prefetch-b done"]
    assert sorted(spec for spec, _, _ in CALLS) == ["prefetch-a", "prefetch-b"]  # b trained once, not twice
    (_, a0, a1), (_, b0, b1) = sorted(CALLS)
    assert b0 < a1 and a0 < b1  # the two runs overlapped in time
