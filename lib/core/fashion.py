"""Fashion-MNIST as the course uses it: a subsample of the 60000 training images,
split with ``train_test_split(test_size=0.2, random_state=42)``.

Shared by the lessons that train on clothing images, so they split the same way
and share one cached copy.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from lib.core import data as data_mod
from lib.core.specs import DataSpec

TOTAL_IMAGES = 60_000
SUBSAMPLE_SEED = 0
SPLIT_SEED = 42  # the course's random_state
VAL_FRACTION = 0.2


@dataclass(frozen=True)
class FashionData:
    """The course's split of (a subsample of) the 60000 training images, pixels in 0..1.

    Images are (n, height, width) float32; on a server without Fashion-MNIST the
    data module's 8×8 digits stand in (``notice`` says so).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    class_names: tuple[str, ...]
    source: str
    notice: str | None

    @property
    def fallback(self) -> bool:
        return self.source == "fallback-digits"

    @property
    def image_shape(self) -> tuple[int, int]:
        return tuple(self.x_train.shape[1:])  # type: ignore[return-value]


def split_dataset(ds: data_mod.Dataset) -> FashionData:
    """``train_test_split(x, y, test_size=0.2, random_state=42)``, as the course splits."""
    side = int(round(math.sqrt(ds.x[0].size)))
    x = np.asarray(ds.x, np.float32).reshape(-1, side, side)  # digits arrive as 64 columns
    x_tr, x_va, y_tr, y_va = train_test_split(x, ds.y, test_size=VAL_FRACTION, random_state=SPLIT_SEED)
    arrays = [np.ascontiguousarray(a) for a in (x_tr, y_tr.astype(np.int32), x_va, y_va.astype(np.int32))]
    for a in arrays:
        a.setflags(write=False)  # shared by every session
    return FashionData(*arrays, class_names=ds.class_names, source=ds.source, notice=ds.notice)


@functools.lru_cache(maxsize=4)
def fashion_split(images: int) -> FashionData:
    """``images`` random rows of the training file (all of them at 60000), split 80/20 with seed 42."""
    subsample = None if images >= TOTAL_IMAGES else images
    return split_dataset(data_mod.load(DataSpec("fashion_mnist", subsample=subsample, seed=SUBSAMPLE_SEED)))


def split_code(images: int, fallback: bool = False) -> str:
    """Load, subsample, scale to 0..1 and split as the course does."""
    if fallback:
        total, load = 1797, '''from sklearn.datasets import load_digits

# Fashion-MNIST is not on this server: scikit-learn's 8×8 digits stand in
digits = load_digits()
train_input, train_target = digits.data.reshape(-1, 8, 8) / 16.0, digits.target  # pixels 0..16 -> 0..1
'''
    else:
        total, load = TOTAL_IMAGES, '''# Fashion-MNIST: 60000 training images of 28×28 pixels (0..255), labels 0..9
(train_input, train_target), (test_input, test_target) = keras.datasets.fashion_mnist.load_data()
'''
    if images < total:
        sub = f'''IMAGES = {images}  # a random subsample of the {total} keeps a CPU quick
rows = np.sort(np.random.default_rng({SUBSAMPLE_SEED}).choice({total}, IMAGES, replace=False))
train_input, train_target = train_input[rows], train_target[rows]
'''
    else:
        sub = f"# all {total} images\n"
    scale = "train_scaled = train_input.astype(\"float32\")" + ("" if fallback else " / 255.0  # pixels -> 0..1")
    return f'''{load}{sub}{scale}

# The course's split: 20% for validation, random_state=42
train_scaled, val_scaled, train_target, val_target = train_test_split(
    train_scaled, train_target, test_size={VAL_FRACTION!r}, random_state={SPLIT_SEED})
'''
