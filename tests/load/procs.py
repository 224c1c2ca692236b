"""The load test's server side: start and always stop `streamlit run`, and sample memory.

Memory comes from psutil when it is installed, else from ``/proc/<pid>/status`` (VmRSS).
The training workers are found as descendants of the server process (spawned worker
processes, or a local Ray instance's raylet, GCS and task workers).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

try:
    import psutil
except ImportError:  # not in requirements: /proc is enough on Linux
    psutil = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB; 0 when it is gone."""
    if psutil is not None:
        try:
            return psutil.Process(pid).memory_info().rss / 2**20
        except psutil.Error:
            return 0.0
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, grandchildren…)."""
    if psutil is not None:
        try:
            return [p.pid for p in psutil.Process(pid).children(recursive=True)]
        except psutil.Error:
            return []
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])  # the name may hold spaces and brackets
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, []))
    return found


def started(pid: int) -> str:
    """A process's start time (clock ticks since boot): tells it from a later process given the same pid."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def label(pid: int) -> str:
    """A short name: 'worker' for a spawned training worker, else the process's own name (ray::IDLE, raylet…)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")
        with open(f"/proc/{pid}/comm") as fh:
            comm = fh.read().strip()
    except OSError:
        return "?"
    if "spawn_main" in cmd:
        return "worker"
    if "resource_tracker" in cmd:
        return "resource_tracker"
    if cmd.startswith("ray::"):
        return cmd.split()[0]
    args = cmd.split()
    if comm.startswith("python"):  # python -m module / python path/script.py
        for i, arg in enumerate(args[1:-1], 1):
            if arg in ("-m", "-c"):
                return args[i + 1] if arg == "-m" else "python -c"
            if not arg.startswith("-"):
                return arg.rsplit("/", 1)[-1]
    return comm


def pid_listening_on(port: int) -> int | None:
    """The process listening on 127.0.0.1:``port`` (for --url), from /proc/net/tcp and socket inodes."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{parts[9]}]")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{entry}/fd"):
                if os.readlink(f"/proc/{entry}/fd/{fd}") in inodes:
                    return int(entry)
        except OSError:
            continue
    return None


@dataclass
class Memory:
    """Peaks seen by :class:`Sampler` (MB)."""

    server: float = 0.0
    below: float = 0.0  # all descendants together
    per_pid: dict[int, tuple[str, float]] = field(default_factory=dict)  # pid -> (label, peak)
    samples: int = 0


class Sampler(threading.Thread):
    """Samples the server's and its descendants' resident memory every ``every`` seconds."""

    def __init__(self, pid: int, every: float = 0.5) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.pid, self.every, self.memory = pid, every, Memory()
        self.seen: dict[int, str] = {}  # every descendant ever seen -> its start time: killed at the end if alive
        self._halt = threading.Event()

    def sample(self) -> None:
        m = self.memory
        m.server = max(m.server, rss_mb(self.pid))
        total = 0.0
        for pid in descendants(self.pid):
            self.seen.setdefault(pid, started(pid))
            rss = rss_mb(pid)
            total += rss
            name, peak = m.per_pid.get(pid, ("", 0.0))
            m.per_pid[pid] = (label(pid) if rss else name, max(peak, rss))  # the latest name: a fork execs later
        m.below = max(m.below, total)
        m.samples += 1

    def run(self) -> None:
        while not self._halt.wait(self.every):
            self.sample()

    def stop(self) -> Memory:
        self._halt.set()
        self.join(timeout=5)
        return self.memory


class Server:
    """`streamlit run streamlit_app.py` on a free 127.0.0.1 port, training in worker processes
    (or a local Ray with ``ray=True``), with a fresh result store; :meth:`stop` always kills
    its whole process tree."""

    def __init__(self, workers: int | None, ray: bool, log: str | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tmp = tempfile.TemporaryDirectory(prefix="load-test-")
        env = {k: v for k, v in os.environ.items() if k not in ("COURSE_MAX_JOBS", "COURSE_RAY_ADDRESS")}
        env.update({"TF_CPP_MIN_LOG_LEVEL": "2", "COURSE_OFFLINE": "1", "COURSE_BACKEND": "workers",
                    "COURSE_RESULT_STORE": f"{self.tmp.name}/results", "COURSE_SCRATCH_DIR": f"{self.tmp.name}/scratch",
                    "COURSE_WARM": "off"})  # the warm-up would train every lesson's defaults during the test
        if workers:
            env["COURSE_WORKERS"] = str(workers)
        if ray:
            env["COURSE_RAY_ADDRESS"] = "local"
        self.log = Path(log) if log else Path(self.tmp.name) / "server.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],  # others' edits to the tree must not reload modules mid-test
            cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends workers and Ray with it
        )
        self.sampler = Sampler(self.proc.pid)

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"streamlit did not become healthy in {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM to the server's group, SIGKILL after 10 s, then any descendant that left the group."""
        self.sampler.sample()  # the last look at the tree, so every descendant is known
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:  # the leader is not reaped yet, so the group id is still ours
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        time.sleep(0.5)
        for pid, start in self.sampler.seen.items():  # Ray may start daemons in sessions of their own
            if start and started(pid) == start:  # the same process, not a later one with its pid
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        self.tmp.cleanup()
