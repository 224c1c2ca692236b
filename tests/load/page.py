"""The load test's browser side: what a page is watched with, and how a learner acts on it.

A MutationObserver installed before the page's own scripts (the idea of tests/bench/bench_pages.py)
records every script-state change and the last DOM change, and the episodes during which the live
training status that ``lib/core/live.py`` draws was on screen: the queue place (``common.queued``),
"Starting training…", the progress caption and the retry warning. The texts come from the English
catalogue, so a reworded message is still recognised.
"""

from __future__ import annotations

import json
import os
import re
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
BUSY = '[data-testid="stSkeleton"], [data-testid="stSpinner"]'
QUIET = 1.0  # s without DOM changes: idle


def catalogue() -> dict[str, str]:
    """The page texts the test looks for, as JS regex sources, from the English catalogue."""
    texts = tomllib.loads((ROOT / "lib/core/texts/en.toml").read_text())

    def pattern(text: str, number: str = r"(\d+|\?)") -> str:  # "{place}" -> a number; the rest literal
        return number.join(re.escape(part) for part in re.split(r"\{\w+\}", text))

    return {"queue": pattern(texts["queued"], r"(\d+)"), "start": re.escape(texts["training_starting"]),
            "prog": "|".join(pattern(texts[f"training_{u}"]) for u in ("epoch", "batch", "step")),
            "retry": pattern(texts["worker_retry"], "(.+?)"),
            "error": "|".join(re.escape(texts[k].split("{")[0]) for k in ("unexpected_error", "worker_died"))}


# Runs before the page's own scripts in every document: script states, last DOM change, and the
# episodes (on screen from, to) of the queue place, "Starting training…", the progress caption (with
# when its numbers last changed: a caption left on screen while a finished run's page draws is not
# training) and the retry warning.
OBSERVER = """(() => { const P = %s, Q = new RegExp(P.queue), S = new RegExp(P.start), G = new RegExp(P.prog),
    R = new RegExp(P.retry);
  const w = window.__load = {last: Date.now(), states: [], open: {}, place: 0,
                             ep: {queue: [], start: [], prog: [], retry: []}};
  const mark = (kind, on, now) => { const o = w.open[kind];
    if (on && !o) w.ep[kind].push(w.open[kind] = [now, now]); else if (on) o[1] = now;
    else if (o) { o[1] = now; w.open[kind] = null; } };
  let timer = null, was = '';
  w.log = [];  // [time, what is on screen] at each change of the training status or the script state
  w.scan = () => { timer = null; const now = Date.now(); let place = 0, start = false, prog = false, retry = false;
    for (const e of document.querySelectorAll('[data-testid="stAlert"], [data-testid="stCaptionContainer"]')) {
      const text = e.textContent, m = Q.exec(text);
      if (m) place = Math.max(place, +m[1]); else if (S.test(text)) start = true;
      else if (G.test(text)) prog = (prog || '') + text; else if (R.test(text)) retry = true; }
    w.place = Math.max(w.place, place);
    mark('queue', place > 0, now); mark('start', start, now); mark('prog', !!prog, now); mark('retry', retry, now);
    if (prog && prog !== w.progText) w.open.prog[2] = now;  // [from, to, numbers last changed]
    w.progText = prog;
    const app = document.querySelector('[data-testid="stApp"]');
    const is = `${app && app.getAttribute('data-test-script-state')} q${place}${start ? ' start' : ''}` +
               `${prog ? ' prog' : ''}${retry ? ' retry' : ''}`;
    if (is !== was && w.log.length < 400) w.log.push([now, was = is]); };
  new MutationObserver(records => { const now = Date.now(); w.last = now;
    for (const r of records) if (r.attributeName === 'data-test-script-state')
      w.states.push([now, r.target.getAttribute('data-test-script-state')]);
    if (!timer) timer = setTimeout(w.scan, 40);  // one scan per burst of changes
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})()"""
IDLE = """([t0, quiet, runWait, busy]) => { const w = window.__load, now = Date.now();
  const app = document.querySelector('[data-testid="stApp"]');
  if (!w || !app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const since = w.states.filter(([t]) => t >= t0), ran = since.some(([, s]) => s === 'running');
  if (!ran && now - t0 < runWait) return false;
  if ([...document.querySelectorAll(busy)].some(e => e.getClientRects().length > 0)) return false;
  if (now - w.last < quiet) return false;
  const ends = since.filter(([, s]) => s === 'notRunning').map(([t]) => t);
  return {ms: Math.max(w.last, ...since.map(([t]) => t)) - t0, run: (ends.length ? Math.max(...ends) : now) - t0}; }"""
EPISODES = """() => { const w = window.__load; if (!w) return null; w.scan(); const now = Date.now();
  for (const k in w.open) if (w.open[k]) w.open[k][1] = now; return {ep: w.ep, place: w.place, log: w.log}; }"""
PROBLEMS = """(error) => ({exceptions: [...document.querySelectorAll('[data-testid="stException"]')]
    .map(e => e.textContent.slice(0, 160)),
  alerts: [...document.querySelectorAll('[data-testid="stAlertContentError"]')].map(e => e.textContent)
    .filter(t => new RegExp(error).test(t))})"""


async def wait_idle(page, t0_ms: float, run_wait: float, timeout: float) -> dict:
    handle = await page.wait_for_function(IDLE, arg=[t0_ms, QUIET * 1000, run_wait * 1000, BUSY], polling=200,
                                          timeout=max(1.0, timeout) * 1000)
    return await handle.json_value()


async def visit(page, url: str, timeout: float) -> tuple[float, float]:
    """Seconds from goto to idle, and to the end of the script's run (opening a page always runs it)."""
    t0 = time.time() * 1000
    await page.goto(url, wait_until="commit", timeout=max(1.0, timeout) * 1000)
    idle = await wait_idle(page, t0, timeout, timeout)
    return idle["ms"] / 1000, idle["run"] / 1000


async def move(page, key: str, timeout: float) -> tuple[float, float, str]:
    """ArrowRight on slider ``key``: (seconds to idle, to the end of the run, the new value). A rerun must
    be seen: a new value trains. The run ends when its last delta arrived; idle, when the page is drawn."""
    handle = page.locator(f'.st-key-{key} input[type="range"]').first
    await handle.focus(timeout=30_000)
    await page.wait_for_timeout(150)
    t0 = await page.evaluate("Date.now()")
    await page.keyboard.press("ArrowRight")
    idle = await wait_idle(page, t0, timeout, timeout)
    return idle["ms"] / 1000, idle["run"] / 1000, await handle.input_value(timeout=30_000)


async def open_context(browser, texts: dict):
    """A fresh browser context (a learner of its own) whose pages carry the observer: (context, page)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    await context.add_init_script(OBSERVER % json.dumps(texts))
    return context, await context.new_page()
