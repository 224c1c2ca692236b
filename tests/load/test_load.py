"""The load test, small: five learners with real browsers against one `streamlit run` whose
training runs in one worker process (tests/load/load_test.py; the full size is run by hand).

One worker (measured faster than two here: a second TensorFlow start-up competes with five
browser pages on two cores) also makes the queue certain: while the first run waits for the
worker to start, the others wait in line, and each of them must see its place.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("load")]
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LEARNERS = 5
SUMMARY = re.compile(r"learners=(\d+) done=(\d+) errors=(\d+) p50=(\d+\.\d\d)s p95=(\d+\.\d\d)s")


def test_five_learners_on_one_worker(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    figures_file = tmp_path / "load.json"
    # "--warm-up first": learner 0's page is the server's first, alone until the entry point ran (two
    # deep links at once on a fresh server lose their link values, a bug of its own); the worker
    # starts cold with the first run, so the others queue. No probe: its figure is not asserted.
    command = [sys.executable, "tests/load/load_test.py", "--learners", str(LEARNERS), "--moves", "1",
               "--lessons", "optimizers", "--light", "--workers", "1", "--warm-up", "first",
               "--probe", "none", "--timeout", "240", "--action-timeout", "180", "--json", str(figures_file)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=330)  # it stops itself at 240 s
    report = done.stdout.strip()
    assert report, done.stderr[-3000:]
    summary = report.splitlines()[-1]
    match = SUMMARY.fullmatch(summary)
    assert match, f"last line is not the summary: {summary!r}\n{report[-3000:]}\n{done.stderr[-2000:]}"
    figures = json.loads(figures_file.read_text())
    assert figures["summary"] == summary
    assert (int(match[1]), int(match[2]), int(match[3])) == (LEARNERS, figures["done"], figures["errors"])
    assert figures["errors"] == 0, report
    assert figures["done"] == LEARNERS, report
    assert float(match[4]) <= float(match[5])

    learners = figures["learners"]
    assert len(learners) == LEARNERS
    for learner in learners:
        who = f"learner {learner['index']}"
        assert learner["exceptions"] == 0, who
        assert learner["moves_done"] == 1, who
        if learner["waited"]:  # its run waited while the worker trained for others: it was told its place
            assert learner["max_place"] >= 1, f"{who} waited without seeing its queue place:\n{report}"
        numbers = learner["numbers"]["optimizers"]
        assert numbers and all(re.search(r"\d", text) for text in numbers), f"{who}: shown numbers {numbers!r}"
    # Five runs at once for one worker: some waited, and the page said where they were in line.
    assert max(learner["max_place"] for learner in learners) >= 1, report
    assert len({learner["seeds"]["optimizers"] for learner in learners}) == LEARNERS
