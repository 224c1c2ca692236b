"""Every learner waiting for a run sees its events, also when another learner's request trains it."""

from __future__ import annotations

import queue
import threading
import time

from streamlit.testing.v1 import AppTest

from lib.core import watchers


def _drain(events: queue.Queue) -> list:
    out = []
    while not events.empty():
        out.append(events.get_nowait())
    return out


def test_two_watchers_get_every_event_and_a_late_one_gets_the_story_so_far() -> None:
    with watchers.watching("k") as a, watchers.watching("k") as b:
        watchers.publish("k", "queued", 3)
        watchers.publish("k", "queued", 2)
        watchers.publish("k", "progress", 1)
        watchers.publish("other", "progress", 9)  # nobody watches it: dropped
        assert _drain(a) == _drain(b) == [("queued", 3), ("queued", 2), ("progress", 1)]
        with watchers.watching("k") as late:  # only the latest place, then the epochs so far
            assert _drain(late) == [("queued", 2), ("progress", 1)]
        assert watchers.watched() == 1
    assert watchers.watched() == 0  # the run is forgotten with its last watcher
    with watchers.watching("k") as again:
        assert _drain(again) == []


def test_a_run_reports_at_most_max_events_to_a_late_watcher() -> None:
    with watchers.watching("long") as first:
        for epoch in range(watchers.MAX_EVENTS + 50):
            watchers.publish("long", "progress", epoch)
        assert first.qsize() == watchers.MAX_EVENTS + 50  # live watchers miss nothing
        with watchers.watching("long") as late:
            assert late.qsize() == watchers.MAX_EVENTS


STARTED, RELEASE = threading.Event(), threading.Event()
CALLS: list = []


def slow_run(spec, report):
    """Waits in the queue (place 2), then trains until the test releases it."""
    CALLS.append(spec)
    report("queued", 2)
    STARTED.set()
    RELEASE.wait(30)
    return {"epochs": spec.fit.epochs}


def _script() -> None:
    import streamlit as st

    from lib.core import ui
    from lib.core.specs import FitSpec, RunSpec
    from tests.core.test_watchers import slow_run

    result = ui.train(RunSpec(fit=FitSpec(epochs=4)), run=slow_run, extra_key="watchers")
    st.text(f"epochs={result['epochs']}")


def test_a_learner_waiting_on_another_learners_identical_run_sees_its_queue_place(monkeypatch) -> None:
    from lib.core import live

    shown: list[tuple[int, int]] = []  # (session's script thread, place) every time a page draws a queue place
    real_t = live.t

    def spy(key: str, **values):
        if key == "common.queued":  # each AppTest runs its script on a thread of its own
            shown.append((threading.get_ident(), values["place"]))
        return real_t(key, **values)

    monkeypatch.setattr(live, "t", spy)
    CALLS.clear()
    STARTED.clear()
    RELEASE.clear()
    first, second = (AppTest.from_function(_script, default_timeout=60) for _ in range(2))
    threads = [threading.Thread(target=first.run)]
    threads[0].start()
    assert STARTED.wait(30)  # the first learner's request is training (waiting in the queue)
    threads.append(threading.Thread(target=second.run))
    threads[1].start()  # the second waits on the cache's lock for the same run
    deadline = time.monotonic() + 30
    while len({session for session, _ in shown}) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    RELEASE.set()
    for thread in threads:
        thread.join(60)
    assert len(CALLS) == 1  # trained once
    assert len({session for session, _ in shown}) == 2, shown  # both learners were told their place
    assert {place for _, place in shown} == {2}
    for at in (first, second):
        assert not at.exception
        assert at.text[0].value == "epochs=4"
        assert not at.info  # the place is gone once the result is there
    assert watchers.watched() == 0
