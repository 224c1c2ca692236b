"""Warm start: every lesson's default runs in the result store before the first learner asks.

``python -m lib.core.warm`` opens every lesson once with its default settings, headless
(Streamlit's ``AppTest`` runs the real entry point and pages, so the runs are exactly
the ones a learner's first visit asks for), training in this process. Each run lands
in the result store (``lib.core.store``), keyed by spec and code version: a server
process, a restarted one, or a replica on the same store path then serves these
visits from disk. A run already stored is not trained again, so warming twice is quick.

A server calls :func:`start_server_warming` once, when its first page has been drawn
(that page has the CPU to itself): the command runs as a low-priority child process that
stops when the server is gone, and the training workers start importing TensorFlow at the
same time. ``COURSE_WARM=off`` turns both off (the test suite does). The Docker image runs
the command at build time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from lib.core.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "streamlit_app.py"
_started: list[subprocess.Popen] = []
_lock = threading.Lock()


def _entries(folder: Path | None) -> int:
    return len(list(folder.glob("*.pkl"))) if folder is not None and folder.is_dir() else 0


def warm(slugs: Sequence[str] | None = None, timeout: float = 900.0,
         parent: int | None = None) -> list[tuple[str, float, int, str]]:
    """Open each lesson with defaults; per lesson (slug, seconds, new store entries, problem or "").

    With ``parent`` (a server's pid), warming stops before the next lesson once that process is
    gone: a stopped or restarted server leaves no warm-up running behind it.
    """
    os.environ["COURSE_BACKEND"] = "inline"  # this process is the worker
    os.environ["COURSE_WARM"] = "off"  # the pages it opens must not start another warm-up
    from streamlit.testing.v1 import AppTest

    from lib.core import store

    results = store.default_store()
    folder = results.path if results is not None else None
    report = []
    for lesson in LESSONS:
        if slugs and lesson.slug not in slugs:
            continue
        if parent is not None and os.getppid() != parent:
            break
        before, start = _entries(folder), time.perf_counter()
        at = AppTest.from_file(str(APP), default_timeout=timeout)
        if lesson.slug != LESSONS[0].slug:
            at.switch_page(lesson.path)
        at.query_params["lang"] = "en"
        try:
            at.run()
            problem = "; ".join(str(e.value)[:120] for e in at.exception)
        except Exception as exc:  # a page that times out is reported, the others still warm
            problem = f"{type(exc).__name__}: {exc}"[:200]
        report.append((lesson.slug, time.perf_counter() - start, _entries(folder) - before, problem))
    return report


def start_server_warming(lessons: Sequence[str] = ()) -> subprocess.Popen | None:
    """Once per server process: training workers start, and the warm command runs in the background
    (on ``lessons``, default all)."""
    if os.environ.get("COURSE_WARM", "on").strip().lower() == "off":
        return None
    with _lock:
        if _started:
            return _started[0]
        from lib.core import store, workers

        threading.Thread(target=workers.backend, name="start-workers", daemon=True).start()
        if store.default_store() is None:  # nowhere to keep the results
            return None
        child = subprocess.Popen([sys.executable, "-m", "lib.core.warm", "--quiet", "--lessons", ",".join(lessons),
                                  "--parent", str(os.getpid())],
                                 cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 preexec_fn=lambda: os.nice(10))  # learners' jobs come first
        _started.append(child)
        return child


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", default="", help="comma-separated lesson slugs (default: all)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--parent", type=int, help="stop when the process with this pid (a server) is gone")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    slugs = [s for s in args.lessons.split(",") if s]
    report = warm(slugs, parent=args.parent)
    if not args.quiet:
        print(f"load average {os.getloadavg()[0]:.2f}")
        for slug, seconds, new, problem in report:
            print(f"{slug:12s} {seconds:6.1f} s  {new:3d} new runs stored  {problem}")
    return 1 if any(problem for *_, problem in report) else 0


if __name__ == "__main__":
    sys.exit(main())
