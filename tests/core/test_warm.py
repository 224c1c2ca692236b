"""Warm start (``lib.core.warm``): every lesson's default runs land in the result store, once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lib.core import warm

ROOT = Path(__file__).resolve().parents[2]


def _warm(store: Path, lessons: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COURSE_RESULT_STORE": str(store), "COURSE_WARM": "on", "COURSE_BACKEND": "workers"}
    return subprocess.run([sys.executable, "-m", "lib.core.warm", "--lessons", lessons], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def _stored(line: str) -> int:
    return int(line.split("s ")[1].split()[0])


def test_the_server_does_not_warm_when_told_not_to(monkeypatch):
    monkeypatch.setenv("COURSE_WARM", "off")
    assert warm.start_server_warming() is None


def test_a_server_warms_in_the_background_once_and_a_second_warm_trains_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_WARM", "on")
    monkeypatch.setenv("COURSE_RESULT_STORE", str(tmp_path / "results"))
    monkeypatch.setattr(warm, "_started", [])
    child = warm.start_server_warming(["linear"])
    assert child is not None and warm.start_server_warming(["linear"]) is child  # once per process
    assert child.wait(timeout=600) == 0
    assert len(list((tmp_path / "results").glob("*.pkl"))) == 2  # the page's run and its comparison run
    again = _warm(tmp_path / "results", "linear")  # the command, run again: everything is stored already
    assert again.returncode == 0, again.stdout + again.stderr
    assert _stored(next(line for line in again.stdout.splitlines() if line.startswith("linear"))) == 0


def test_a_warm_up_stops_when_its_server_is_gone(tmp_path):
    # The child was started by this process, so a --parent that is not this process is a server that is gone
    # (the child would have been re-parented): nothing is warmed, nothing is stored, no error.
    env = {**os.environ, "COURSE_RESULT_STORE": str(tmp_path / "results"), "COURSE_WARM": "on"}
    gone = str(os.getpid() + 1)
    out = subprocess.run([sys.executable, "-m", "lib.core.warm", "--lessons", "linear", "--parent", gone],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not any(line.startswith("linear") for line in out.stdout.splitlines())
    assert not list((tmp_path / "results").glob("*.pkl"))
