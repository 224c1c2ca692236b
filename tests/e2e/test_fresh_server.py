"""End to end: a class opens six links at once on a server that has just started, five times over.

A fresh server runs its first sessions' scripts in parallel threads, and those threads import
numpy, pandas, Plotly and TensorFlow at the same moment; Python then handed one of them a
half-initialised module (``lib.core.imports`` says why, and how the app avoids it). Each round
starts a new server, opens the six links before any page has run, and waits until every page
is drawn: no exception and no error box on any page, and each page shows its link's settings
(the widget's value and the address, language included).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from lib.core.i18n import translate
from tests.e2e.ready import wait_ready
from tests.e2e.serve import shared_store, streamlit_server
from tests.e2e.test_browser import browser  # noqa: F401  (a pytest fixture)

pytestmark = pytest.mark.e2e
ROUNDS = 5
# link -> the control it moves and the value its widget must show (None: the link sets only the language)
LINKS = {
    "/autodiff?lang=en&x=4.0": ("x", 4.0),
    "/?lang=ko&n=640": ("n", 640),
    "/tensors?lang=en": None,
    "/linear?lang=ko&lr=0.2": ("lr", 0.2),
    "/evaluation?lang=en&ev_thr=0.3": ("ev_thr", 0.3),
    "/training?lang=ko&x1=0.5": ("x1", 0.5),
}
# Error boxes that say the page failed: Streamlit's own, and the course's calm message (lib.core.ui.friendly_errors).
# Lessons also show error boxes as content (a TypeError TensorFlow raises on purpose, a run that diverges).
FAILED = [translate(lang, key, kind="", failure="").split("(")[0].strip()
          for lang in ("en", "ko") for key in ("common.unexpected_error", "common.worker_died")]


def _problems(page, link: str) -> list[str]:
    """What is wrong with ``page`` opened by ``link`` (empty: nothing)."""
    found = [f"Streamlit's error box: {text[:300]!r}"
             for text in page.locator('[data-testid="stException"]').all_inner_texts()]
    found += [f"error box: {text[:300]!r}" for text in page.locator('[data-testid="stAlert"]').all_inner_texts()
              if any(failed in text for failed in FAILED)]
    address, asked = urlsplit(page.url), urlsplit(link)
    if address.path.rstrip("/") != asked.path.rstrip("/") or parse_qsl(address.query) != parse_qsl(asked.query):
        found.append(f"address {page.url}")
    control = LINKS[link]
    if control is not None:
        key, value = control
        widget = page.locator(f'.st-key-{key} input[type="range"]')
        shown = widget.first.input_value() if widget.count() else None
        if shown is None or float(shown) != value:
            title = page.locator('[data-testid="stMain"] h1').all_inner_texts()[:1]
            found.append(f"{key} shows {shown}, the link says {value} (title {title})")
    return found


def test_six_links_at_once_on_fresh_servers(browser, tmp_path_factory):  # noqa: F811
    failures: list[str] = []
    for round_ in range(ROUNDS):
        log = tmp_path_factory.mktemp(f"fresh-{round_}") / "server.log"
        with streamlit_server(log, COURSE_BACKEND="workers", COURSE_WORKERS="1",
                              COURSE_RESULT_STORE=str(shared_store(tmp_path_factory))) as url:
            opened = []
            try:
                for link in LINKS:  # every session starts before any page has run
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    page = context.new_page()
                    page.goto(url + link, wait_until="commit")
                    opened.append((context, page, link))
                for _, page, link in opened:
                    control = LINKS[link]  # the page drawn by the entry point (its control, or its title), or
                    drawn = f".st-key-{control[0]}" if control else '[data-testid="stMain"] h1'  # what stopped it
                    drawn += ', [data-testid="stException"], [data-testid="stAlertContentError"]'
                    wait_ready(page, timeout=300, drawn=drawn)  # six first runs, TensorFlow's start, two busy cores
                    failures += [f"round {round_ + 1}, {link}: {problem}" for problem in _problems(page, link)]
            finally:
                for context, _, _ in opened:
                    context.close()
    assert not failures, "\n".join(failures)
