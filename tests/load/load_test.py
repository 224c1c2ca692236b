"""Load test: N simulated learners, each in its own browser context of one headless Chromium.

Each learner opens the training lessons (``--lessons``) with a seed of its own in the link, so no
cache or result store can answer for it, then presses ArrowRight on the lesson's training slider
``--moves`` times, waiting for the page to be idle each time (the idea of tests/bench/bench_pages.py:
a MutationObserver installed before the page's scripts records every script-state change and the
last DOM change). The same observer watches the live training status that ``lib/core/live.py``
draws: the queue place (``common.queued``), "Starting training…" and the progress caption, with
when each was on screen. Meanwhile a probe context reopens a light lesson to check the web process
stays responsive, and the server's and its worker processes' resident memory is sampled.

Only 127.0.0.1; bounded in learners and time; stops by itself and always kills the server it started.
It prints a report and ends with one line ``learners=N done=D errors=E p50=…s p95=…s`` (time to idle
after a slider move; D: learners whose every move ended idle without an error).

Run: ``python tests/load/load_test.py [--learners 20] [--moves 3] [--lessons design,optimizers]
[--ray] [--url http://127.0.0.1:8501] [--light] [--json out.json]`` (needs /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.load import procs  # noqa: E402
from tests.load.page import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    EPISODES,
    PROBLEMS,
    catalogue,
    move,
    open_context,
    visit,
    wait_idle,
)
from tests.load.report import PROBE_TIMEOUT, load, report, waited  # noqa: E402

MAX_LEARNERS = 60


@dataclass(frozen=True)
class Plan:
    """How a learner uses one lesson (the URL keys are those of lib/lessons/<slug>/controls.py)."""

    seed: str  # the seed control: a distinct value per learner
    seed_range: tuple[int, int]
    slider: str  # the slider a learner moves: each step is a new training run in a worker
    numbers: str  # CSS selector of numbers the trained run shows (each must hold a digit)
    light: dict[str, str]  # --light: smaller runs on the same pages (the pytest); shared parts stay shared


PLANS = {
    "design": Plan("ds_seed", (0, 999), "ds_units1", '[data-testid="stMetricValue"]',
                   {"fm_images": "2000", "ds_epochs": "2", "sr_seeds": "1", "sr_epochs": "1"}),
    "optimizers": Plan("race_seed", (0, 9999), "race_epochs", '[data-testid="stAlertContentSuccess"]',
                       {"race_epochs": "10", "race_samples": "200"}),
}
PROBE_LESSONS = ("tensors", "autodiff")


@dataclass
class Learner:
    """What one simulated learner did and saw (times in ms since the epoch, as the page's Date.now())."""

    index: int
    seeds: dict[str, int]
    actions: list[dict] = field(default_factory=list)  # {lesson, kind, seconds (to idle), run (to its end), value}
    moves_done: int = 0
    errors: list[str] = field(default_factory=list)
    exceptions: int = 0
    episodes: dict[str, list[list[float]]] = field(
        default_factory=lambda: {"queue": [], "start": [], "prog": [], "retry": []})
    log: list[list] = field(default_factory=list)  # [time ms, "script-state qPLACE start prog retry"] changes
    max_place: int = 0
    numbers: dict[str, list[str]] = field(default_factory=dict)
    waited: bool = False  # inferred: its run waited while every worker trained for others
    sockets: list[list[float | None]] = field(default_factory=list)  # [opened, closed] ms of each websocket

    def longest(self, kind: str) -> float:
        return max(((ep[1] - ep[0]) / 1000 for ep in self.episodes[kind]), default=0.0)


def lesson_url(base: str, slug: str, seed: int, light: bool) -> str:
    plan = PLANS[slug]
    query = {"lang": "en", **(plan.light if light else {}), plan.seed: str(seed)}
    return f"{base}/{slug}?{urlencode(query)}"


def seed_for(slug: str, base: int, index: int) -> int:
    lo, hi = PLANS[slug].seed_range
    return lo + (base + index) % (hi - lo + 1)


async def problems(page, learner: Learner, what: str, error_pattern: str) -> bool:
    """Exception boxes and friendly error alerts on the page after an action, added to the learner's errors;
    True if none."""
    found = await page.evaluate(PROBLEMS, error_pattern)
    learner.exceptions += len(found["exceptions"])
    learner.errors += [f"{what}: exception box: {text}" for text in found["exceptions"]]
    learner.errors += [f"{what}: {text[:120]}" for text in found["alerts"]]
    return not found["exceptions"] and not found["alerts"]


async def collect(page, learner: Learner) -> None:
    got = await page.evaluate(EPISODES)
    if got:
        for kind, episodes in got["ep"].items():
            learner.episodes[kind] += episodes
        learner.max_place = max(learner.max_place, got["place"])
        learner.log += got["log"]


def watch(ws, learner: Learner) -> None:
    """Record a websocket's life: a close while the page stays open is a reconnect (the server was unreachable)."""
    if "/_stcore/stream" in ws.url:
        life: list[float | None] = [time.time() * 1000, None]
        learner.sockets.append(life)
        ws.on("close", lambda _: life.__setitem__(1, time.time() * 1000))


def left(deadline: float, cap: float) -> float:
    return min(cap, deadline - time.time())


async def run_learner(browser, base: str, learner: Learner, args: argparse.Namespace, texts: dict,
                      deadline: float, first_contact: asyncio.Event) -> None:
    """One learner's lessons. ``first_contact``: learner 0 sets it once the entry point ran on its first page
    (two deep links at once on a fresh server lose their link values: ``require_entry_point`` in
    lib/core/streamlit_internals.py restarts only one of them); the others start then."""
    from playwright.async_api import Error as PlaywrightError

    context, page = await open_context(browser, texts)
    page.on("websocket", lambda ws: watch(ws, learner))

    async def entered() -> None:  # the entry point draws "Reset this lesson" in the sidebar; a page run alone not
        end = time.time() + left(deadline, 180)
        try:
            while time.time() < end:
                try:  # (a navigation under way ends a wait with an error: wait again)
                    await page.wait_for_selector(".st-key-_reset_lesson", timeout=max(1.0, end - time.time()) * 1000)
                    return
                except PlaywrightError:
                    await asyncio.sleep(0.2)
        finally:
            first_contact.set()

    watcher = None
    if learner.index == 0 and not first_contact.is_set():
        watcher = asyncio.create_task(entered())  # learner 0 goes on and opens its page
    else:
        await first_contact.wait()
    try:
        for slug in args.lessons:
            plan, what = PLANS[slug], slug
            try:
                seconds, run = await visit(page, lesson_url(base, slug, learner.seeds[slug], args.light),
                                           left(deadline, args.action_timeout))
                learner.actions.append({"lesson": slug, "kind": "visit", "seconds": seconds, "run": run})
                await problems(page, learner, f"{slug} visit", texts["error"])
                shown = await page.locator(f'.st-key-{plan.seed} input').first.input_value(timeout=30_000)
                if shown != str(learner.seeds[slug]):  # its own experiment, or the cache could answer for it
                    learner.errors.append(f"{slug} visit: the link's seed {learner.seeds[slug]} not taken ({shown})")
                for m in range(args.moves):
                    what = f"{slug} move {m + 1}"
                    seconds, run, value = await move(page, plan.slider, left(deadline, args.action_timeout))
                    learner.actions.append({"lesson": slug, "kind": "move", "seconds": seconds, "run": run,
                                            "value": value})
                    if await problems(page, learner, what, texts["error"]):
                        learner.moves_done += 1
                learner.numbers[slug] = await page.locator(plan.numbers).all_inner_texts()
            except PlaywrightError as exc:  # a timeout among them: recorded, the learner goes on
                learner.errors.append(f"{what}: {str(exc).splitlines()[0][:160]}")
            finally:
                await collect(page, learner)
    finally:
        if watcher is not None:
            watcher.cancel()
        await context.close()


async def run_probe(page, url: str, every: float, first_contact: asyncio.Event, done: asyncio.Event,
                    times: list[float], deadline: float) -> None:
    """Reopen a light lesson while learners train: the time to idle of each visit (the first, cold, uncounted;
    at least one counted); a visit not idle within PROBE_TIMEOUT is recorded as math.inf."""
    from playwright.async_api import Error as PlaywrightError

    await first_contact.wait()
    first = True
    while first or (not times or not done.is_set()) and len(times) < 50 and left(deadline, PROBE_TIMEOUT) > 10:
        if not first:
            await asyncio.sleep(every)  # not back to back: the probe is one more learner, not a flood
        try:
            seconds = (await visit(page, url, left(deadline, 180 if first else PROBE_TIMEOUT)))[0]
        except PlaywrightError:
            seconds = math.inf
        if not first:
            times.append(seconds)
        first = False


async def warm_up(browser, base: str, args: argparse.Namespace, texts: dict, deadline: float) -> None:
    """Every lesson opened once, alone, with a seed no learner uses: the workers start, and shared runs
    (the design lesson's sigmoid-vs-ReLU comparison) are trained, as on a server whose warm-up ran."""
    context, page = await open_context(browser, texts)
    try:
        for n, slug in enumerate(args.lessons):
            t0 = time.time() * 1000
            await page.goto(lesson_url(base, slug, seed_for(slug, args.seed_base, -1), args.light),
                            wait_until="commit")
            if n == 0:  # on a fresh server, a page's first run can end before the entry point restarts it
                await page.wait_for_selector(".st-key-_reset_lesson", timeout=left(deadline, 180) * 1000)
            await wait_idle(page, t0, left(deadline, 300), left(deadline, 300))
    finally:
        await context.close()


async def main_async(args: argparse.Namespace, base: str, sampler: procs.Sampler | None) -> dict:
    from playwright.async_api import async_playwright

    texts, deadline, began = catalogue(), time.time() + args.timeout, time.time()
    learners = [Learner(i, {slug: seed_for(slug, args.seed_base, i) for slug in args.lessons})
                for i in range(args.learners)]
    probe: list[float] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            if args.warm_up == "full":
                await warm_up(browser, base, args, texts, deadline)
            warm = time.time() - began
            print(f"warm-up ({args.warm_up}) done after {warm:.1f} s; {args.learners} learners start; "
                  f"load average {load()}", flush=True)
            probe_context, probe_page = await open_context(browser, texts)
            probe_url = f"{base}/{args.probe}?lang=en"
            done, first_contact = asyncio.Event(), asyncio.Event()  # first contact: learner 0's page alone
            if args.warm_up != "first":
                first_contact.set()
            prober = asyncio.create_task(asyncio.sleep(0) if args.probe == "none" else
                                         run_probe(probe_page, probe_url, args.probe_every, first_contact, done,
                                                   probe, deadline))
            tasks = [asyncio.create_task(run_learner(browser, base, x, args, texts, deadline, first_contact))
                     for x in learners]
            _, pending = await asyncio.wait(tasks, timeout=max(1.0, deadline - time.time()) + 30)
            for task in pending:  # a safety net: every action is already bounded by the deadline
                task.cancel()
            for x, task in zip(learners, tasks, strict=True):
                if task in pending or (task.done() and not task.cancelled() and task.exception()):
                    x.errors.append(f"stopped: {'total timeout' if task in pending else task.exception()!r}"[:200])
            done.set()
            await asyncio.wait([prober], timeout=70)
            await probe_context.close()
        finally:
            await browser.close()
    for x in learners:
        x.waited = waited(x, [o for o in learners if o is not x], args.workers or 2)
    memory = sampler.stop() if sampler else None
    return report(args, learners, probe, memory, {"workers": args.workers or 2, "probe": args.probe,
                                                   "wall": time.time() - began, "warm": warm})


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--moves", type=int, default=3, help="slider moves per lesson")
    parser.add_argument("--lessons", default="design,optimizers", help=f"comma-separated, of {', '.join(PLANS)}")
    parser.add_argument("--url", help="an already running server on 127.0.0.1 (else one is started here)")
    parser.add_argument("--ray", action="store_true", help="start the server with COURSE_RAY_ADDRESS=local")
    parser.add_argument("--workers", type=int, help="COURSE_WORKERS of the started server (default: its own, 2 on CPU)")
    parser.add_argument("--timeout", type=float, default=1200, help="total seconds, server start included")
    parser.add_argument("--action-timeout", type=float, default=300, help="seconds for one page open or move")
    parser.add_argument("--light", action="store_true", help="smaller runs (fewer images and epochs): the pytest")
    parser.add_argument("--seed-base", type=int,
                        help="learner i uses seed base+i (default: 100, or from the clock with --url)")
    parser.add_argument("--probe", default="tensors", choices=[*PROBE_LESSONS, "none"])
    parser.add_argument("--probe-every", type=float, default=8.0, help="seconds between probe visits")
    parser.add_argument("--warm-up", choices=("full", "first", "none"), default="full",
                        help="full: before the learners, each lesson opened once with a seed of its own (workers "
                             "started, shared runs trained); first: learner 0 opens its page alone until the entry "
                             "point ran, then the others follow; none: all at once on a fresh server")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--server-log", help="keep the started server's output in this file")
    args = parser.parse_args(argv)
    args.lessons = [s for s in args.lessons.split(",") if s]
    if not args.lessons or set(args.lessons) - set(PLANS):
        parser.error(f"--lessons: choose from {', '.join(PLANS)}")
    if not 1 <= args.learners <= MAX_LEARNERS or not 0 <= args.moves <= 20:
        parser.error(f"--learners 1..{MAX_LEARNERS}, --moves 0..20")
    if args.url and (urlsplit(args.url).hostname != "127.0.0.1" or args.ray or args.workers):
        parser.error("--url must be http://127.0.0.1:<port> (and --ray/--workers only apply to a server started here)")
    if args.seed_base is None:  # a running server's store may hold seeds 100… from an earlier run
        args.seed_base = 100 + int(time.time()) % 5000 if args.url else 100
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated test still stops its server (finally)
    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    print(f"load average at start: {load()} ({os.cpu_count()} CPUs)", flush=True)
    server, sampler = None, None
    try:
        if args.url:
            base, pid = args.url.rstrip("/"), procs.pid_listening_on(urlsplit(args.url).port or 80)
            sampler = procs.Sampler(pid) if pid else None
        else:
            server = procs.Server(args.workers, args.ray, args.server_log)
            base, sampler = server.url, server.sampler
            server.wait_healthy(min(120.0, args.timeout))
        what = "" if server is None else f" (started here: {'local Ray' if args.ray else 'worker processes'}, " \
                                         f"COURSE_WORKERS={args.workers or 'default'}, fresh result store)"
        print(f"{args.learners} learners x {args.moves} moves on {', '.join(args.lessons)}; server {base}{what}; "
              f"seeds from {args.seed_base}{'; light runs' if args.light else ''}", flush=True)
        if sampler is not None:
            sampler.start()
        result = asyncio.run(main_async(args, base, sampler))
    finally:
        if server is not None:
            server.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    return 0 if result["errors"] == 0 and result["done"] == args.learners else 1


if __name__ == "__main__":
    sys.exit(main())
