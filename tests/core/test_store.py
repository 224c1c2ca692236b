"""lib.core.store: results on disk that outlive the process; bad files ignored, atomic writes, an LRU size cap."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from unittest.mock import Mock

import numpy as np
import pytest

from lib.core import store as store_module
from lib.core.store import MAGIC, Store, code_version, default_store, key_for, source_hash

ROOT = Path(__file__).resolve().parents[2]
MB = 1_000_000


@dataclass(frozen=True)
class Spec:
    name: str
    epochs: int
    layers: tuple[int, ...] = (32, 16)


@dataclass
class Run:
    weights: np.ndarray
    bias: np.ndarray
    history: dict[str, list[float]] = field(default_factory=dict)


def make_run(seed: int) -> Run:
    rng = np.random.default_rng(seed)
    return Run(weights=rng.normal(size=(32, 16)).astype(np.float32), bias=rng.normal(size=16),
               history={"loss": [float(x) for x in rng.random(5)], "accuracy": [0.5, 0.75]})


def assert_same_run(got: Run, want: Run) -> None:
    assert type(got) is Run and got.weights.dtype == want.weights.dtype
    np.testing.assert_array_equal(got.weights, want.weights)
    np.testing.assert_array_equal(got.bias, want.bias)
    assert got.history == want.history


def entry_head(key: str, payload: bytes) -> bytes:
    """An entry's header, built from the documented format: magic, key length, key, sha256 of the payload."""
    return MAGIC + bytes([len(key)]) + key.encode() + hashlib.sha256(payload).digest()


def entry_bytes(key: str, value: object) -> int:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return len(entry_head(key, payload) + payload)


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def python(code: str, *args: str) -> subprocess.Popen:
    """A new Python process in the repo root (imports lib.* and tests.* like this one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_RESULT_STORE")}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(child: subprocess.Popen) -> str:
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    return out


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "results", 10 * MB)


@pytest.fixture
def warnings(caplog):
    caplog.set_level(logging.WARNING, logger="lib.core.store")
    return caplog


# --------------------------------------------------------------------------- round trips


def test_round_trip_of_a_dataclass_with_arrays(store):
    key, run = key_for(Spec("mlp", 3)), make_run(1)
    assert store.get(key) is None
    assert store.put(key, run) is True
    assert_same_run(store.get(key), run)
    assert listing(store.path) == [f"{key}.pkl"]
    assert store.size_bytes() == entry_bytes(key, run) == folder_bytes(store.path)
    data = (store.path / f"{key}.pkl").read_bytes()  # the format: magic, key length, key, sha256, pickle
    assert MAGIC == b"DLCOURSE-RESULT\x01" and data[:81] == MAGIC + bytes([64]) + key.encode()
    assert data[81:113] == hashlib.sha256(data[113:]).digest()
    assert_same_run(pickle.loads(data[113:]), run)
    for bad in ("../../etc/passwd", "ABCDEF0123456789", "", "short"):  # a caller's bug, not a miss
        with pytest.raises(ValueError):
            store.get(bad)


def test_survives_a_restart_both_ways(store):
    mine = key_for(Spec("parent", 4))
    store.put(mine, make_run(4))
    child = python(
        "import sys\n"
        "from pathlib import Path\n"
        "from lib.core.store import Store, key_for\n"
        "from tests.core.test_store import Spec, assert_same_run, make_run\n"
        "store = Store(Path(sys.argv[1]), 10**7)\n"
        "assert_same_run(store.get(key_for(Spec('parent', 4))), make_run(4))\n"
        "key = key_for(Spec('child', 3))\n"
        "assert store.put(key, make_run(3))\n"
        "print(key)\n", str(store.path))
    theirs = finish(child).strip()
    assert theirs == key_for(Spec("child", 3))  # the same spec and code give the same key in another process
    assert_same_run(store.get(theirs), make_run(3))


# --------------------------------------------------------------------------- bad files


CORRUPTIONS = {  # (an entry's bytes, its key, its neighbour's bytes) -> what is found under the entry's name
    "truncated": lambda data, key, other: data[: len(data) // 2],
    "truncated_header": lambda data, key, other: data[:40],
    "flipped_payload_byte": lambda data, key, other: data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:],
    "wrong_magic": lambda data, key, other: b"X" + data[1:],
    "another_key": lambda data, key, other: other,
    "foreign": lambda data, key, other: os.urandom(3000),
    "checksum_right_but_not_a_pickle": lambda data, key, other: entry_head(key, b"no pickle") + b"no pickle",
}


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_a_bad_file_is_ignored_removed_and_replaced(store, kind, warnings):
    key, other_key = key_for(Spec("bad", 1)), key_for(Spec("other", 2))
    store.put(key, make_run(1))
    store.put(other_key, make_run(2))
    path = store.path / f"{key}.pkl"
    path.write_bytes(CORRUPTIONS[kind](path.read_bytes(), key, (store.path / f"{other_key}.pkl").read_bytes()))
    assert store.get(key) is None
    assert not path.exists() and any("removed" in r.getMessage() for r in warnings.records)
    assert_same_run(store.get(other_key), make_run(2))  # the neighbour is untouched
    assert store.put(key, make_run(5))
    assert_same_run(store.get(key), make_run(5))


@dataclass
class Trap:
    """Unpickling this creates ``marker``: proof that a file was unpickled."""

    marker: Path

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_foreign_file_is_never_unpickled_nor_touched(store, tmp_path):
    marker = tmp_path / "unpickled"
    trap = pickle.dumps(Trap(marker))
    key, other = key_for(Spec("trap", 1)), key_for(Spec("trap", 2))
    head = entry_head(key, trap)
    variants = [trap,  # a bare pickle under an entry's name
                head[:-1] + bytes([head[-1] ^ 0xFF]) + trap,  # a header whose checksum does not match
                entry_head(other, trap) + trap]  # another key's entry
    for data in variants:
        (store.path / f"{key}.pkl").write_bytes(data)
        assert store.get(key) is None and not (store.path / f"{key}.pkl").exists()
    assert not marker.exists()
    notes = store.path / "notes.pkl"  # not an entry's name: never read, counted, evicted or cleared
    notes.write_bytes(trap)
    small = Store(store.path, 3000)
    for seed in range(4):
        small.put(key_for(Spec("fill", seed)), np.zeros(200))
    small.clear()
    assert listing(store.path) == ["notes.pkl"] and small.size_bytes() == 0 and not marker.exists()


# --------------------------------------------------------------------------- concurrency

WRITER = """
import sys, time
from pathlib import Path
from unittest.mock import Mock
import numpy as np
from lib.core.store import Store, key_for
folder, key, writer, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
store = Store(folder, int(sys.argv[5]))
(go.parent / f"ready-{writer}").touch()
while not go.exists():
    time.sleep(0.001)
for i in range(20):
    value = {"writer": writer, "i": i, "data": np.full(50_000, writer * 1000 + i, dtype=np.float64)}
    assert store.put(key if key != "each" else key_for("spread", writer, i), value)
"""


def valid_written(value: dict) -> bool:
    writer, i, data = value["writer"], value["i"], value["data"]
    return (writer in (0, 1) and 0 <= i < 20 and data.shape == (50_000,)
            and bool(np.all(data == writer * 1000 + i)))


def _race(tmp_path: Path, folder: Path, key: str, cap: int) -> list[subprocess.Popen]:
    go = tmp_path / "go"
    children = [python(WRITER, str(folder), key, str(w), str(go), str(cap)) for w in (0, 1)]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{w}").exists() for w in (0, 1)):
        assert time.monotonic() < deadline and all(c.poll() is None for c in children)
        time.sleep(0.005)
    go.touch()  # both start writing together
    return children


def test_two_processes_writing_one_key_leave_one_whole_entry(store, tmp_path, warnings):
    key = key_for(Spec("race", 1))
    children = _race(tmp_path, store.path, key, 100 * MB)
    seen = []
    while any(c.poll() is None for c in children):
        value = store.get(key)  # a reader meanwhile: never a torn file
        assert value is not None or not seen, "an entry disappeared while it was being rewritten"
        if value is not None:
            assert valid_written(value)
            seen.append((value["writer"], value["i"]))
    for child in children:
        finish(child)
    assert valid_written(store.get(key))
    assert listing(store.path) == [f"{key}.pkl"]  # no temp file left behind
    assert not warnings.records


def test_two_processes_evicting_at_once_do_not_fail(store, tmp_path):
    entry = entry_bytes(key_for("spread", 0, 0), {"writer": 0, "i": 0, "data": np.zeros(50_000)})
    cap = 5 * entry
    children = _race(tmp_path, store.path, "each", cap)
    for child in children:
        finish(child)
    small = Store(store.path, cap)
    keys = [name[:-4] for name in listing(store.path)]
    assert keys and all(valid_written(small.get(k)) for k in keys)
    assert small.size_bytes() <= cap + entry  # the other process may have written one after the last scan
    small.put(key_for("last"), np.zeros(10))
    assert folder_bytes(store.path) <= cap


def test_threads_sharing_a_store(store):
    small = Store(store.path, 40_000)

    def work(n: int) -> None:
        for i in range(10):
            assert small.put(key_for("thread", n, i), np.full(500, n * 100 + i))
            small.get(key_for("thread", n, max(0, i - 1)))

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(work, range(6)))  # a thread's error is raised here
    small.put(key_for("last"), np.zeros(10))
    assert folder_bytes(store.path) <= 40_000


# --------------------------------------------------------------------------- the size cap


def test_the_cap_keeps_the_most_recently_used(store):
    cap = 100_000
    small = Store(store.path, cap)
    keys = [key_for(Spec("lru", i)) for i in range(16)]
    values = [np.full(2_000, float(i)) for i in range(16)]
    size = {k: entry_bytes(k, v) for k, v in zip(keys, values, strict=True)}
    order: list[str] = []  # an independent LRU: oldest use first

    def put(i: int) -> None:
        assert small.put(keys[i], values[i])
        order.append(keys[i])
        if sum(size[k] for k in order) > cap:
            for old in [k for k in order if k != keys[i]]:
                if sum(size[k] for k in order) <= 0.9 * cap:
                    break
                order.remove(old)
        assert listing(store.path) == sorted(f"{k}.pkl" for k in order)
        assert folder_bytes(store.path) == small.size_bytes() <= cap

    def get(i: int) -> None:
        np.testing.assert_array_equal(small.get(keys[i]), values[i])
        order.remove(keys[i])
        order.append(keys[i])

    for i in range(6):
        put(i)
    get(0)  # the oldest entry, used again: it must outlive 1 and 2
    put(6)
    assert (store.path / f"{keys[0]}.pkl").exists() and not (store.path / f"{keys[1]}.pkl").exists()
    for i in range(7, 16):
        put(i)
        if i % 3 == 0:
            get(0)
    assert (store.path / f"{keys[0]}.pkl").exists() and (store.path / f"{keys[15]}.pkl").exists()


def test_a_value_over_the_cap_is_not_stored(store, warnings):
    small = Store(store.path, 50_000)
    small.put(key_for("keep"), np.zeros(100))
    before = listing(store.path)
    assert small.put(key_for("huge"), np.zeros(10_000)) is False
    assert listing(store.path) == before and small.get(key_for("huge")) is None
    assert "over the cap" in warnings.text
    near = np.zeros(6_200)  # fits the cap, though not with the others: kept, the others make room
    assert entry_bytes(key_for("near"), near) <= 50_000 < entry_bytes(key_for("near"), near) + small.size_bytes()
    assert small.put(key_for("near"), near) and listing(store.path) == [f"{key_for('near')}.pkl"]


def test_disk_and_pickle_problems_answer_false(store, monkeypatch, warnings):
    assert store.put(key_for("lambda"), lambda: 1) is False
    monkeypatch.setattr(store_module.os, "replace", Mock(side_effect=OSError(28, "No space left on device")))
    assert store.put(key_for("disk"), make_run(1)) is False
    monkeypatch.undo()
    assert listing(store.path) == []  # the temp file went too
    assert "does not pickle" in warnings.text and "No space left" in warnings.text


def test_stale_temp_files_are_swept_fresh_ones_kept(store):
    stale, fresh = store.path / ".tmp-dead.part", store.path / ".tmp-live.part"
    for temp in (stale, fresh):
        temp.write_bytes(b"x" * 100)
    os.utime(stale, (time.time() - 7200, time.time() - 7200))  # a writer that died two hours ago
    store.put(key_for("sweep"), 1)
    assert not stale.exists() and fresh.exists()


# --------------------------------------------------------------------------- keys and the code version


def test_key_for_follows_every_part_and_the_code_version(monkeypatch):
    spec = Spec("mlp", 3)
    key = key_for(spec, "extra")
    assert key == hashlib.sha256(f"{(spec, 'extra')!r}|{code_version()}".encode()).hexdigest()
    assert key == key_for(Spec("mlp", 3), "extra") and len(key) == 64
    others = [key_for(Spec("cnn", 3), "extra"), key_for(Spec("mlp", 4), "extra"),
              key_for(Spec("mlp", 3, (32,)), "extra"), key_for(spec, "other"), key_for(spec), key_for("extra", spec)]
    assert len({key, *others}) == 1 + len(others)
    monkeypatch.setattr(store_module, "code_version", lambda: "edited0000000000")
    assert key_for(spec, "extra") != key


def test_code_version_hashes_every_lib_source(tmp_path):
    assert code_version() == code_version() and len(code_version()) == 16
    copy = tmp_path / "lib"
    for path in (ROOT / "lib").rglob("*.py"):
        target = copy / path.relative_to(ROOT / "lib")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    base = source_hash(copy)
    assert base == source_hash(ROOT / "lib")  # paths are relative: where the tree lives does not matter
    (copy / "notes.txt").write_text("not code")
    assert source_hash(copy) == base
    engine = copy / "core" / "engine.py"
    engine.write_bytes(engine.read_bytes() + b"\n# edited\n")
    edited = source_hash(copy)
    (copy / "core" / "new.py").write_text("")
    added = source_hash(copy)
    (copy / "core" / "new.py").rename(copy / "core" / "new2.py")
    assert len({base, edited, added, source_hash(copy)}) == 4


# --------------------------------------------------------------------------- the process-wide store


def test_default_store_honours_off_and_a_custom_path(tmp_path, monkeypatch):
    for off in ("off", "OFF", " off "):
        monkeypatch.setenv("COURSE_RESULT_STORE", off)
        assert default_store() is None
    folder = tmp_path / "custom" / "results"
    monkeypatch.setenv("COURSE_RESULT_STORE", str(folder))
    monkeypatch.setenv("COURSE_RESULT_STORE_MB", "2")
    old = os.umask(0o022)
    try:
        shared = default_store()
        assert shared is default_store() and shared.path == folder and shared.max_bytes == 2 * MB
        assert mode(folder) == 0o700
        key = key_for("mode")
        assert shared.put(key, 1) and mode(folder / f"{key}.pkl") == 0o600
    finally:
        os.umask(old)
    monkeypatch.setenv("COURSE_RESULT_STORE_MB", "nonsense")
    assert default_store().max_bytes == 512 * MB and default_store() is not shared


def test_default_store_default_path_and_unusable_paths(tmp_path, monkeypatch, warnings):
    monkeypatch.delenv("COURSE_RESULT_STORE", raising=False)
    monkeypatch.delenv("COURSE_RESULT_STORE_MB", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    shared = default_store()
    assert shared.path == tmp_path / ".cache" / "dl-course" / "results" and shared.max_bytes == 512 * MB
    wide = tmp_path / "wide"
    wide.mkdir()
    os.chmod(wide, 0o755)
    monkeypatch.setenv("COURSE_RESULT_STORE", str(wide))
    assert default_store().path == wide and mode(wide) == 0o700  # narrowed
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("COURSE_RESULT_STORE", str(blocker))
    assert default_store() is None and "not usable" in warnings.text
    link = tmp_path / "link"
    link.symlink_to(wide)
    monkeypatch.setenv("COURSE_RESULT_STORE", str(link))
    assert default_store() is None  # a symlinked folder could point anywhere: not used
