"""When a page is ready for a learner: its script has finished and nothing on it is still a placeholder.

The browser tests and ``tests/bench/bench_pages.py`` wait with ``wait_ready``. A finished script
(``data-test-script-state="notRunning"``) is not yet a drawn page: the browser loads each kind of
element's code on first use (Plotly, tables, Vega-Lite) and shows a grey box until it has, for
seconds on a busy machine. Streamlit 1.67 marks those boxes ``stSkeleton`` (an element whose code
is loading), ``stSkeletonElement`` (an element the script has not drawn yet) and ``stAppSkeleton``
(the app itself); a spinner is ``stSpinner``. Only visible ones count (an element in a closed tab
or expander is not on screen). Every wait ends as soon as the state holds: it polls, never sleeps.
"""

from __future__ import annotations

from typing import Any

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PLACEHOLDERS = ('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"], [data-testid="stAppSkeleton"], '
                '[data-testid="stSpinner"]')
# True once the script is idle and no placeholder is visible; also usable by a page's own wait_for_function.
DRAWN = """placeholders => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  return ![...document.querySelectorAll(placeholders)].some(e => e.getClientRects().length > 0);
}"""
POLL_MS = 100


def placeholders(page: Any) -> int:
    """How many placeholders are visible now (0 on a drawn page)."""
    return page.evaluate("p => [...document.querySelectorAll(p)].filter(e => e.getClientRects().length > 0).length",
                         PLACEHOLDERS)


def wait_ready(page: Any, timeout: float = 90, drawn: str | None = None) -> None:
    """Wait (``timeout`` s at most) until the script is idle and no placeholder is visible; with ``drawn``
    (a CSS selector), also until that element is on the page (a run that restarts itself, as a deep link's
    first run on a fresh server does, is idle for a moment before its second run has drawn anything)."""
    if drawn is not None:
        page.wait_for_selector(drawn, state="attached", timeout=timeout * 1000)
    page.wait_for_function(DRAWN, arg=PLACEHOLDERS, polling=POLL_MS, timeout=timeout * 1000)
