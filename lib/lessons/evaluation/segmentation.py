"""Segmentation metrics on two small label grids: pixel accuracy, mean accuracy, mean IU, frequency-weighted IU.

The formulas are those of Long, Shelhamer & Darrell (FCN, 2015), the course's
source: with n_ij the pixels of class i predicted as class j and t_i = Σ_j n_ij,

* pixel accuracy  Σ_i n_ii / Σ_i t_i
* mean accuracy   (1/n_cl) Σ_i n_ii / t_i
* mean IU         (1/n_cl) Σ_i n_ii / (t_i + Σ_j n_ji − n_ii)
* f.w. IU         (Σ_k t_k)⁻¹ Σ_i t_i n_ii / (t_i + Σ_j n_ji − n_ii)

computed in numpy from a confusion matrix that is checked against
``sklearn.metrics.confusion_matrix``; Keras' ``MeanIoU`` is a third opinion. A
class that never occurs (0/0) is left out of the means, as ``MeanIoU`` does.
Masks travel in the URL as digits, one row per ``.``-separated group. No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

N_CLASSES = 3  # 0 background, 1 road, 2 car
ROWS, COLS = 6, 8

_GT = (
    "00000000",
    "00000000",
    "00000000",
    "00022000",
    "11122111",
    "11111111",
)


def _grid(rows: tuple[str, ...]) -> np.ndarray:
    return np.array([[int(c) for c in row] for row in rows], dtype=np.int32)


# name -> (ground truth, prediction); "missed" first: the small car the pixel accuracy hardly notices.
PRESETS: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "missed": (_grid(_GT), _grid(("00000000", "00000000", "00000000", "00000000", "11111111", "11111111"))),
    "shifted": (_grid(_GT), _grid(("00000000", "00000000", "00000000", "00002200", "11112211", "11111111"))),
    "background": (_grid(_GT), np.zeros((ROWS, COLS), np.int32)),
    "rough": (_grid(_GT), _grid(("00000000", "00000000", "00002000", "00222200", "01122211", "11111110"))),
    "perfect": (_grid(_GT), _grid(_GT)),
}


def encode(mask: np.ndarray) -> str:
    """``00000000.00000000. …``: short, URL-safe, readable."""
    return ".".join("".join(str(int(v)) for v in row) for row in mask)


def decode(text: str) -> np.ndarray:
    """The mask a URL value describes; ValueError with a readable reason if it is not one."""
    rows = str(text).strip().split(".")
    if len(rows) != ROWS or any(len(row) != COLS for row in rows):
        raise ValueError(f"a mask is {ROWS} groups of {COLS} digits separated by dots")
    if any(c not in "0123456789"[:N_CLASSES] for row in rows for c in row):
        raise ValueError(f"mask digits must be class numbers 0 to {N_CLASSES - 1}")
    return _grid(tuple(rows))


def clean_mask(values: object) -> tuple[np.ndarray, bool]:
    """A grid from an edited table: (mask, whether anything was out of range or empty and was fixed)."""
    raw = np.asarray(values, dtype=object).reshape(ROWS, COLS)
    out = np.zeros((ROWS, COLS), np.int32)
    fixed = False
    for (r, c), v in np.ndenumerate(raw):
        try:
            number = float(v)
            ok = number.is_integer() and 0 <= number < N_CLASSES
        except (TypeError, ValueError):
            ok = False
        if ok:
            out[r, c] = int(number)
        else:
            fixed = True  # an emptied or impossible cell becomes background
    return out, fixed


@dataclass(frozen=True)
class SegResult:
    confusion: np.ndarray  # n_ij: rows = ground truth, columns = prediction
    truth: np.ndarray  # t_i
    predicted: np.ndarray  # Σ_j n_ji
    correct: np.ndarray  # n_ii
    class_accuracy: np.ndarray  # n_ii / t_i (NaN when t_i = 0)
    iu: np.ndarray  # NaN when the class is in neither mask
    pixel_accuracy: float
    mean_accuracy: float
    mean_iu: float
    fw_iu: float
    sklearn_agrees: bool
    keras_mean_iou: float

    @property
    def absent(self) -> list[int]:
        """Classes missing from the ground truth: left out of the mean accuracy."""
        return [int(i) for i in np.flatnonzero(self.truth == 0)]


def confusion(gt: np.ndarray, pred: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """n_ij in numpy: each pixel adds one at (its true class, its predicted class)."""
    index = gt.ravel().astype(np.int64) * n_classes + pred.ravel().astype(np.int64)
    return np.bincount(index, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def keras_mean_iou(gt: np.ndarray, pred: np.ndarray, n_classes: int = N_CLASSES) -> float:
    import keras

    metric = keras.metrics.MeanIoU(num_classes=n_classes)
    metric.update_state(gt.ravel(), pred.ravel())
    return float(metric.result())


def seg_metrics(gt: np.ndarray, pred: np.ndarray, n_classes: int = N_CLASSES, with_keras: bool = True) -> SegResult:
    n = confusion(gt, pred, n_classes)
    reference = skm.confusion_matrix(gt.ravel(), pred.ravel(), labels=list(range(n_classes)))
    t = n.sum(axis=1)
    p = n.sum(axis=0)
    nii = np.diag(n)
    union = t + p - nii
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(t > 0, nii / np.where(t > 0, t, 1), np.nan)
        iu = np.where(union > 0, nii / np.where(union > 0, union, 1), np.nan)
    total = t.sum()
    fw = float(np.sum(np.where(t > 0, t * np.nan_to_num(iu), 0.0)) / total)
    return SegResult(
        confusion=n, truth=t, predicted=p, correct=nii, class_accuracy=acc, iu=iu,
        pixel_accuracy=float(nii.sum() / total),
        mean_accuracy=float(np.nanmean(acc)),
        mean_iu=float(np.nanmean(iu)),
        fw_iu=fw,
        sklearn_agrees=bool(np.array_equal(n, reference)),
        keras_mean_iou=keras_mean_iou(gt, pred, n_classes) if with_keras else float("nan"),
    )
