"""End to end: `streamlit run` + Debian's Chromium driven by Playwright.

Every lesson in both languages: no exception box, no serious or critical axe-core
finding (English in the light theme, Korean in the dark one, as a system setting picks
them). On four lessons (SHARE_CHECKED) one slider moved with the keyboard changes the
page, the URL and the share link, the URL reopens the same state, and "Reset" restores
it. Screenshots land in tests/e2e/screenshots/ for a person to look at (not under CI),
Korean also 420 px wide, as on a phone.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest

from lib.core.lessons import LESSONS
from tests.e2e import ready
from tests.e2e.ready import wait_ready
from tests.e2e.serve import ROOT, shared_store, streamlit_server

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "tests" / "e2e" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
READY = ready.READY
SHARE_CHECKED = {"home", "linear", "optimizers", "evaluation"}  # pages whose share link is reopened
# axe-core, installed by the README's test command (npm install ... --prefix ~/.cache/dl-course/npm axe-core@4.14.1).
AXE_JS = Path(os.environ.get("AXE_CORE_JS") or Path.home() / ".cache/dl-course/npm/node_modules/axe-core/axe.min.js")
AXE_VERSION = "4.14."
PHONE = {"width": 420, "height": 900}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # As hosted: training in a worker process (one: two would double TensorFlow's start-up on this
    # 2-core machine), finished runs kept in the result store the browser tests share.
    with streamlit_server(tmp_path_factory.mktemp("browser") / "server.log", COURSE_BACKEND="workers",
                          COURSE_WORKERS="1", COURSE_RESULT_STORE=str(shared_store(tmp_path_factory))) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _settle(page, timeout: float = 90_000) -> None:
    """Wait until the script has run, every placeholder is drawn and the course's CSS is in effect."""
    wait_ready(page, timeout / 1000)
    # lib/core/assets/course.css comes in an st.html, which Streamlit may draw after the rest of the page.
    page.wait_for_function("() => getComputedStyle(document.documentElement).getPropertyValue('--course-css')"
                           ".trim() === 'loaded'", timeout=timeout)
    wait_ready(page, timeout / 1000)


def _painted(page) -> None:
    """Wait until the browser has painted twice: the layout a resize asked for is on screen."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


# Screenshots are for a person to look at: a continuous-integration run (CI=true) has nobody to look, and the
# 40 full-page renders cost it about a minute. Everything the visits check runs there all the same.
SHOOT = os.environ.get("CI", "").lower() not in ("1", "true", "yes")


def _shoot(page, name: str) -> None:
    """A screenshot of the whole page: grow the window to the content, shoot, restore."""
    if not SHOOT:
        return
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"] *')]"
        ".map(e => e.scrollHeight), 1000)"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 100, 12000)})
    _painted(page)
    wait_ready(page)  # charts and tables below the old fold load their code when first shown
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    page.set_viewport_size(size)


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _axe_script() -> str:
    """Path of axe.min.js; the test fails (never skips) without it."""
    package = AXE_JS.parent / "package.json"
    if not AXE_JS.is_file() or not package.is_file():
        pytest.fail(f"axe-core not found at {AXE_JS}: run the README's test command, or "
                    "npm install --no-save --prefix ~/.cache/dl-course/npm axe-core@4.14.1 (or set AXE_CORE_JS)")
    version = json.loads(package.read_text())["version"]
    if not version.startswith(AXE_VERSION):
        pytest.fail(f"axe-core {version} at {AXE_JS}; the tests expect {AXE_VERSION}x (see the README's test command)")
    return str(AXE_JS)


def _axe_serious(page) -> list[str]:
    """axe-core's serious and critical findings on the page as shown, one line per element."""
    page.add_script_tag(path=_axe_script())
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .flatMap(v => v.nodes.map(n => `${v.id} (${v.impact}): ${n.target.join(" ")}: ${n.failureSummary}`))""")
    return [" ".join(line.split())[:400] for line in found]


def test_deep_link_on_a_fresh_server(server, browser):
    """The first request a new server sees is a lesson link: it must still get the full app."""
    lesson = LESSONS[-1]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{server}/{lesson.slug}?lang=ko")
        _settle(page)
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "한국어" in sidebar and "English" in sidebar  # the entry point's language switch
        assert page.locator('[data-testid="stException"]').count() == 0
        assert f"/{lesson.slug}" in page.url and "lang=ko" in page.url
    finally:
        context.close()


# A lesson's two visits run on one pytest-xdist worker, one after the other: the second finds the first's runs
# in its server's cache instead of training them again beside it.
VISITS = [pytest.param(lesson, lang, id=f"{lesson.slug}-{lang}", marks=pytest.mark.xdist_group(f"visit-{lesson.slug}"))
          for lesson in LESSONS for lang in ("en", "ko")]


@pytest.mark.parametrize("lesson, lang", VISITS)
def test_lesson_in_browser(server, browser, lesson, lang):
    SHOTS.mkdir(parents=True, exist_ok=True)
    _axe_script()  # before the page loads: a missing axe-core fails at once
    # The system's colour scheme picks Streamlit's theme: English in the light one, Korean in the dark one.
    scheme = "light" if lang == "en" else "dark"
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US", color_scheme=scheme)
    # Streamlit scrolls inside its own container, so a tall window is what shows the whole page.
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        page.goto(f"{server}/{'' if lesson.slug == 'home' else lesson.slug}?lang={lang}")
        _settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator("h1").first.inner_text().strip()
        background = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stApp]'))"
                                   ".backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)")
        assert (sum(background) > 600) == (scheme == "light"), f"{scheme} scheme, app background {background}"
        findings = _axe_serious(page)
        assert not findings, f"axe-core, {lesson.slug} ({lang}, {scheme} theme):\n" + "\n".join(findings)
        _shoot(page, f"{lesson.slug}-{lang}")
        if lang != "en":
            # As on a phone: nothing wider than the screen, Plotly's toolbar hidden until a pointer is over a chart.
            page.set_viewport_size(PHONE)
            _painted(page)
            wait_ready(page)
            # Charts follow the new width a moment later: wait for the page to fit (the assert says if it never does).
            from playwright.sync_api import TimeoutError as PlaywrightTimeout

            with contextlib.suppress(PlaywrightTimeout):
                page.wait_for_function(f"() => document.querySelector('[data-testid=stMain]').scrollWidth <= "
                                       f"{PHONE['width']}", polling=100, timeout=15_000)
            wide = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollWidth")
            assert wide <= PHONE["width"], f"{lesson.slug}: the page is {wide} px wide on a {PHONE['width']} px screen"
            shown = page.evaluate("() => [...document.querySelectorAll('.modebar-container')]"
                                  ".filter(e => getComputedStyle(e).display !== 'none').length")
            assert shown == 0, "Plotly's toolbar is shown without a pointer over its chart"
            _shoot(page, f"{lesson.slug}-{lang}-phone")
            return  # the interaction below is the same in every language; once is enough

        if lesson.slug not in SHARE_CHECKED:
            return  # the link mechanics are shared by every page; a few pages prove them in the browser (AppTest
            # moves every control of every page: tests/core/test_tables_on_pages.py)

        # Move the first slider one step with the keyboard, like a learner would.
        before_text, before_url = _main_text(page), page.url
        handle = page.locator('[data-testid="stSlider"] input[type="range"]').first
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("u => window.location.href !== u", arg=before_url, timeout=30_000)
        _settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert _main_text(page) != before_text
        moved_url, moved_value = page.url, handle.input_value()
        assert f"lang={lang}" in moved_url

        # The sidebar's share control shows that same full link.
        page.locator('[data-testid="stSidebar"] [data-testid="stPopover"] button').first.click()
        shown = page.locator('[data-testid="stPopoverBody"] code').first.inner_text(timeout=10_000).strip()
        assert shown.split("?")[0].rstrip("/") == moved_url.split("?")[0].rstrip("/")
        assert sorted(shown.split("?")[1].split("&")) == sorted(moved_url.split("?")[1].split("&"))
        page.keyboard.press("Escape")

        # The address bar is a share link: reopening it restores the moved slider.
        other = context.new_page()
        other.goto(moved_url)
        _settle(other)
        reopened = other.locator('[data-testid="stSlider"] input[type="range"]').first.input_value()
        assert reopened == moved_value
        other.close()

        # "Reset this lesson" brings the slider back and leaves only the language in the address.
        page.locator(".st-key-_reset_lesson button").first.click()
        page.wait_for_function("u => window.location.href !== u", arg=moved_url, timeout=30_000)
        _settle(page)
        assert page.url.split("?")[1] == f"lang={lang}"
        assert handle.input_value() != moved_value
        _shoot(page, f"{lesson.slug}-{lang}-reset")
    finally:
        context.close()


def test_tab_reaches_the_learning_rate(server, browser):
    """Keyboard: from the linear lesson's first control, Tab reaches the learning rate (section 2) in
    at most 12 presses: controls go across their rows, and charts' toolbars are no tab stops."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{server}/linear?lang=en")
        _settle(page)
        page.locator('.st-key-samples input[type="range"]').focus()
        path = []
        for _ in range(12):
            page.keyboard.press("Tab")
            key, tag, name = page.evaluate("""() => { const e = document.activeElement;
                const box = e.closest('[class*="st-key-"]');
                const key = box ? [...box.classList].find(c => c.startsWith("st-key-")).slice(7) : "";
                return [key, e.tagName, e.getAttribute("aria-label") || e.innerText.trim().slice(0, 30)]; }""")
            path.append(f"{key or tag}: {name}")
            if key == "lr" and tag == "INPUT":
                break
        else:
            pytest.fail("Tab did not reach the learning rate in 12 presses: " + " > ".join(path))
    finally:
        context.close()


def test_garbage_url_shows_notice_not_traceback(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{server}/?lang=xx&n=banana")
        _settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlert"]').count() >= 1
        _shoot(page, "garbage-url")
    finally:
        context.close()
