"""``streamlit run`` for the browser tests, and the result store their servers share.

Every browser test module starts a server of its own (each pytest-xdist worker runs its
modules' fixtures), and each used to train every default run again. As replicas of a
hosted course do, they share one result store (``lib.core.store``: keyed by spec and code
version, safe for concurrent writers), so a run trained for one test serves the others.
Tests that must train (a cancelled run, the load test) use seeds no other test uses.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One result store for every browser test server of this test run (all xdist workers)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # .../pytest-N/popen-gwK: the run's folder is shared
        base = base.parent
    store = base / "e2e-results"
    store.mkdir(exist_ok=True)
    return store


@contextlib.contextmanager
def streamlit_server(log_path: Path, **env: str) -> Iterator[str]:
    """A server on a free port (its URL), with ``env`` over the test environment; its output goes to
    ``log_path`` (never a pipe nobody reads: a full pipe would block the server), the log's tail is
    printed when it stops."""
    port = free_port()
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "COURSE_OFFLINE": "1", **env}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"streamlit did not become healthy: {log_path.read_text(errors='replace')[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        print(log_path.read_text(errors="replace")[-3000:])
