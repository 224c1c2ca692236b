"""lib.core.scratch: private folders (0700), caps, a session's folder removed when it ends, orphans swept."""

from __future__ import annotations

import gc
import os
import stat
import subprocess
import sys
import time

import pytest

from lib.core import scratch


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A fresh scratch root for this test (the module picks it up from the environment)."""
    path = tmp_path / "scratch"
    monkeypatch.setenv("COURSE_SCRATCH_DIR", str(path))
    for name in ("COURSE_SESSION_DISK_MB", "COURSE_SCRATCH_DISK_MB", "COURSE_SCRATCH_STALE_MIN",
                 "COURSE_SCRATCH_SWEEP_MIN"):
        monkeypatch.delenv(name, raising=False)
    return path


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def test_root_and_every_folder_are_0700_whatever_the_umask(root):
    old = os.umask(0o022)
    try:
        assert scratch.root() == root and mode(root) == 0o700
        session = scratch.session_folder("learner-1")
        assert session.parent == root and mode(session) == 0o700
        with scratch.temporary() as run:
            assert run.parent == root and mode(run) == 0o700
        assert not run.exists()
    finally:
        os.umask(old)
    scratch.release("learner-1")


def test_a_wider_root_is_narrowed_and_a_foreign_one_is_not_used(tmp_path, monkeypatch):
    wide = tmp_path / "wide"
    wide.mkdir(mode=0o755)
    os.chmod(wide, 0o755)
    monkeypatch.setenv("COURSE_SCRATCH_DIR", str(wide))
    assert scratch.root() == wide and mode(wide) == 0o700
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)  # someone planted a symlink where the root should be
    monkeypatch.setenv("COURSE_SCRATCH_DIR", str(link))
    used = scratch.root()
    assert used != link and not used.is_symlink() and mode(used) == 0o700
    assert scratch.session_folder("learner-2").parent == used and not any(target.iterdir())
    scratch.release("learner-2")


def test_sessions_get_separate_folders_and_release_removes_one(root):
    a, b = scratch.session_folder("a"), scratch.session_folder("b")
    assert a != b and scratch.session_folder("a") == a  # the same session asks again: the same folder
    (a / "x.weights.h5").write_bytes(b"1" * 1000)
    assert scratch.usage(a) == 1000 and scratch.usage() == 1000
    assert scratch.release("a") and not a.exists() and b.exists()
    assert not scratch.release("a")  # already gone
    scratch.release("b")


def test_a_lease_removes_its_folder_when_the_session_drops_it(root):
    state = {"_folder": scratch.Lease()}  # what a page keeps in st.session_state
    path = state["_folder"].path
    (path / "ckpt-001.weights.h5").write_bytes(b"1" * 10)
    before = scratch.live_sessions()
    state.clear()  # Streamlit drops the session state
    gc.collect()
    assert not path.exists() and scratch.live_sessions() <= before - 1  # other tests' sessions may go too
    lease = scratch.Lease()
    path = lease.path
    lease.release()
    assert not path.exists() and not lease.alive


def test_the_sweep_removes_orphans_and_keeps_live_folders(root, monkeypatch):
    scratch.root()
    live = scratch.session_folder("live")
    other_process = root / f"s-{os.getppid()}-abc123"  # a live server process's session: not ours to remove
    crashed = root / f"s-{dead_pid()}-abc123"  # its server process is gone
    unowned = root / f"s-{os.getpid()}-feed"  # ours, but no session holds it (a finalizer that never ran)
    stale = root / "left-over"  # nobody touched it for longer than the stale period
    for folder in (other_process, crashed, unowned, stale):
        folder.mkdir()
        (folder / "f.bin").write_bytes(b"1" * 100)
    os.utime(stale, (0, 0))
    assert scratch.sweep(force=True) == 3
    assert live.exists() and other_process.exists()
    assert not crashed.exists() and not unowned.exists() and not stale.exists()
    # A live process's folder that went unused past the stale period goes too.
    os.utime(other_process, (0, 0))
    assert scratch.sweep(force=True) == 1 and not other_process.exists()
    scratch.release("live")


def test_the_sweep_runs_at_start_up_and_periodically_on_a_folder_request(tmp_path, monkeypatch):
    fresh = tmp_path / "fresh"
    fresh.mkdir(mode=0o700)
    crashed = fresh / f"s-{dead_pid()}-abc"
    crashed.mkdir()
    monkeypatch.setenv("COURSE_SCRATCH_DIR", str(fresh))
    scratch.session_folder("first")  # the first use of a root sweeps it
    assert not crashed.exists()
    crashed.mkdir()
    scratch.session_folder("second")
    assert crashed.exists()  # swept less than COURSE_SCRATCH_SWEEP_MIN (10) minutes ago: not yet
    assert scratch.sweep() == 0
    monkeypatch.setenv("COURSE_SCRATCH_SWEEP_MIN", "0.00001")  # 0.6 ms
    time.sleep(0.01)
    scratch.session_folder("third")
    assert not crashed.exists()
    for sid in ("first", "second", "third"):
        scratch.release(sid)


def test_budget_room_is_the_tighter_of_the_session_and_shared_caps(root, monkeypatch):
    monkeypatch.setenv("COURSE_SESSION_DISK_MB", "1")
    monkeypatch.setenv("COURSE_SCRATCH_DISK_MB", "10")
    mine = scratch.session_folder("me")
    (mine / "a.bin").write_bytes(b"1" * 300_000)
    budget = scratch.Budget(mine / "checkpoints", mine)
    assert budget.room() == 700_000 and budget.used == 300_000
    assert (budget.reason, budget.cap) == ("session", 1_000_000)
    other = scratch.session_folder("someone else")
    (other / "b.bin").write_bytes(b"1" * 9_500_000)
    budget = scratch.Budget(mine, mine)
    assert budget.room() == 10_000_000 - 9_800_000
    assert (budget.reason, budget.cap) == ("shared", 10_000_000)
    with scratch.temporary() as run:  # a run's own folder: the session cap applies to it alone
        assert scratch.Budget(run).room() == 10_000_000 - 9_800_000
    scratch.release("me")
    scratch.release("someone else")


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e309", "-5", "0", "", "lots"])
def test_bad_settings_fall_back_to_the_defaults(monkeypatch, value):
    monkeypatch.setenv("COURSE_SESSION_DISK_MB", value)
    monkeypatch.setenv("COURSE_SCRATCH_DISK_MB", value)
    lim = scratch.limits()
    assert lim.session_bytes == scratch.DEFAULT_SESSION_MB * scratch.MB
    assert lim.scratch_bytes == scratch.DEFAULT_SCRATCH_MB * scratch.MB
