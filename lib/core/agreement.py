"""How two TensorFlow results are compared: to float32 rounding, not bit for bit.

Two computations of the same numbers agree bit for bit only when the same program runs on
the same inputs, batch and device. Another CPU (oneDNN picks other kernels on AMD and Intel),
another batch size or a reloaded model can change the order of a sum and so its last bit.
A page that teaches "these are the same" therefore says *equal* when they are bitwise
equal, *equal to float32 rounding* (with the largest difference) when they differ by no
more than the rounding of the computation allows, and *differ* only beyond that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

EPS32 = float(np.finfo(np.float32).eps)  # 2**-23 ≈ 1.19e-07: float32's spacing at 1.0


def float32_tolerance(terms: int = 1, magnitude: float = 1.0) -> float:
    """The largest rounding difference two float32 evaluations of one formula can show.

    A sum of ``terms`` products of numbers of size ``magnitude`` is off by at most about
    ``terms * eps / 2 * magnitude`` in any summation order (Higham's bound γₙ ≈ n·u, u = eps/2);
    two evaluations in different orders can be that far apart each way (so ``terms * eps``),
    and the layer's bias, activation and a softmax add a few roundings of their own (+ 8).
    """
    return (max(int(terms), 1) + 8) * EPS32 * max(float(magnitude), 1.0)


@dataclass(frozen=True)
class Agreement:
    """How far apart two results are, and whether that is float32 rounding."""

    largest: float  # max |a − b| (nan when either side has a nan where the other has not)
    tolerance: float  # what float32 rounding can explain (see ``float32_tolerance``)

    @property
    def exact(self) -> bool:
        """Bitwise equal (the same program on the same inputs, batch and device)."""
        return self.largest == 0.0

    @property
    def close(self) -> bool:
        """Equal to float32 rounding: the teaching sentence holds."""
        return bool(self.largest <= self.tolerance)  # False for nan

    def difference(self) -> str:
        """The largest difference as the pages print it (``6.0e-08``)."""
        return f"{self.largest:.1e}"


def sentence(lang: str, agreement: Agreement, same: str, differ: str, exact: str | None = None,
             **values: Any) -> str:
    """The catalogue sentence a page shows for ``agreement``.

    Bitwise equal: ``exact`` (or ``same``). Equal to float32 rounding: ``same``, the teaching
    sentence, followed by the largest difference. Beyond that: ``differ`` (given ``diff``).
    """
    from lib.core.i18n import translate

    if not agreement.close:
        return translate(lang, differ, diff=agreement.difference(), **values)
    if agreement.exact:
        return translate(lang, exact or same, **values)
    return f"{translate(lang, same, **values)} {translate(lang, 'common.float32_equal', diff=agreement.difference())}"


def compare(a: Any, b: Any, terms: int = 1) -> Agreement:
    """Compare two arrays computed by a float32 formula whose longest sum has ``terms`` terms.

    Equal infinities and NaN in the same places count as equal (a diverged model reloaded is
    still the same model); shapes must match.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shapes {a.shape} and {b.shape}")
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(invalid="ignore"):
        diff = np.where(same, 0.0, np.abs(a - b))
    largest = float(np.max(diff)) if diff.size else 0.0
    finite = np.abs(np.where(np.isfinite(a), a, 0.0))
    magnitude = float(np.max(finite)) if finite.size else 1.0
    return Agreement(largest=largest, tolerance=float32_tolerance(terms, magnitude))
