"""Page speed in a real browser: `streamlit run` + Debian's Chromium driven by Playwright.

Prints, with the issue's targets in brackets:

1. server start to first page served: from ``Popen`` of ``streamlit run`` to the first lesson's
   title on screen, and to that page idle in the browser [<= 8 s]. The server's result store
   holds every lesson's default runs, as in the Docker image (``--cold-store``: empty);
2. after the server's background warm-up has ended ("after warm-up"), every lesson with its
   defaults, navigation (``page.goto``: the browser loads the app anew) to idle, a first and a
   second visit [second <= 2 s]; then (2b) every lesson again as a
   learner reaches it in the app, a click on its sidebar link to idle;
3. a key press (ArrowRight) on each lesson's main slider (``MAIN_SLIDER`` below) to idle,
   ``--repeat`` times with a new value each time: median and max [see ``SLIDER_TARGET``];
4. in this process, after the server is gone: the regression lesson's default 50-epoch fit
   through ``lib.lessons.regression.training.train`` (what ``pages/regression.py`` hands to
   ``ui.train``; ``ui.train`` only adds the result cache), cold then warm [warm <= 1 s].

"Idle": ``stApp``'s ``data-test-script-state`` is ``notRunning`` (after a ``running`` was seen,
or none came within ``RUN_WAIT`` s: a fast cached rerun), no placeholder (grey skeleton box) or spinner is
visible (``tests/e2e/ready.py``, shared with the browser tests), and
the document has not changed for ``QUIET`` s. A MutationObserver installed before the page's own
scripts records every script-state change and the last DOM change, so a run that starts and ends
between two polls is not missed; the time reported is that of the last change, not the end of the
quiet window. The load average is printed first and last: numbers depend on it.

Run: ``python tests/bench/bench_pages.py [--lessons linear,regression] [--port 8650] [--repeat 3]``
(several minutes on 2 CPU cores; needs /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = Path("/tmp/bench_pages")
sys.path.insert(0, str(ROOT))

from lib.core.lessons import LESSONS  # noqa: E402
from tests.e2e.ready import PLACEHOLDERS as BUSY  # noqa: E402  (what "drawn" means: shared with the browser tests)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
QUIET, RUN_WAIT = 1.0, 1.5  # s without DOM changes; s to wait for a rerun to start after a key press
HEALTH_TIMEOUT, VISIT_TIMEOUT, MOVE_TIMEOUT = 90, 120, 90  # s

# Each lesson's main slider, found by its widget key (Streamlit puts `st-key-<key>` on the widget's
# container; the key is the URL key of lib/lessons/<slug>/controls.py). Streamlit 1.67's slider is a
# hidden <input type="range"> (an implicit ARIA slider: CSS `[role="slider"]` matches nothing).
MAIN_SLIDER = {
    "home": "n",  # matrix size, the page's only slider (a matmul timing)
    "tensors": "count",  # section 2: how many random numbers are drawn and plotted
    "autodiff": "x",  # section 1: the point where the tape takes f'(x)
    "linear": "rng",  # data seed: new data, both runs retrain (40 steps); "step" starts at its max
    "training": "w11",  # section 1: a weight of the 2-2-1 network, forward + backward redrawn
    "regression": "epochs",  # section 3: 50 -> 60 -> ..., each a new (uncached) fit
    "layers": "sd_units",  # section 1: SimpleDense units, the layer rebuilt and called
    "design": "ds_units1",  # the designer's first hidden layer: a new (uncached) training run
    "optimizers": "sf_steps",  # section 1: the surface paths, 6 optimizers re-run
    "callbacks": "cb_es_patience",  # section 2 (EarlyStopping) only: a new training run of its own
    "saving": "sv_epochs",  # section 1: retrain and save
    "evaluation": "ev_thr",  # section 3: threshold explorer, no retraining
}
# Sliders of sections that rerun alone without training, measured too (":left" presses ArrowLeft: at its end).
SECTION_SLIDER = {
    "linear": "step:left",  # section 3: the decision boundary's step scrubber, at the last step
    "callbacks": "cb_all_epoch",  # section 7: which epoch's callback calls are listed
}
SLIDER_TARGET = {"linear": 1, "autodiff": 1, "training": 1, "evaluation": 1, "optimizers": 1, "callbacks": 1,
                 "design": 2, "regression": 2}  # median, s

# Runs before the page's own scripts on every document the context opens.
OBSERVER = """(() => { const w = window.__bench = {last: Date.now(), states: [], title: null};
  new MutationObserver(records => { const now = Date.now(); w.last = now;
    if (w.title === null && document.querySelector('[data-testid="stMain"] h1')) w.title = now;
    for (const r of records) if (r.attributeName === 'data-test-script-state')
      w.states.push([now, r.target.getAttribute('data-test-script-state')]);
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})()"""
IDLE = """([t0, quiet, runWait, busy]) => {
  const w = window.__bench, now = Date.now();
  const app = document.querySelector('[data-testid="stApp"]');
  if (!w || !app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const since = w.states.filter(([t]) => t >= t0);
  if (!since.some(([, s]) => s === 'running') && now - t0 < runWait) return false;
  if ([...document.querySelectorAll(busy)].some(e => e.getClientRects().length > 0)) return false;
  if (now - w.last < quiet) return false;
  const done = since.filter(([, s]) => s === 'notRunning').map(([t]) => t);
  return {ms: Math.max(w.last, ...since.map(([t]) => t)) - t0, ran: since.some(([, s]) => s === 'running'),
          done: done.length ? Math.max(...done) - t0 : null};
}"""


def wait_idle(page, t0_ms: float, run_wait: float, timeout: float) -> dict:
    """Wait until the page is idle; {'ms': last change - t0, 'ran': a rerun was seen}."""
    handle = page.wait_for_function(IDLE, arg=[t0_ms, QUIET * 1000, run_wait * 1000, BUSY], polling=100,
                                    timeout=timeout * 1000)
    return handle.json_value()


SCRIPT_DONE: dict[str, float | None] = {}  # url -> seconds from goto to the script's end, on its last visit


def visit(page, url: str, timeout: float = VISIT_TIMEOUT) -> float:
    """Seconds from page.goto to idle: drawn, no placeholder left (the load runs the script once, so a
    run is required). When the script itself ended is kept in ``SCRIPT_DONE``: the gap is grey boxes."""
    t0 = time.time() * 1000
    page.goto(url, wait_until="commit", timeout=timeout * 1000)
    idle = wait_idle(page, t0, timeout, timeout)
    SCRIPT_DONE[url] = idle["done"] / 1000 if idle.get("done") is not None else None
    return idle["ms"] / 1000


def move(page, key: str, arrow: str = "ArrowRight") -> tuple[float, str, bool]:
    """Focus the slider `key`, press `arrow`: (seconds to idle, new value, whether a rerun ran)."""
    handle = page.locator(f'.st-key-{key} input[type="range"]').first
    handle.focus(timeout=10_000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # focus drawn
    t0 = page.evaluate("Date.now()")
    page.keyboard.press(arrow)
    idle = wait_idle(page, t0, RUN_WAIT, MOVE_TIMEOUT)
    return idle["ms"] / 1000, handle.input_value(timeout=10_000), idle["ran"]


def slide(page, key: str, arrow: str, repeat: int, note: str) -> tuple:
    """``repeat`` presses on the slider ``key``: (median s, max s, values seen, note)."""
    from playwright.sync_api import Error as PlaywrightError

    moves: list[float] = []
    values: list[str] = []
    try:
        if page.locator(f'.st-key-{key} input[type="range"]').count() == 0:
            return None, None, values, note + f" slider {key!r} not found"
        values.append(page.locator(f'.st-key-{key} input[type="range"]').first.input_value())
        for _ in range(repeat):
            seconds, value, ran = move(page, key, arrow)
            moves.append(seconds)
            values.append(value + ("" if ran else "(no rerun)"))
    except PlaywrightError as e:
        note += f" timeout ({str(e).splitlines()[0][:60]})"
    if not moves:
        return ("timeout" if "timeout" in note else None), None, values, note
    return statistics.median(moves), max(moves), values, note


def fresh_store(cold: bool) -> Path:
    """A new result store for the server: empty (``cold``), or holding every lesson's default runs and
    nothing else, as a Docker image built with ``python -m lib.core.warm`` has. Either way a slider value
    never measured before is trained, not read from an earlier bench run's store."""
    store = Path(tempfile.mkdtemp(prefix="bench-pages-store-"))
    if cold:
        return store
    from lib.core.store import code_version

    warmed = WORK / f"warm-{code_version()}"  # the defaults of this code, warmed once and copied each run
    if not any(warmed.glob("*.pkl")):
        started = time.time()
        subprocess.run([sys.executable, "-m", "lib.core.warm", "--quiet"], cwd=ROOT, check=False,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "COURSE_OFFLINE": "1",
                            "COURSE_RESULT_STORE": str(warmed)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"   (warmed the default runs once for this code version in {time.time() - started:.0f} s: {warmed})")
    shutil.copytree(warmed, store, dirs_exist_ok=True)
    return store


def start_server(port: int, log: Path, store: Path) -> subprocess.Popen:
    # As hosted: worker processes, the warm-up in the background.
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "COURSE_OFFLINE": "1", "COURSE_RESULT_STORE": str(store)}
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )


def wait_healthy(url: str, proc: subprocess.Popen) -> None:
    deadline = time.time() + HEALTH_TIMEOUT
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"streamlit did not become healthy in {HEALTH_TIMEOUT} s")


def warm_children(pid: int) -> list[int]:
    """The server's running ``lib.core.warm`` children (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid \
                    and b"lib.core.warm" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):  # a process that ended while we looked
            continue
    return found


def wait_for_warm_up(pid: int, timeout: float = 300) -> float:
    """Seconds until the server's warm-up child has ended (it starts after the first page)."""
    start = time.time()
    while time.time() - start < timeout and warm_children(pid):
        time.sleep(0.5)
    return time.time() - start


def fmt(value: float | str | None, target: float | None = None) -> str:
    """Seconds, with a `!` when over the target."""
    if not isinstance(value, float):
        return f"{value or '-':>7} "
    return f"{value:7.2f}{'!' if target is not None and value > target else ' '}"


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def bench_browser(port: int, slugs: list[str], repeat: int, procs: list[subprocess.Popen], cold: bool) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    def path(slug: str) -> str:  # the default page (home) lives at /
        return f"http://127.0.0.1:{port}/{'' if slug == LESSONS[0].slug else slug}?lang=en"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
        context.add_init_script(OBSERVER)
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.goto("about:blank")  # the browser is up before the server starts
        visits: dict[str, list] = {slug: [None, None] for slug in slugs}
        print(f"\n1. server start to first page served ({slugs[0]}) [target <= 8 s]; result store: "
              f"{'empty' if cold else 'the default runs (as the Docker image has them)'}")
        store = fresh_store(cold)
        url, started = f"http://127.0.0.1:{port}", time.time()
        procs.append(start_server(port, WORK / "server.log", store))
        try:
            wait_healthy(url, procs[0])
            healthy = time.time()
            goto = time.time() * 1000
            visits[slugs[0]][0] = visit(page, path(slugs[0]))
            total = time.time() - started  # idle is detected QUIET s after the last change
            shown = healthy - started + (page.evaluate("window.__bench.title") - goto) / 1000
            served = healthy - started + visits[slugs[0]][0]
            print(f"   health check ok after {healthy - started:.2f} s; the lesson's title on screen after "
                  f"{shown:.2f} s; page idle (every number drawn) after {served:.2f} s\n"
                  f"   (goto to idle {visits[slugs[0]][0]:.2f} s; wall clock incl. quiet window {total:.2f} s)")
        except (PlaywrightError, RuntimeError) as e:
            print(f"   timeout / failure: {str(e).splitlines()[0]}")
            visits[slugs[0]][0] = "timeout"

        if procs and procs[0].poll() is None:  # the visits are timed after warm-up
            waited = wait_for_warm_up(procs[0].pid)
            print(f"   the server's background warm-up (workers, python -m lib.core.warm) done {waited:.1f} s later")
        print(f"\n2.+3. every lesson: visits with defaults [second <= 2 s]; ArrowRight on the main slider, "
              f"{repeat} presses [median target per lesson]")
        print(f"   {'lesson':11s} {'first s':>7}  {'second s':>8}  {'slider':15s} {'median':>7}  {'max':>7}  "
              f"{'target':>6}  values  (! = over target)")
        for slug in slugs:
            row = visits[slug]
            note = ""
            try:
                if row[0] is None:
                    row[0] = visit(page, path(slug))
                done = SCRIPT_DONE.get(path(slug))
                row[1] = visit(page, path(slug))
                if page.locator('[data-testid="stException"]').count():
                    note += " EXCEPTION-BOX"
                again = SCRIPT_DONE.get(path(slug))
                print(f"   {slug:11s} script ended / drawn (no placeholder left): first "
                      f"{fmt(done)}/{fmt(row[0])}, second {fmt(again)}/{fmt(row[1])}", flush=True)
            except PlaywrightError as e:
                note += f" timeout ({str(e).splitlines()[0][:60]})"
            row = [v if v is not None else ("timeout" if "timeout" in note else None) for v in row]
            for i, spec in enumerate([MAIN_SLIDER.get(slug), SECTION_SLIDER.get(slug)]):
                if spec is None or (i and "timeout" in note):
                    continue
                key, _, side = spec.partition(":")
                median, worst, values, extra = slide(page, key, "ArrowLeft" if side == "left" else "ArrowRight",
                                                     repeat, note)
                target = SLIDER_TARGET.get(slug)
                first, second = (fmt(row[0]), fmt(row[1], 2)) if i == 0 else ("", "")
                print(f"   {slug if i == 0 else '':11s} {first:8s} {second:>8}  {spec:15s} "
                      f"{fmt(median, target)}{fmt(worst)} {'<= ' + str(target) if target else '-':>6}  "
                      f"{' -> '.join(values)}{extra}", flush=True)
        print("\n2b. every lesson again, reached in the app: a click on its link in the sidebar to idle "
              "[second visit <= 2 s]")
        for slug in slugs:
            link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{"" if slug == LESSONS[0].slug else slug}"]')
            try:
                t0 = page.evaluate("Date.now()")
                link.first.click()
                seconds: float | str = wait_idle(page, t0, VISIT_TIMEOUT, VISIT_TIMEOUT)["ms"] / 1000
            except PlaywrightError as e:
                seconds = f"timeout ({str(e).splitlines()[0][:60]})"
            print(f"   {slug:11s} {fmt(seconds, 2)}", flush=True)
        context.close()
        browser.close()


def bench_regression_fit() -> None:
    print("\n4. regression default fit in this process: training.train(lab.RegressionSpec()) [warm <= 1 s]")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import warnings

    warnings.filterwarnings("ignore")
    saved = os.dup(2)  # TensorFlow's C++ start-up notices bypass TF_CPP_MIN_LOG_LEVEL
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
        try:
            from lib.lessons.regression import lab, training
        finally:
            os.dup2(saved, 2)
            os.close(saved)

    spec = lab.RegressionSpec()
    for name in ("first (cold: builds and traces)", "second (warm: pooled model, no result cache)"):
        start = time.perf_counter()
        result = training.train(spec)
        print(f"   {name:46s} {time.perf_counter() - start:6.2f} s  ({spec.epochs} epochs, "
              f"test MSE {result.test_mse:.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", help="comma-separated slugs (default: all, in course order)")
    parser.add_argument("--port", type=int, default=8650)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cold-store", action="store_true",
                        help="start with an empty result store (default: the lessons' default runs, warmed once)")
    args = parser.parse_args()
    slugs = [lesson.slug for lesson in LESSONS]
    if args.lessons:
        wanted = args.lessons.split(",")
        unknown = set(wanted) - set(slugs)
        if unknown:
            parser.error(f"unknown lesson(s) {', '.join(sorted(unknown))}; choose from {', '.join(slugs)}")
        slugs = [s for s in slugs if s in wanted]
    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    print(f"load average at start: {load()}  ({os.cpu_count()} CPUs)")
    WORK.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    try:
        bench_browser(args.port, slugs, args.repeat, procs, args.cold_store)
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    if "regression" in slugs:
        bench_regression_fit()
    print(f"\nload average at end: {load()}")


if __name__ == "__main__":
    main()
