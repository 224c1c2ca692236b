"""lib/data.py: generated sets, sklearn sets, Advertising, and the Fashion-MNIST fallback chain.

Never touches the network: COURSE_OFFLINE=1 is set for every test, and the two
download tests replace keras' load_data with a fake before allowing it.
"""

from __future__ import annotations

import gzip
import os
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from lib.core import data
from lib.core.specs import DataSpec

DEBIAN = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    # No test may download, read the user's real Keras cache, or see another test's cache.
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "no-keras-home"))
    data.clear_caches()
    yield
    data.clear_caches()


# --- helpers ------------------------------------------------------------------------


def _fake_arrays(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    y = (np.arange(n) % 10).astype(np.uint8)
    return x, y


def _write_idx(folder: Path, n: int = 50, n_test: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Write the four standard gz files; return the training arrays."""
    folder.mkdir(parents=True, exist_ok=True)
    train = _fake_arrays(n, seed)
    test = _fake_arrays(n_test, seed + 1)
    for prefix, (x, y) in (("train", train), ("t10k", test)):
        with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as fh:
            fh.write(struct.pack(">iiii", 2051, len(x), 28, 28) + x.tobytes())
        with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb") as fh:
            fh.write(struct.pack(">ii", 2049, len(y)) + y.tobytes())
    return train


def _fashion(tmp_path: Path, **kw: object) -> data.Dataset:
    kw.setdefault("keras_cache_dir", str(tmp_path / "cache"))
    kw.setdefault("debian_dir", str(tmp_path / "debian"))
    kw.setdefault("allow_download", False)
    return data.fashion_mnist(**kw)


def _assert_fallback(ds: data.Dataset) -> None:
    assert ds.source == "fallback-digits"
    assert ds.notice == "fashion_unavailable"
    assert ds.x.shape == (1797, 64)
    assert ds.n_classes == 10


# --- gaussians ----------------------------------------------------------------------


def test_gaussians_shapes_labels_and_dtypes() -> None:
    ds = data.gaussians()
    assert ds.x.shape == (2000, 2) and ds.x.dtype == np.float32
    assert ds.y.dtype == np.int32
    assert np.array_equal(ds.y, np.repeat([0, 1], 1000))  # negatives stacked over positives
    assert (ds.task, ds.n_classes, ds.class_names) == ("binary", 2, ("0", "1"))


def test_gaussians_moments_match_request() -> None:
    ds = data.gaussians(1000, (0.0, 3.0), (3.0, 0.0), 0.5, seed=0)
    neg, pos = ds.x[ds.y == 0], ds.x[ds.y == 1]
    np.testing.assert_allclose(neg.mean(axis=0), [0.0, 3.0], atol=0.15)
    np.testing.assert_allclose(pos.mean(axis=0), [3.0, 0.0], atol=0.15)
    for part in (neg, pos):
        assert abs(np.corrcoef(part.T)[0, 1] - 0.5) < 0.08


def test_gaussians_negative_corr_and_custom_means() -> None:
    ds = data.gaussians(1000, (-1.0, -1.0), (2.0, 2.0), -0.7, seed=3)
    neg = ds.x[ds.y == 0]
    np.testing.assert_allclose(neg.mean(axis=0), [-1.0, -1.0], atol=0.15)
    assert abs(np.corrcoef(neg.T)[0, 1] + 0.7) < 0.08


def test_gaussians_seeded() -> None:
    a, b, c = data.gaussians(seed=1), data.gaussians(seed=1), data.gaussians(seed=2)
    assert np.array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)


# --- other 2-D toys -----------------------------------------------------------------


@pytest.mark.parametrize("fn", [data.moons, data.circles, data.xor, data.spiral])
def test_toy_sets(fn: Callable[[int, float, int], data.Dataset]) -> None:
    ds = fn(301, 0.2, 7)
    assert ds.x.shape == (301, 2) and ds.x.dtype == np.float32
    assert ds.y.shape == (301,) and ds.y.dtype == np.int32
    assert set(np.unique(ds.y)) == {0, 1}
    assert ds.task == "binary" and ds.source == "generated"
    again, other = fn(301, 0.2, 7), fn(301, 0.2, 8)
    assert np.array_equal(ds.x, again.x) and np.array_equal(ds.y, again.y)
    assert not np.array_equal(ds.x, other.x)


def test_xor_labels_follow_quadrants_without_noise() -> None:
    ds = data.xor(500, 0.0, 0)
    assert np.array_equal(ds.y, (ds.x[:, 0] * ds.x[:, 1] > 0).astype(np.int32))
    assert np.abs(ds.x).max() <= 1.0


def test_spiral_arms_balanced() -> None:
    assert np.bincount(data.spiral(1001, 0.1, 0).y).tolist() == [500, 501]


# --- small real sets ----------------------------------------------------------------


def test_digits() -> None:
    ds = data.digits()
    assert ds.x.shape == (1797, 64) and ds.x.dtype == np.float32
    assert 0.0 <= ds.x.min() and ds.x.max() == 1.0
    assert ds.class_names == tuple("0123456789") and ds.task == "multiclass"
    sub, again = data.digits(300, seed=1), data.digits(300, seed=1)
    assert sub.x.shape == (300, 64) and np.array_equal(sub.x, again.x)
    assert not np.array_equal(sub.y, data.digits(300, seed=2).y)
    assert len(np.unique(sub.y)) == 10


def test_breast_cancer() -> None:
    ds = data.breast_cancer()
    assert ds.x.shape == (569, 30) and ds.x.dtype == np.float32
    assert ds.x.max() > 100  # raw features, not scaled
    assert ds.class_names == ("malignant", "benign") and len(ds.feature_names) == 30
    assert set(np.unique(ds.y)) == {0, 1}
    assert data.breast_cancer(100, seed=0).x.shape == (100, 30)


def test_advertising_frame() -> None:
    frame = data.advertising_frame()
    assert frame.shape == (200, 4)
    assert list(frame.columns) == ["TV", "radio", "newspaper", "sales"]


def test_advertising_ols_matches_islr() -> None:
    frame = data.advertising_frame()
    model = LinearRegression().fit(frame[["TV", "radio", "newspaper"]], frame["sales"])
    assert round(model.intercept_, 4) == pytest.approx(2.9389, abs=1e-4)
    np.testing.assert_allclose(np.round(model.coef_, 4), [0.0458, 0.1885, -0.0010], atol=1e-4)


def test_advertising_dataset() -> None:
    ds = data.advertising()
    assert ds.x.shape == (200, 3) and ds.y.dtype == np.float32
    assert (ds.task, ds.n_classes, ds.feature_names) == ("regression", 1, ("TV", "radio", "newspaper"))


# --- load() -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "shape"),
    [
        (DataSpec("gaussians", n_samples=100), (200, 2)),
        (DataSpec("moons", n_samples=100), (100, 2)),
        (DataSpec("circles", n_samples=100), (100, 2)),
        (DataSpec("xor", n_samples=100), (100, 2)),
        (DataSpec("spiral", n_samples=100), (100, 2)),
        (DataSpec("digits", subsample=500), (500, 64)),
        (DataSpec("breast_cancer"), (569, 30)),
        (DataSpec("advertising"), (200, 3)),
    ],
)
def test_load_dispatch(spec: DataSpec, shape: tuple[int, ...]) -> None:
    assert data.load(spec).x.shape == shape


def test_load_passes_gaussian_parameters() -> None:
    spec = DataSpec("gaussians", n_samples=50, mean_neg=(1.0, 1.0), mean_pos=(2.0, 2.0), corr=0.1, seed=4)
    assert np.array_equal(data.load(spec).x, data.gaussians(50, (1.0, 1.0), (2.0, 2.0), 0.1, 4).x)


def test_load_is_cached_and_read_only() -> None:
    spec = DataSpec("moons", n_samples=60)
    ds = data.load(spec)
    assert data.load(DataSpec("moons", n_samples=60)) is ds
    assert not ds.x.flags.writeable and not ds.y.flags.writeable
    with pytest.raises(ValueError):
        ds.x[0, 0] = 99.0


def test_load_fashion_uses_keras_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    _write_idx(tmp_path / "kh" / "datasets" / "fashion-mnist", n=40)
    ds = data.load(DataSpec("fashion_mnist", subsample=10))
    assert ds.source == "keras-cache" and ds.x.shape == (10, 28, 28)


# --- Fashion-MNIST chain ------------------------------------------------------------


def test_fashion_from_keras_cache(tmp_path: Path) -> None:
    x, y = _write_idx(tmp_path / "cache")
    ds = _fashion(tmp_path)
    assert ds.source == "keras-cache" and ds.notice is None
    assert ds.x.shape == (50, 28, 28) and ds.x.dtype == np.float32
    np.testing.assert_allclose(ds.x, x / 255.0, atol=1e-6)
    assert np.array_equal(ds.y, y) and ds.y.dtype == np.int32
    assert ds.class_names[0] == "T-shirt/top" and ds.class_names[9] == "Ankle boot"


def test_fashion_test_split(tmp_path: Path) -> None:
    _write_idx(tmp_path / "cache", n=50, n_test=20)
    ds = data.fashion_mnist_test(
        keras_cache_dir=str(tmp_path / "cache"), debian_dir=str(tmp_path / "debian"), allow_download=False
    )
    assert ds.source == "keras-cache" and ds.x.shape == (20, 28, 28)


def test_fashion_from_debian_when_cache_empty(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    _write_idx(tmp_path / "debian", n=30)
    ds = _fashion(tmp_path)
    assert ds.source == "debian" and ds.x.shape == (30, 28, 28)


def test_fashion_fallback_when_nothing_available(tmp_path: Path) -> None:
    _assert_fallback(_fashion(tmp_path))


@pytest.mark.parametrize(
    "damage",
    ["truncate_gz", "not_gzip", "bad_magic", "short_payload", "label_count"],
)
def test_corrupt_cache_falls_through(tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    _write_idx(cache)
    _write_idx(tmp_path / "debian", n=30)
    images = cache / "train-images-idx3-ubyte.gz"
    labels = cache / "train-labels-idx1-ubyte.gz"
    if damage == "truncate_gz":
        images.write_bytes(images.read_bytes()[:200])
    elif damage == "not_gzip":
        images.write_bytes(b"this is not gzip at all")
    elif damage == "bad_magic":
        with gzip.open(images, "wb") as fh:
            fh.write(struct.pack(">iiii", 2049, 50, 28, 28) + bytes(50 * 784))
    elif damage == "short_payload":
        with gzip.open(images, "wb") as fh:
            fh.write(struct.pack(">iiii", 2051, 50, 28, 28) + bytes(49 * 784))
    elif damage == "label_count":
        with gzip.open(labels, "wb") as fh:
            fh.write(struct.pack(">ii", 2049, 49) + bytes(49))
    assert _fashion(tmp_path).source == "debian"


def test_corrupt_everywhere_falls_back(tmp_path: Path) -> None:
    for folder in ("cache", "debian"):
        _write_idx(tmp_path / folder)
        (tmp_path / folder / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b garbage")
    _assert_fallback(_fashion(tmp_path))


def test_cache_sees_replaced_file(tmp_path: Path) -> None:
    _write_idx(tmp_path / "cache", n=50)
    assert _fashion(tmp_path).x.shape[0] == 50
    _write_idx(tmp_path / "cache", n=30)
    os.utime(tmp_path / "cache" / "train-images-idx3-ubyte.gz", ns=(0, 0))  # mtime changes even on coarse clocks
    assert _fashion(tmp_path).x.shape[0] == 30


def test_fashion_subsample_deterministic(tmp_path: Path) -> None:
    _write_idx(tmp_path / "cache", n=50)
    a, b = _fashion(tmp_path, subsample=20, seed=1), _fashion(tmp_path, subsample=20, seed=1)
    c = _fashion(tmp_path, subsample=20, seed=2)
    assert a.x.shape == (20, 28, 28)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.y, c.y) or not np.array_equal(a.x, c.x)
    assert _fashion(tmp_path, subsample=500).x.shape == (50, 28, 28)  # larger than n: everything


def test_fallback_respects_subsample(tmp_path: Path) -> None:
    ds = _fashion(tmp_path, subsample=100, seed=0)
    assert ds.source == "fallback-digits" and ds.x.shape == (100, 64)


@pytest.fixture
def keras_fashion():
    keras = pytest.importorskip("keras")
    return keras.datasets.fashion_mnist


def test_fashion_download(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, keras_fashion) -> None:
    monkeypatch.delenv("COURSE_OFFLINE")
    train, test = _fake_arrays(40), _fake_arrays(10, 1)
    monkeypatch.setattr(keras_fashion, "load_data", lambda: (train, test))
    ds = _fashion(tmp_path, allow_download=True)
    assert ds.source == "download" and ds.x.shape == (40, 28, 28)
    assert np.array_equal(ds.y, train[1])
    test_ds = data.fashion_mnist_test(
        keras_cache_dir=str(tmp_path / "cache"), debian_dir=str(tmp_path / "debian"), allow_download=True
    )
    assert test_ds.source == "download" and test_ds.x.shape == (10, 28, 28)


def test_fashion_download_failure_falls_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, keras_fashion) -> None:
    monkeypatch.delenv("COURSE_OFFLINE")

    def boom():
        raise OSError("no network")

    monkeypatch.setattr(keras_fashion, "load_data", boom)
    _assert_fallback(_fashion(tmp_path, allow_download=True))


def test_fashion_download_bad_shapes_fall_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, keras_fashion) -> None:
    monkeypatch.delenv("COURSE_OFFLINE")
    bad = (np.zeros((5, 27, 27), np.uint8), np.zeros(5, np.uint8))
    monkeypatch.setattr(keras_fashion, "load_data", lambda: (bad, bad))
    _assert_fallback(_fashion(tmp_path, allow_download=True))


def test_offline_env_skips_download(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, keras_fashion) -> None:
    calls: list[int] = []

    def fake():
        calls.append(1)
        return _fake_arrays(5), _fake_arrays(5)

    monkeypatch.setattr(keras_fashion, "load_data", fake)
    _assert_fallback(_fashion(tmp_path, allow_download=True))  # COURSE_OFFLINE=1 from the fixture
    assert calls == []


@pytest.mark.skipif(not (DEBIAN / "train-images-idx3-ubyte.gz").exists(), reason="dataset-fashion-mnist not installed")
def test_real_debian_files(tmp_path: Path) -> None:
    ds = data.fashion_mnist(keras_cache_dir=str(tmp_path / "empty"), debian_dir=str(DEBIAN), allow_download=False)
    assert ds.source == "debian"
    assert ds.x.shape == (60000, 28, 28) and ds.x.dtype == np.float32
    assert 0.0 <= ds.x.min() and ds.x.max() <= 1.0
    assert np.array_equal(np.unique(ds.y), np.arange(10))
    assert np.bincount(ds.y).tolist() == [6000] * 10


def test_specs_for_the_same_rows_share_one_cache_entry():
    from lib.core.specs import DataSpec

    a = data.load(DataSpec("digits", seed=1, noise=0.3))
    b = data.load(DataSpec("digits", seed=2))
    assert a is b  # the seed only matters with a subsample
    one, two = DataSpec("digits", subsample=100, seed=1), DataSpec("digits", subsample=100, seed=2)
    assert data.load(one) is not data.load(two)
    assert data.canonical(DataSpec("advertising", seed=5, n_samples=7)) == DataSpec("advertising")
