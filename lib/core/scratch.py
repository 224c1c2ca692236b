"""Scratch disk for learners' files: one private folder per session, under caps, removed with the session.

Everything a lesson writes for a learner (checkpoints, TensorBoard logs, uploads)
goes below one shared root, ``COURSE_SCRATCH_DIR`` (default: ``<tmp>/dl-course-scratch``):

* the root and every folder in it are created with mode 0700 (only the server's
  user can list or read them); a root that is a symlink or belongs to another
  user is not used (a private one is made instead);
* ``session_folder(session_id)`` is a session's folder, ``release(session_id)``
  removes it. ``Lease`` ties the two to an object: keep it in the session's state,
  and when the session is dropped the object is collected and its finalizer
  releases the folder;
* ``temporary()`` is a throwaway folder for one run (removed when the run ends);
* ``Budget(folder).room()`` is how many more bytes a folder may take before its
  session's cap (``COURSE_SESSION_DISK_MB``) or the whole root's cap
  (``COURSE_SCRATCH_DISK_MB``) would be passed: writers stop when it runs out;
* ``sweep()`` removes orphans: folders of a server process that is gone, folders
  of this process that no live session holds, and anything untouched for
  ``COURSE_SCRATCH_STALE_MIN`` minutes. It runs when a process first uses the
  root and then at most every ``COURSE_SCRATCH_SWEEP_MIN`` minutes, on a request
  for a session folder.

Folder names carry the owning process id (``s-<pid>-<hash>``, ``r-<pid>-<random>``),
so several server processes (or test workers) can share one root without
sweeping each other's live folders. No Streamlit here.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import stat
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MB = 1_000_000
DEFAULT_SESSION_MB = 100
DEFAULT_SCRATCH_MB = 1000
DEFAULT_STALE_MIN = 360
DEFAULT_SWEEP_MIN = 10
ROOT_REFRESH_SECONDS = 2.0  # how old the figure for the rest of the root may be in ``Budget.room``
_NAME = re.compile(r"^([sr])-(\d+)-[0-9a-f]+$")

_lock = threading.RLock()
_live: dict[str, Path] = {}  # session id -> its folder (this process)
_runs: set[Path] = set()  # temporary run folders of this process
_state = {"root": None, "last_sweep": 0.0}


@dataclass(frozen=True)
class Limits:
    session_bytes: int
    scratch_bytes: int
    stale_seconds: float
    sweep_seconds: float


def _env_number(name: str, default: float) -> float:
    """A positive finite number from the environment, else ``default``."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 and value != float("inf") else default


def limits() -> Limits:
    """The caps and periods, read from the environment each time (a test or an admin may change them)."""
    return Limits(session_bytes=int(_env_number("COURSE_SESSION_DISK_MB", DEFAULT_SESSION_MB) * MB),
                  scratch_bytes=int(_env_number("COURSE_SCRATCH_DISK_MB", DEFAULT_SCRATCH_MB) * MB),
                  stale_seconds=_env_number("COURSE_SCRATCH_STALE_MIN", DEFAULT_STALE_MIN) * 60,
                  sweep_seconds=_env_number("COURSE_SCRATCH_SWEEP_MIN", DEFAULT_SWEEP_MIN) * 60)


# --------------------------------------------------------------------------- the root


def _wanted_root() -> Path:
    return Path(os.environ.get("COURSE_SCRATCH_DIR") or Path(tempfile.gettempdir()) / "dl-course-scratch")


def _private_dir(path: Path) -> bool:
    """``path`` is a real folder of ours with mode 0700 (made so when it is ours but wider)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        try:
            path.mkdir(mode=0o700, parents=True)
        except FileExistsError:  # another process made it just now
            pass
        info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(path, 0o700)
    return True


def root() -> Path:
    """The shared root (mode 0700), swept once when this process first uses it."""
    with _lock:
        wanted = _wanted_root()
        current = _state["root"]
        if current is not None and current[0] == wanted and current[1].is_dir():
            return current[1]
        path = wanted if _private_dir(wanted) else Path(tempfile.mkdtemp(prefix="dl-course-scratch-"))
        _state["root"] = (wanted, path)
        sweep(force=True)
        return path


def _mkdir_private(path: Path) -> Path:
    path.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask; 0700 is what is wanted, whatever the umask
    return path


# --------------------------------------------------------------------------- sizes and room


def usage(path: str | os.PathLike[str] | None = None) -> int:
    """Bytes of the files below ``path`` (default: the whole root). Symlinks are not followed."""
    total = 0
    stack = [os.fspath(path if path is not None else root())]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_size
                    except OSError:  # removed while we looked
                        continue
        except OSError:
            continue
    return total


class Budget:
    """How many more bytes may go into ``folder``: the least of its session's room and the root's room.

    ``session``: the folder the session cap applies to (the session's folder, which
    may hold ``folder``); by default ``folder`` itself (a run's temporary folder).
    The rest of the root is re-measured at most every ``ROOT_REFRESH_SECONDS``.
    """

    def __init__(self, folder: str | os.PathLike[str], session: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder)
        self.session = Path(session) if session is not None else self.folder
        self.limits = limits()
        self._others = 0
        self._measured = -1.0
        self.used = 0  # bytes in the session's folder at the last ``room()``
        self.reason = ""  # "session" or "shared": which cap decided the last ``room()``
        self.cap = 0  # bytes of that cap

    def room(self) -> int:
        mine = self.used = usage(self.session)
        now = time.monotonic()
        if now - self._measured > ROOT_REFRESH_SECONDS:
            self._others = max(0, usage(root()) - mine)
            self._measured = now
        session_room = self.limits.session_bytes - mine
        shared_room = self.limits.scratch_bytes - self._others - mine
        if shared_room < session_room:
            self.reason, self.cap = "shared", self.limits.scratch_bytes
        else:
            self.reason, self.cap = "session", self.limits.session_bytes
        return min(session_room, shared_room)


# --------------------------------------------------------------------------- session folders


def _session_path(session_id: str) -> Path:
    digest = hashlib.sha256(session_id.encode()).hexdigest()[:24]
    return root() / f"s-{os.getpid()}-{digest}"


def session_folder(session_id: str) -> Path:
    """The session's private folder (made if needed, marked as used now); may run a periodic sweep."""
    if not session_id:
        raise ValueError("a session folder needs a session id")
    with _lock:
        path = _session_path(session_id)
        _live[session_id] = path  # registered before it exists: a sweep never sees it unowned
        _mkdir_private(path)
        os.utime(path)
    if time.monotonic() - _state["last_sweep"] > limits().sweep_seconds:
        sweep()
    return path


def release(session_id: str) -> bool:
    """Remove the session's folder (the session ended); True if there was one."""
    with _lock:
        path = _live.pop(session_id, None)
    if path is None:
        return False
    shutil.rmtree(path, ignore_errors=True)
    return True


def live_sessions() -> int:
    with _lock:
        return len(_live)


class Lease:
    """A session's folder tied to this object: when it is collected (the session was dropped), the folder goes.

    Keep the lease in the session's state. ``path`` makes the folder again if a
    sweep or a release removed it, and marks it as used.
    """

    def __init__(self, session_id: str | None = None) -> None:
        self.id = session_id or secrets.token_hex(16)
        self._finalizer = weakref.finalize(self, release, self.id)

    @property
    def path(self) -> Path:
        return session_folder(self.id)

    def release(self) -> None:
        self._finalizer()

    @property
    def alive(self) -> bool:
        return self._finalizer.alive


@contextlib.contextmanager
def temporary() -> Iterator[Path]:
    """A private folder for one run under the root, removed when the run ends (even on an error)."""
    with _lock:
        path = root() / f"r-{os.getpid()}-{secrets.token_hex(8)}"
        _runs.add(path)
        _mkdir_private(path)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        with _lock:
            _runs.discard(path)


# --------------------------------------------------------------------------- orphans


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _orphan(child: Path, mine: set[Path], now: float, stale: float) -> bool:
    if child in mine:
        return False
    match = _NAME.match(child.name)
    if match and int(match.group(2)) == os.getpid():
        return True  # this process's folder that no session or run holds
    if match and not _process_alive(int(match.group(2))):
        return True  # its server process is gone
    try:
        return now - child.lstat().st_mtime > stale
    except OSError:
        return False


def sweep(force: bool = False) -> int:
    """Remove orphaned folders below the root; returns how many went.

    Without ``force`` it does nothing if the last sweep was less than
    ``COURSE_SCRATCH_SWEEP_MIN`` minutes ago.
    """
    lim = limits()
    with _lock:
        now_mono = time.monotonic()
        if not force and now_mono - _state["last_sweep"] <= lim.sweep_seconds:
            return 0
        _state["last_sweep"] = now_mono
        base = _state["root"][1] if _state["root"] is not None else None
        if base is None or not base.is_dir():
            return 0
        now, removed, mine = time.time(), 0, set(_live.values()) | _runs
        for child in list(base.iterdir()):
            if not _orphan(child, mine, now, lim.stale_seconds):
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    child.unlink()
            removed += 1
        return removed
