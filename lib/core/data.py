"""Data sets for the course: generated 2-D toys, small sklearn sets, Advertising, Fashion-MNIST.

Everything is deterministic for a given ``DataSpec``. ``load`` is the single
entry point the pages use; the helpers are public so lessons and tests can call
them directly. No Streamlit here: this module must import in plain Python.

Fashion-MNIST never requires the network: it is read from Keras' cache folder,
then from Debian's ``dataset-fashion-mnist`` package, then (optionally) downloaded
through Keras, and finally replaced by the digits set with a ``notice`` so the
page can say why. ``fashion_mnist`` returns the 60000 training images only (the
layer-design lesson splits those itself); ``fashion_mnist_test`` returns the
10000 t10k images from the same chain.
"""

from __future__ import annotations

import functools
import gzip
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets as skdatasets

from lib.core.specs import DataSpec

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent / "assets"
ADVERTISING_CSV = ASSETS / "advertising.csv"
DEBIAN_FASHION_DIR = "/usr/share/datasets/fashion-mnist"

FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_FASHION_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_FASHION_FEATURES = tuple(f"pixel_{r}_{c}" for r in range(28) for c in range(28))
_IDX_IMAGES_MAGIC = 2051
_IDX_LABELS_MAGIC = 2049
_XY = ("x1", "x2")
_BINARY = ("0", "1")


@dataclass(frozen=True)
class Dataset:
    """Arrays plus what a page needs to label them.

    ``x`` is float32. ``y`` is int32 class labels, or float32 for regression.
    For regression ``n_classes`` is 1 and ``class_names`` holds the target's name.
    ``notice`` is a machine-readable key (e.g. ``"fashion_unavailable"``) when a
    fallback replaced the requested set, else None.
    """

    x: np.ndarray
    y: np.ndarray
    task: str
    n_classes: int
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    source: str
    notice: str | None = None


def _binary(x: np.ndarray, y: np.ndarray) -> Dataset:
    return Dataset(
        x=np.asarray(x, dtype=np.float32),
        y=np.asarray(y, dtype=np.int32),
        task="binary",
        n_classes=2,
        class_names=_BINARY,
        feature_names=_XY,
        source="generated",
    )


def _subsample_index(n: int, subsample: int | None, seed: int) -> np.ndarray | None:
    """Sorted random rows, or None for "all rows". Uniform sampling keeps class shares close enough."""
    if subsample is None or subsample >= n:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, subsample, replace=False))


# --- generated 2-D sets ---------------------------------------------------------


def gaussians(
    n_per_class: int = 1000,
    mean_neg: tuple[float, float] = (0.0, 3.0),
    mean_pos: tuple[float, float] = (3.0, 0.0),
    corr: float = 0.5,
    seed: int = 0,
) -> Dataset:
    """The course's two Gaussian classes: negatives (0) stacked over positives (1)."""
    rng = np.random.default_rng(seed)
    cov = [[1.0, corr], [corr, 1.0]]
    # Same draw order as the course notebook, so the same seed gives the same points.
    neg = rng.multivariate_normal(mean_neg, cov, size=n_per_class)
    pos = rng.multivariate_normal(mean_pos, cov, size=n_per_class)
    x = np.vstack((neg, pos))
    y = np.concatenate((np.zeros(n_per_class), np.ones(n_per_class)))
    return _binary(x, y)


def moons(n_samples: int = 1000, noise: float = 0.2, seed: int = 0) -> Dataset:
    x, y = skdatasets.make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return _binary(x, y)


def circles(n_samples: int = 1000, noise: float = 0.2, seed: int = 0) -> Dataset:
    x, y = skdatasets.make_circles(n_samples=n_samples, noise=noise, factor=0.5, random_state=seed)
    return _binary(x, y)


def xor(n_samples: int = 1000, noise: float = 0.2, seed: int = 0) -> Dataset:
    """Uniform points in [-1, 1]^2; label from the clean point, so noise blurs the quadrant borders."""
    rng = np.random.default_rng(seed)
    clean = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = clean[:, 0] * clean[:, 1] > 0
    x = clean + noise * rng.standard_normal((n_samples, 2))
    return _binary(x, y)


def spiral(n_samples: int = 1000, noise: float = 0.2, seed: int = 0) -> Dataset:
    """Two interleaved arms of 1.5 turns, radius up to 2; ``noise`` is a std in those units.

    At the same angle the arms are 2/3 apart, so noise 0.2 keeps them separable but not trivially.
    """
    rng = np.random.default_rng(seed)
    n0 = n_samples // 2
    y = np.concatenate((np.zeros(n0), np.ones(n_samples - n0)))
    # sqrt spreads points evenly along the arm instead of crowding the centre.
    t = np.sqrt(rng.uniform(0.0, 1.0, n_samples))
    angle = t * 3.0 * np.pi + y * np.pi
    radius = 2.0 * t
    x = np.column_stack((radius * np.cos(angle), radius * np.sin(angle)))
    x = x + noise * rng.standard_normal((n_samples, 2))
    return _binary(x, y)


# --- small real sets ------------------------------------------------------------


def _sklearn_set(x: np.ndarray, y: np.ndarray, subsample: int | None, seed: int, task: str,
                 class_names: tuple[str, ...], feature_names: tuple[str, ...]) -> Dataset:
    idx = _subsample_index(len(y), subsample, seed)
    if idx is not None:
        x, y = x[idx], y[idx]
    return Dataset(x=x.astype(np.float32), y=y.astype(np.int32), task=task, n_classes=len(class_names),
                   class_names=class_names, feature_names=feature_names, source="sklearn")


def digits(subsample: int | None = None, seed: int = 0) -> Dataset:
    """8x8 digits as 64 features scaled to 0..1."""
    bunch = skdatasets.load_digits()
    return _sklearn_set(bunch.data / 16.0, bunch.target, subsample, seed, "multiclass",
                        tuple(str(d) for d in range(10)), tuple(bunch.feature_names))


def breast_cancer(subsample: int | None = None, seed: int = 0) -> Dataset:
    """Wisconsin breast cancer, raw (unscaled) features: scaling is part of the lesson."""
    bunch = skdatasets.load_breast_cancer()
    return _sklearn_set(bunch.data, bunch.target, subsample, seed, "binary",
                        tuple(str(n) for n in bunch.target_names), tuple(str(n) for n in bunch.feature_names))


def advertising_frame() -> pd.DataFrame:
    """Advertising.csv (ISLR) as columns TV, radio, newspaper, sales; a fresh copy each call."""
    # The CSV's first, unnamed column is a 1..200 row number, not data.
    return pd.read_csv(ADVERTISING_CSV, index_col=0).reset_index(drop=True)


def advertising() -> Dataset:
    frame = advertising_frame()
    features = ("TV", "radio", "newspaper")
    return Dataset(
        x=frame[list(features)].to_numpy(dtype=np.float32),
        y=frame["sales"].to_numpy(dtype=np.float32),
        task="regression",
        n_classes=1,
        class_names=("sales",),
        feature_names=features,
        source="bundled",
    )


# --- Fashion-MNIST: IDX parsing -------------------------------------------------


def read_idx_images(path: str | os.PathLike[str]) -> np.ndarray:
    """uint8 (n, rows, cols) from a gzipped IDX3 file; ValueError/OSError/EOFError if it is not one."""
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 16:
        raise ValueError(f"{path}: too short for an IDX image header")
    magic, n, rows, cols = (int(v) for v in np.frombuffer(raw, dtype=">i4", count=4))
    if magic != _IDX_IMAGES_MAGIC:
        raise ValueError(f"{path}: magic {magic}, expected {_IDX_IMAGES_MAGIC}")
    if len(raw) != 16 + n * rows * cols:
        raise ValueError(f"{path}: {len(raw) - 16} pixel bytes, header says {n}x{rows}x{cols}")
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, rows, cols)


def read_idx_labels(path: str | os.PathLike[str]) -> np.ndarray:
    """uint8 (n,) from a gzipped IDX1 file; ValueError/OSError/EOFError if it is not one."""
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for an IDX label header")
    magic, n = (int(v) for v in np.frombuffer(raw, dtype=">i4", count=2))
    if magic != _IDX_LABELS_MAGIC:
        raise ValueError(f"{path}: magic {magic}, expected {_IDX_LABELS_MAGIC}")
    if len(raw) != 8 + n:
        raise ValueError(f"{path}: {len(raw) - 8} label bytes, header says {n}")
    return np.frombuffer(raw, dtype=np.uint8, offset=8)


def _file_key(path: str) -> tuple[str, int, int]:
    """Resolved path plus mtime and size, so a replaced file is not served from the cache."""
    real = os.path.realpath(path)
    st = os.stat(real)
    return real, st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=8)
def _read_idx_pair(images_key: tuple[str, int, int], labels_key: tuple[str, int, int]) -> tuple[np.ndarray, np.ndarray]:
    # Failures raise and are therefore not cached; successes stay as read-only uint8.
    x = read_idx_images(images_key[0])
    y = read_idx_labels(labels_key[0])
    _check_fashion_arrays(x, y)
    return x, y


def _check_fashion_arrays(x: np.ndarray, y: np.ndarray) -> None:
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"images have shape {x.shape}, expected (n, 28, 28)")
    if y.shape != (x.shape[0],):
        raise ValueError(f"{y.shape[0] if y.ndim else '?'} labels for {x.shape[0]} images")
    if y.size and int(y.max()) > 9:
        raise ValueError(f"label {int(y.max())} outside 0..9")


def read_fashion_folder(folder: str | os.PathLike[str], split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images, uint8 labels) from the four standard gz files in ``folder``; cached per file."""
    images, labels = (os.path.join(folder, name) for name in _FASHION_FILES[split])
    return _read_idx_pair(_file_key(images), _file_key(labels))


# --- Fashion-MNIST: sources, each one step of the chain ---------------------------


def keras_cache_folder() -> str:
    """Where ``keras.datasets.fashion_mnist.load_data()`` keeps its gz files."""
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return os.path.join(home, "datasets", "fashion-mnist")


def _from_keras_cache(split: str, folder: str | None) -> tuple[np.ndarray, np.ndarray]:
    return read_fashion_folder(folder if folder is not None else keras_cache_folder(), split)


def _from_debian(split: str, folder: str) -> tuple[np.ndarray, np.ndarray]:
    return read_fashion_folder(folder, split)


def _offline() -> bool:
    return os.environ.get("COURSE_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


@functools.lru_cache(maxsize=1)
def _downloaded() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    # Imported here: keras pulls in TensorFlow, which the other data sets do not need.
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    train = (np.asarray(x_train, dtype=np.uint8), np.asarray(y_train, dtype=np.uint8))
    test = (np.asarray(x_test, dtype=np.uint8), np.asarray(y_test, dtype=np.uint8))
    _check_fashion_arrays(*train)
    _check_fashion_arrays(*test)
    return train, test


def _from_download(split: str) -> tuple[np.ndarray, np.ndarray]:
    train, test = _downloaded()
    return train if split == "train" else test


def _fashion(
    split: str,
    subsample: int | None,
    seed: int,
    keras_cache_dir: str | None,
    debian_dir: str,
    allow_download: bool,
) -> Dataset:
    steps = [
        ("keras-cache", lambda: _from_keras_cache(split, keras_cache_dir)),
        ("debian", lambda: _from_debian(split, debian_dir)),
    ]
    if allow_download and not _offline():
        steps.append(("download", lambda: _from_download(split)))
    for source, step in steps:
        try:
            x, y = step()
        # Any failure (missing, corrupt, no network, keras error) just means: try the next source.
        except Exception as exc:  # noqa: BLE001
            log.info("Fashion-MNIST %s from %s unavailable: %s", split, source, exc)
            continue
        idx = _subsample_index(len(y), subsample, seed)
        if idx is not None:
            x, y = x[idx], y[idx]
        scaled = x.astype(np.float32)
        scaled /= 255.0  # in place: the full training set is 188 MB as float32, so avoid a second copy
        return Dataset(
            x=scaled,
            y=y.astype(np.int32),
            task="multiclass",
            n_classes=10,
            class_names=FASHION_CLASSES,
            feature_names=_FASHION_FEATURES,
            source=source,
        )
    log.warning("Fashion-MNIST unavailable; falling back to digits")
    return replace(digits(subsample, seed), source="fallback-digits", notice="fashion_unavailable")


def fashion_mnist(
    subsample: int | None = None,
    seed: int = 0,
    *,
    keras_cache_dir: str | None = None,
    debian_dir: str = DEBIAN_FASHION_DIR,
    allow_download: bool = True,
) -> Dataset:
    """The 60000 Fashion-MNIST training images, x (n, 28, 28) in 0..1.

    Tries Keras' cache, then Debian's package, then a Keras download (skipped when
    ``allow_download`` is False or COURSE_OFFLINE=1); if all fail, returns digits
    with ``source="fallback-digits"`` and ``notice="fashion_unavailable"``.
    """
    return _fashion("train", subsample, seed, keras_cache_dir, debian_dir, allow_download)


def fashion_mnist_test(
    subsample: int | None = None,
    seed: int = 0,
    *,
    keras_cache_dir: str | None = None,
    debian_dir: str = DEBIAN_FASHION_DIR,
    allow_download: bool = True,
) -> Dataset:
    """The 10000 t10k images, same chain and fallback as ``fashion_mnist``."""
    return _fashion("test", subsample, seed, keras_cache_dir, debian_dir, allow_download)


# --- dispatch ---------------------------------------------------------------------


_TOYS = {"moons": moons, "circles": circles, "xor": xor, "spiral": spiral}


def _freeze(ds: Dataset) -> Dataset:
    # load() hands the same cached object to every caller, so nobody may write into it.
    for arr in (ds.x, ds.y):
        arr.setflags(write=False)
    return ds


def canonical(spec: DataSpec) -> DataSpec:
    """The spec with the fields this data set ignores set to their defaults.

    Specs that describe the same rows then share one cache entry (a 60000-image
    Fashion-MNIST array is 188 MB; it must not be cached once per unused seed).
    """
    default = DataSpec(name=spec.name)
    if spec.name == "gaussians":
        return replace(default, n_samples=spec.n_samples, seed=spec.seed, mean_neg=spec.mean_neg,
                       mean_pos=spec.mean_pos, corr=spec.corr)
    if spec.name in _TOYS:
        return replace(default, n_samples=spec.n_samples, noise=spec.noise, seed=spec.seed)
    if spec.name in ("digits", "breast_cancer", "fashion_mnist") and spec.subsample is not None:
        return replace(default, subsample=spec.subsample, seed=spec.seed)
    return default


def load(spec: DataSpec) -> Dataset:
    """The data set a spec describes; cached, with read-only arrays."""
    return _load(canonical(spec))


@functools.lru_cache(maxsize=16)
def _load(spec: DataSpec) -> Dataset:
    name = spec.name
    if name == "gaussians":
        ds = gaussians(spec.n_samples, spec.mean_neg, spec.mean_pos, spec.corr, spec.seed)
    elif name in ("moons", "circles", "xor", "spiral"):
        ds = _TOYS[name](spec.n_samples, spec.noise, spec.seed)
    elif name == "digits":
        ds = digits(spec.subsample, spec.seed)
    elif name == "breast_cancer":
        ds = breast_cancer(spec.subsample, spec.seed)
    elif name == "fashion_mnist":
        ds = fashion_mnist(spec.subsample, spec.seed)
    elif name == "advertising":
        ds = advertising()
    else:  # DataSpec validates names, so this is a programming error
        raise ValueError(f"unknown data set {name!r}")
    return _freeze(ds)


def clear_caches() -> None:
    """Forget every cached array (tests, or after installing the Debian package mid-session)."""
    _load.cache_clear()
    _read_idx_pair.cache_clear()
    _downloaded.cache_clear()
