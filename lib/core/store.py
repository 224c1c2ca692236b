"""Finished training runs kept on disk: a restart, a second server process or the next learner gets them at once.

A run's result (any picklable object: dataclasses of numpy arrays, dicts of floats)
is stored under ``key_for(spec, ...)``: a sha256 of the parts' ``repr`` and of
``code_version()``, a hash of every ``lib/**/*.py`` source, so an edit to the
library never serves a result the edited code would not compute.

* ``default_store()`` is the process-wide store: folder ``COURSE_RESULT_STORE``
  (default ``~/.cache/dl-course/results``, mode 0700; ``off`` disables it), cap
  ``COURSE_RESULT_STORE_MB`` megabytes (default 512);
* one file per key, ``<key>.pkl`` (mode 0600)::

      MAGIC (16 bytes) | len(key) (1 byte) | key (ascii) | sha256(payload) (32 bytes) | payload (pickle)

  Only a file whose magic, key and checksum all match is unpickled; anything else
  under an entry's name (truncated, flipped bytes, another entry, a foreign file)
  is ignored and removed. Files with other names are never read, counted or
  removed, except this module's own temp files (when stale, or by ``clear()``);
* a write goes to a temp file in the same folder, is fsynced, then ``os.replace``d
  onto the entry's name: readers and other writers only ever see whole entries,
  and of two processes writing one key the last replace wins;
* after each ``put``, when the entries pass the cap, the least recently used ones
  (a hit refreshes the file's mtime) are removed until they fit in 90% of it.

Disk and pickle problems never reach the caller: ``get`` answers None, ``put``
answers False, and a warning is logged. No Streamlit here.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import pickle
import re
import stat
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAGIC = b"DLCOURSE-RESULT\x01"
SUFFIX = ".pkl"
MB = 1_000_000
DEFAULT_MB = 512
DEFAULT_PATH = "~/.cache/dl-course/results"
LOW_WATER = 0.9  # eviction stops below this share of the cap, so the next puts do not each evict again
STALE_TEMP_SECONDS = 3600.0  # a temp file this old belongs to a writer that died: removed by the next eviction scan
LIB = Path(__file__).resolve().parents[1]
TEMP_PREFIX, TEMP_SUFFIX = ".tmp-", ".part"
_DIGEST_BYTES = 32
_KEY = re.compile(r"^[0-9a-f]{16,128}$")  # hex only: a key can never name a path outside the folder
_ENTRY = re.compile(r"^[0-9a-f]{16,128}\.pkl$")


# --------------------------------------------------------------------------- keys


def source_hash(folder: Path) -> str:
    """A short hash of every ``*.py`` below ``folder``: relative paths (sorted) and contents."""
    digest = hashlib.sha256()
    files = sorted((p.relative_to(folder).as_posix(), p) for p in Path(folder).rglob("*.py"))
    for rel, path in files:
        body = path.read_bytes()
        name = rel.encode()
        # Lengths first: no two different trees can give the same byte stream.
        digest.update(len(name).to_bytes(8, "big") + name + len(body).to_bytes(8, "big"))
        digest.update(body)
    return digest.hexdigest()[:16]


@functools.cache
def code_version() -> str:
    """The hash of the ``lib`` sources this process runs, computed once (a change restarts the server anyway)."""
    return source_hash(LIB)


def key_for(*parts: object) -> str:
    """The store key of a result: sha256 of the parts' ``repr`` (specs are frozen dataclasses) and the code version."""
    text = f"{parts!r}|{code_version()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def header(key: str, payload: bytes) -> bytes:
    """The bytes an entry starts with, before its payload."""
    name = key.encode("ascii")
    return MAGIC + bytes([len(name)]) + name + hashlib.sha256(payload).digest()


# --------------------------------------------------------------------------- files


def _private_folder(path: Path) -> None:
    """Make ``path`` a folder of this user with mode 0700, or raise OSError (a symlink or another user's folder)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise PermissionError(f"{path} is not a folder of this user")  # its pickles could be anyone's
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask


def _read_entry(handle: Any, key: str) -> tuple[str | None, bytes]:
    """(what is wrong with the entry or None, its payload). Nothing here unpickles."""
    name = key.encode("ascii")
    size = len(MAGIC) + 1 + len(name) + _DIGEST_BYTES
    head = handle.read(size)
    if head[: len(MAGIC)] != MAGIC:
        return "is not a store entry", b""
    if len(head) < size:
        return "is truncated", b""
    if head[len(MAGIC)] != len(name) or head[len(MAGIC) + 1: size - _DIGEST_BYTES] != name:
        return "holds another key", b""
    payload = handle.read()
    if hashlib.sha256(payload).digest() != head[-_DIGEST_BYTES:]:
        return "fails its checksum", b""
    return None, payload


def _discard(path: Path, seen: os.stat_result) -> None:
    """Remove a bad entry, unless another process has just replaced it with a new file."""
    with contextlib.suppress(OSError):
        now = os.stat(path)
        if (now.st_ino, now.st_dev) == (seen.st_ino, seen.st_dev):
            os.unlink(path)


def _mark_used(path: Path) -> None:
    """Refresh the mtime (the LRU clock). Explicit nanoseconds: the kernel's own clock is coarse."""
    now = time.time_ns()
    with contextlib.suppress(OSError):
        os.utime(path, ns=(now, now))


# --------------------------------------------------------------------------- the store


class Store:
    """Results in the folder ``path``, at most ``max_bytes`` of entries (least recently used go first)."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path = Path(path)
        self.max_bytes = int(max_bytes)
        self._lock = threading.Lock()  # one eviction at a time in this process; other processes may race, safely
        _private_folder(self.path)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, max_bytes={self.max_bytes})"

    def file(self, key: str) -> Path:
        """The file an entry lives in. Raises ValueError for a key that is not lowercase hex (a caller's bug)."""
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValueError(f"a store key is 16-128 lowercase hex characters, not {key!r}")
        return self.path / f"{key}{SUFFIX}"

    def get(self, key: str) -> Any | None:
        """The stored value, or None (missing, unreadable, or bad: a bad file is removed)."""
        path = self.file(key)
        try:
            with open(path, "rb") as handle:
                seen = os.fstat(handle.fileno())
                problem, payload = _read_entry(handle, key)
        except FileNotFoundError:
            return None
        except OSError as error:
            log.warning("result store: cannot read %s (%s)", path, error)
            return None
        if problem is None:
            try:
                value = pickle.loads(payload)
            except Exception as error:  # unpickling can raise anything, even with the checksum right
                problem = f"does not unpickle ({type(error).__name__}: {error})"
        if problem is not None:
            log.warning("result store: %s %s; removed", path, problem)
            _discard(path, seen)
            return None
        _mark_used(path)
        return value

    def put(self, key: str, value: Any) -> bool:
        """Store ``value`` under ``key``; False when it was not written (too big, not picklable, a disk error)."""
        path = self.file(key)
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # PicklingError, TypeError, AttributeError, RecursionError...
            log.warning("result store: the value for %s does not pickle (%s); not stored", key[:12], error)
            return False
        head = header(key, payload)
        if len(head) + len(payload) > self.max_bytes:
            log.warning("result store: the value for %s takes %d bytes, over the cap of %d; not stored",
                        key[:12], len(head) + len(payload), self.max_bytes)
            return False
        try:
            self._write(path, head, payload)
        except OSError as error:
            log.warning("result store: cannot write %s (%s); not stored", path, error)
            return False
        try:
            self._evict(keep=path)
        except OSError as error:  # the entry is written; an eviction that fails now is retried after the next put
            log.warning("result store: eviction in %s failed (%s)", self.path, error)
        return True

    def _write(self, path: Path, head: bytes, payload: bytes) -> None:
        try:
            fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=self.path)
        except FileNotFoundError:  # the folder was removed under us (an admin, a cleanup): make it again
            _private_folder(self.path)
            fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=self.path)
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(head)
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())  # the bytes are on disk before the name points at them
            now = time.time_ns()
            os.utime(temp, ns=(now, now))
            os.replace(temp, path)  # atomic: a reader sees the old entry or the new one, never a mix
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise

    def _scan(self) -> tuple[list[tuple[int, int, str]], int, list[str]]:
        """(entries as (mtime ns, bytes, path), their total bytes, stale temp files). One scandir, no reads."""
        entries, total, stale = [], 0, []
        oldest_temp = time.time_ns() - int(STALE_TEMP_SECONDS * 1e9)
        with os.scandir(self.path) as found:
            for item in found:
                is_entry = _ENTRY.match(item.name) is not None
                is_temp = item.name.startswith(TEMP_PREFIX) and item.name.endswith(TEMP_SUFFIX)
                if not (is_entry or is_temp):
                    continue
                try:
                    if not item.is_file(follow_symlinks=False):
                        continue
                    info = item.stat(follow_symlinks=False)
                except OSError:  # removed by another process while we looked
                    continue
                if is_entry:
                    entries.append((info.st_mtime_ns, info.st_size, item.path))
                    total += info.st_size
                elif info.st_mtime_ns < oldest_temp:
                    stale.append(item.path)
        return entries, total, stale

    def _evict(self, keep: Path | None = None) -> None:
        """Remove least recently used entries until they fit in ``LOW_WATER`` of the cap (``keep`` stays)."""
        with self._lock:
            entries, total, stale = self._scan()
            for path in stale:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            if total <= self.max_bytes:
                return
            target = int(self.max_bytes * LOW_WATER)
            kept = os.fspath(keep) if keep is not None else None
            for _, size, path in sorted(entries):
                if total <= target:
                    break
                if path == kept:
                    continue
                try:
                    os.unlink(path)
                except FileNotFoundError:  # another process evicted it first: gone all the same
                    pass
                except OSError as error:
                    log.warning("result store: cannot remove %s (%s)", path, error)
                    continue
                total -= size

    def size_bytes(self) -> int:
        """Bytes of the entries now in the folder (foreign files and temp files are not counted)."""
        try:
            return self._scan()[1]
        except OSError:
            return 0

    def clear(self) -> None:
        """Remove every entry and temp file (a write in flight elsewhere then fails quietly, answering False)."""
        with self._lock:
            try:
                with os.scandir(self.path) as found:
                    names = [item.path for item in found if _ENTRY.match(item.name)
                             or (item.name.startswith(TEMP_PREFIX) and item.name.endswith(TEMP_SUFFIX))]
            except OSError:
                return
            for path in names:
                with contextlib.suppress(OSError):
                    os.unlink(path)


# --------------------------------------------------------------------------- the process-wide store

_default: dict[str, Any] = {"config": None, "store": None}
_default_lock = threading.Lock()


def _env_number(name: str, default: float) -> float:
    """A positive finite number from the environment, else ``default``."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if 0 < value < float("inf") else default


def default_store() -> Store | None:
    """The process-wide store, or None when ``COURSE_RESULT_STORE=off`` or its folder is not usable.

    The environment is read on each call (a test or an admin may change it); the
    store is made again only when the path or the cap changed.
    """
    raw = os.environ.get("COURSE_RESULT_STORE", "").strip()
    if raw.lower() == "off":
        return None
    path = Path(raw or DEFAULT_PATH).expanduser()
    config = (path, int(_env_number("COURSE_RESULT_STORE_MB", DEFAULT_MB) * MB))
    with _default_lock:
        if _default["config"] != config:
            try:
                store = Store(*config)
            except OSError as error:  # remembered, so the warning comes once, not on every run
                log.warning("result store: %s is not usable (%s); results are not kept on disk", path, error)
                store = None
            _default.update(config=config, store=store)
        return _default["store"]
