"""End to end: links are the truth, whatever the input speed.

On three lessons, eight ArrowRight presses 50 ms apart on a slider (each press asks for
a rerun while the last one still runs): once the app is idle, the slider, the numbers
the page computed from it, the address bar and the share control must all say the same
value, and the share link opened in a fresh browser context must show the same numbers.
The first lesson is opened by its own address ("/home", while Streamlit serves the default
page at the root): it must open without Streamlit's "Page not found" dialog, keep the
link's settings and end up at the root.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.e2e.ready import wait_ready
from tests.e2e.serve import shared_store, streamlit_server
from tests.e2e.test_browser import READY, _main_text, browser  # noqa: F401  (browser: a pytest fixture)

pytestmark = pytest.mark.e2e

PRESSES, GAP_MS = 8, 50
# lesson: the slider's key, default and step; the metrics computed from its value (None: only the label is checked)
CASES = {
    "linear": ("steps", 40, 1, lambda v: {"Step": f"{v} / {v}", f"Loss at step {v - 1}": None}),
    "autodiff": ("x", 3.0, 0.1, lambda v: {"f(x)": f"{v * v:.4f}", "Tape gradient f′(x)": f"{2 * v:.4f}"}),
    "home": ("n", 512, 64, lambda v: {"Work for one product": f"{2 * v**3 / 1e9:.2f} GFLOP"}),
}
UNSTEADY = ("Time", "Speed")  # the home page times a real matrix product: not the same twice
EARLY = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")


def _serve(tmp_path_factory, name: str):
    """A server as hosted: a training worker, the browser tests' shared result store."""
    return streamlit_server(tmp_path_factory.mktemp(name) / "server.log", COURSE_BACKEND="workers",
                            COURSE_WORKERS="1", COURSE_RESULT_STORE=str(shared_store(tmp_path_factory)))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with _serve(tmp_path_factory, "links") as url:
        yield url


class Runs:
    """The app's script runs as the page's websocket carries them, so "idle" is a fact, not a pause.

    Idle: a run started after the last rerun request the browser sent, and finished (not cut
    short by a newer request), and nothing has moved since.
    """

    def __init__(self, page) -> None:
        self.events: list[tuple[str, float]] = []
        page.on("websocket", lambda ws: (ws.on("framesent", self._sent), ws.on("framereceived", self._received)))

    def _sent(self, frame: bytes | str) -> None:
        msg = BackMsg()
        msg.ParseFromString(frame if isinstance(frame, bytes) else frame.encode())
        if msg.WhichOneof("type") == "rerun_script":
            self.events.append(("ask", time.monotonic()))

    def _received(self, frame: bytes | str) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(frame if isinstance(frame, bytes) else frame.encode())
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.events.append(("start", time.monotonic()))
        elif kind == "script_finished" and msg.script_finished != EARLY:
            self.events.append(("end", time.monotonic()))

    def asked(self) -> int:
        return sum(kind == "ask" for kind, _ in self.events)

    def idle(self, quiet: float = 0.3) -> bool:
        kinds = [kind for kind, _ in self.events]
        if "ask" not in kinds:
            return False
        after = kinds[len(kinds) - kinds[::-1].index("ask"):]
        return "start" in after and after[-1] == "end" and time.monotonic() - self.events[-1][1] > quiet


def _idle(page, runs: Runs, timeout: float = 60, asked: int = 0) -> None:
    """Wait until the app is idle; ``asked``: only after the browser has sent more rerun requests than that
    (a key press's request leaves the browser a moment later: until then the last run's end looks idle)."""
    deadline = time.monotonic() + timeout
    while not runs.idle() or runs.asked() <= asked:
        assert time.monotonic() < deadline, f"no idle app in {timeout} s: {runs.events[-6:]}"
        page.wait_for_timeout(50)  # a poll: Playwright hands over the websocket's frames while it waits
    wait_ready(page, 60)  # and nothing on the page is still a placeholder


def _metrics(page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-testid="stMetric"]')]
        .map(m => [m.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
                   m.querySelector('[data-testid="stMetricValue"]').innerText.trim()]))""")


def _alerts(page) -> list[str]:
    """What the page says in alert boxes (errors and notices): the first thing to read when a check fails."""
    return page.locator('[data-testid="stAlert"], [data-testid="stException"]').all_inner_texts()


def _slider(page, key: str):
    return page.locator(f'.st-key-{key} input[type="range"]').first


def _share_link(page) -> str:
    page.locator('[data-testid="stSidebar"] [data-testid="stPopover"] button').first.click()
    link = page.locator('[data-testid="stPopoverBody"] code').first.inner_text(timeout=10_000).strip()
    page.keyboard.press("Escape")
    return link


def _open(context, url: str):
    page = context.new_page()
    runs = Runs(page)
    page.goto(url)
    _idle(page, runs)
    return page, runs


@pytest.mark.parametrize("slug", list(CASES))
def test_fast_presses_leave_one_truth(server, browser, slug):  # noqa: F811
    key, default, step, expected = CASES[slug]
    value = round(default + PRESSES * step, 10)
    path = "/" if slug == "home" else f"/{slug}"  # the first lesson is the default page, served at the root
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.set_default_timeout(60_000)
    try:
        page, runs = _open(context, f"{server}/{slug}?lang=en&foo=bar")
        assert page.get_by_text("Page not found").count() == 0 and page.locator('[role="dialog"]').count() == 0
        assert urlsplit(page.url).path.rstrip("/") == path.rstrip("/")
        assert parse_qsl(urlsplit(page.url).query) == [("lang", "en")]  # unknown keys leave the address

        _slider(page, key).focus()
        asked = runs.asked()
        for _ in range(PRESSES):
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(GAP_MS)  # the input's rhythm (a press every 50 ms), not a wait for the app
        _idle(page, runs, asked=asked)
        assert page.locator('[data-testid="stException"]').count() == 0

        # The slider took every press, and the page computed with what it shows.
        assert float(_slider(page, key).input_value()) == value
        shown = _metrics(page)
        for label, number in expected(value).items():
            assert label in shown, (f"no metric {label!r} in {shown}", _alerts(page))
            assert number is None or shown[label] == number, (label, shown[label], number)

        # The address bar and the share control hold exactly that value: lang, then the one control moved.
        address = urlsplit(page.url)
        assert address.path.rstrip("/") == path.rstrip("/")
        assert parse_qsl(address.query) == [("lang", "en"), (key, str(value))]
        link = _share_link(page)
        assert urlsplit(link).path.rstrip("/") == address.path.rstrip("/")
        assert parse_qsl(urlsplit(link).query) == parse_qsl(address.query)

        # The link, opened afresh, gives the same numbers.
        fresh = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
        try:
            other, _ = _open(fresh, link)
            # A fresh browser loads each kind of element's code on first use: wait for every metric to be drawn.
            other.wait_for_function("n => document.querySelectorAll('[data-testid=stMetric]').length >= n",
                                    arg=len(shown), timeout=30_000)
            assert float(_slider(other, key).input_value()) == value
            again = {k: v for k, v in _metrics(other).items() if not k.startswith(UNSTEADY)}
            assert again == {k: v for k, v in shown.items() if not k.startswith(UNSTEADY)}, _alerts(other)
            assert parse_qsl(urlsplit(other.url).query) == parse_qsl(address.query)
        finally:
            fresh.close()
    finally:
        context.close()


# --------------------------------------------------------------------------- sections that rerun alone

FRAGMENT_DONE = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_FRAGMENT_RUN_SUCCESSFULLY")
KINDS_IN = ("new_element", "add_block")  # delta types whose own type says what was drawn
# Records every element Streamlit marks stale (waiting to be redrawn by a run) that holds the marked node.
STALE_WATCH = """() => { window.__staleOutside = 0;
  const marked = document.querySelector('[data-testid="stMetric"]');
  new MutationObserver(records => { for (const r of records)
      if (r.target.getAttribute && r.target.getAttribute('data-stale') === 'true' && r.target.contains(marked))
        window.__staleOutside += 1; })
    .observe(document, {subtree: true, attributes: true, attributeFilter: ['data-stale']});
  return marked.innerText; }"""


class Deltas:
    """What each script run sent: the rerun request's fragment id, the fragment id and the kind ("code",
    "expandable", ...) of every delta, and the finished status."""

    def __init__(self, page) -> None:
        self.runs: list[dict] = []
        page.on("websocket", lambda ws: (ws.on("framesent", self._sent), ws.on("framereceived", self._received)))

    def _sent(self, frame: bytes | str) -> None:
        msg = BackMsg()
        msg.ParseFromString(frame if isinstance(frame, bytes) else frame.encode())
        if msg.WhichOneof("type") == "rerun_script":
            self.runs.append({"asked": msg.rerun_script.fragment_id, "deltas": [], "kinds": [], "status": None})

    def _received(self, frame: bytes | str) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(frame if isinstance(frame, bytes) else frame.encode())
        if self.runs and msg.WhichOneof("type") == "delta":
            self.runs[-1]["deltas"].append(msg.delta.fragment_id)
            kind = msg.delta.WhichOneof("type")
            self.runs[-1]["kinds"].append(getattr(msg.delta, kind).WhichOneof("type") if kind in KINDS_IN else kind)
        elif self.runs and msg.WhichOneof("type") == "script_finished" and msg.script_finished != EARLY:
            self.runs[-1]["status"] = msg.script_finished


def test_a_section_reruns_alone_and_the_link_follows(server, browser):  # noqa: F811
    """The evaluation lesson's threshold slider reruns its sections only: nothing above is redrawn or marked
    stale, the numbers of the section change, and the address bar and the share control follow."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.set_default_timeout(60_000)
    try:
        page = context.new_page()
        runs, deltas = Runs(page), Deltas(page)  # before the page opens its websocket
        page.goto(f"{server}/evaluation?lang=en")
        _idle(page, runs, timeout=180)  # the first lesson this server trains for (a busy CI machine is slow)
        deltas.runs.clear()
        first_metric = page.evaluate(STALE_WATCH)  # "Training rows", in section 1
        before, before_text = _metrics(page), _main_text(page)
        _slider(page, "ev_thr").focus()
        for _ in range(PRESSES):  # 0.50 -> 0.58: a few validation scores lie in between
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(GAP_MS)
        _idle(page, runs)
        value = float(_slider(page, "ev_thr").input_value())
        assert value == 0.5 + PRESSES / 100

        # Every rerun request was the threshold section's, and every run (the last one finished, the others
        # perhaps cut short by the next press) drew in that section only: its own elements, and its closed code
        # panels (fragments of their own inside it: a container and an expander each, no code).
        asked = {run["asked"] for run in deltas.runs}
        assert len(asked) == 1 and "" not in asked, deltas.runs
        drawn = {pair for run in deltas.runs for pair in zip(run["deltas"], run["kinds"], strict=True)}
        assert {d for d, _ in drawn} >= asked and "" not in {d for d, _ in drawn}
        assert {kind for d, kind in drawn if d not in asked} <= {"flex_container", "expandable"}, drawn
        assert deltas.runs[-1]["status"] == FRAGMENT_DONE and deltas.runs[-1]["deltas"]
        assert page.evaluate("() => window.__staleOutside") == 0
        assert page.locator('[data-testid="stMetric"]').first.inner_text() == first_metric
        after = _metrics(page)
        assert all(after[k] == before[k] for k in ("Training rows", "Validation rows", "Validation loss"))
        assert "threshold 0.50" in before_text and "threshold 0.50" not in _main_text(page)
        assert f"threshold {value:.2f}" in _main_text(page)  # the histogram, redrawn by the section's run

        address = urlsplit(page.url)
        assert parse_qsl(address.query) == [("lang", "en"), ("ev_thr", f"{value:g}")]
        assert parse_qsl(urlsplit(_share_link(page)).query) == parse_qsl(address.query)
    finally:
        context.close()


CODE_PANEL = ".st-key-code_ev_threshold"  # the threshold section's code panel (lib.core.ui.code_panel)


def test_a_code_panel_opens_alone_and_follows_its_section(server, browser):  # noqa: F811
    """A closed code panel holds no code; opening it reruns only the panel (not its section, nor what that
    section trains), and its code is highlighted; with the panel open, the section's slider moves the code,
    and the panel's state stays out of the address."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.set_default_timeout(60_000)
    try:
        page = context.new_page()
        runs, deltas = Runs(page), Deltas(page)
        page.goto(f"{server}/evaluation?lang=en")
        _idle(page, runs, timeout=180)
        assert page.locator('[data-testid="stCode"]').count() == 0  # every panel closed: nothing to highlight
        deltas.runs.clear()
        page.locator(f"{CODE_PANEL} summary").click()
        code = page.locator(f'{CODE_PANEL} [data-testid="stCode"]')
        code.wait_for()
        _idle(page, runs)
        (opened,) = deltas.runs  # one run, the panel's own: its expander, caption, code and download button
        assert opened["asked"] and set(opened["deltas"]) == {opened["asked"]}, opened
        assert sorted(opened["kinds"]) == ["code", "download_button", "expandable", "flex_container", "markdown"]
        assert opened["status"] == FRAGMENT_DONE
        assert "THRESHOLD = 0.5\n" in code.inner_text()
        assert code.locator(".token.keyword").count() > 0  # highlighted Python
        assert page.locator(f"{CODE_PANEL} [data-testid='stDownloadButton']").count() == 1

        deltas.runs.clear()
        _slider(page, "ev_thr").focus()
        for _ in range(3):
            asked = runs.asked()
            page.keyboard.press("ArrowRight")
            _idle(page, runs, asked=asked)
        section = {run["asked"] for run in deltas.runs}
        assert len(section) == 1 and opened["asked"] not in section and "" not in section  # the section's runs
        assert "THRESHOLD = 0.53\n" in code.inner_text()  # the open panel follows the slider
        assert parse_qsl(urlsplit(page.url).query) == [("lang", "en"), ("ev_thr", "0.53")]

        page.locator(f"{CODE_PANEL} summary").click()
        code.wait_for(state="detached")
        _idle(page, runs)
        assert page.locator('[data-testid="stCode"]').count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()


# --------------------------------------------------------------------------- the browser's history


def test_back_returns_to_the_previous_lesson_as_it_was_left(server, browser):  # noqa: F811
    """Slider moves do not pile up in the history (each completed run writes the address): Back after
    moving to another lesson returns to the previous lesson with its link and numbers, Forward comes back."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.set_default_timeout(60_000)
    try:
        page, runs = _open(context, f"{server}/autodiff?lang=en")
        start = page.evaluate("history.length")
        _slider(page, "x").focus()
        for _ in range(3):
            asked = runs.asked()
            page.keyboard.press("ArrowRight")
            _idle(page, runs, asked=asked)
        left = page.url
        assert parse_qsl(urlsplit(left).query) == [("lang", "en"), ("x", "3.3")]
        shown = _metrics(page)
        assert shown["f(x)"] == "10.8900"
        assert page.evaluate("history.length") == start  # three runs, three new addresses, one entry

        page.locator('[data-testid="stSidebarNav"] a[href$="/tensors"]').click()
        page.get_by_role("heading", name="Tensors and variables").first.wait_for()
        _idle(page, runs)
        assert urlsplit(page.url).path == "/tensors"
        assert page.evaluate("history.length") == start + 1

        page.go_back()
        page.get_by_role("heading", name="Automatic differentiation").first.wait_for()
        _idle(page, runs)
        assert page.url == left
        assert float(_slider(page, "x").input_value()) == 3.3
        assert _metrics(page)["f(x)"] == shown["f(x)"], _alerts(page)

        page.go_forward()
        page.get_by_role("heading", name="Tensors and variables").first.wait_for()
        _idle(page, runs)
        assert urlsplit(page.url).path == "/tensors"
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()


def test_two_links_opened_at_once_on_a_fresh_server_keep_their_settings(browser, tmp_path_factory):  # noqa: F811
    """The first two requests of a new server come from two links at once (a class opening the teacher's
    links): each page opens with its own link's settings and language (one session once lost them)."""
    with _serve(tmp_path_factory, "two-links") as url:
        opened = []
        for link in (f"{url}/autodiff?lang=en&x=4.0", f"{url}/home?lang=ko&n=640"):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(90_000)
            page = context.new_page()
            runs = Runs(page)
            page.goto(link, wait_until="commit")  # both sessions start before either has run
            opened.append((context, page, runs))
        try:
            (_, autodiff, runs_a), (_, home, runs_h) = opened
            _idle(autodiff, runs_a, timeout=120)
            _idle(home, runs_h, timeout=120)
            assert parse_qsl(urlsplit(autodiff.url).query) == [("lang", "en"), ("x", "4.0")]
            assert float(_slider(autodiff, "x").input_value()) == 4.0
            # A fresh browser loads each kind of element's code on first use: the metrics may come a moment later.
            autodiff.locator('[data-testid="stMetric"]', has_text="f(x)").first.wait_for(timeout=30_000)
            assert _metrics(autodiff)["f(x)"] == "16.0000", _alerts(autodiff)
            assert urlsplit(home.url).path == "/"
            assert parse_qsl(urlsplit(home.url).query) == [("lang", "ko"), ("n", "640")]
            assert float(_slider(home, "n").input_value()) == 640
            assert home.get_by_role("heading", level=1).first.inner_text() != ""
            assert "딥러닝" in home.title() or home.get_by_text("언어").count() > 0
            for page in (autodiff, home):
                assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            for context, _, _ in opened:
                context.close()
