"""Comparing two float32 computations in tests: to float32 rounding, never bit for bit.

Another CPU (oneDNN picks other kernels on AMD and Intel), another batch size or a reloaded
model sums in another order, so two computations of the same numbers can differ in the last
bits. A sum of n products is off by at most about n·eps/2 × the values' size in any order
(Higham's γₙ), so two orders are within n·eps of each other; a bias, an activation and a
softmax add a few more roundings (+ 8). Tests that compare TensorFlow results with each other
use this and carry the ``numerics`` mark: CI runs them a second time with oneDNN's kernels off.
"""

from __future__ import annotations

import numpy as np

EPS32 = float(np.finfo(np.float32).eps)


def float32_atol(terms: int, magnitude: float = 1.0) -> float:
    """The largest difference float32 rounding explains for sums of ``terms`` terms of ``magnitude``."""
    return (terms + 8) * EPS32 * max(magnitude, 1.0)


def assert_float32_close(actual: object, expected: object, terms: int, magnitude: float = 1.0) -> None:
    np.testing.assert_allclose(actual, expected, rtol=0, atol=float32_atol(terms, magnitude))
