"""How the course prints numbers: one formatter for every page."""

from __future__ import annotations

import math

DASH = "—"  # what an undefined number (None, NaN) looks like on a page


def fmt(value: float | None, digits: int = 4, *, sci: bool = False, undefined: str = DASH) -> str:
    """``value`` with ``digits`` decimals; ``-0.0`` prints as ``0.0``.

    ``None`` and NaN print as ``undefined`` (a dash; pass ``"nan"``/``"None"`` where the
    page mirrors what Python prints), infinities as ``inf``/``-inf``. With ``sci``, a
    number too large (≥ 1e5) or too small for ``digits`` decimals gets three
    significant digits instead (``1.23e+06``, ``3.2e-07``).
    """
    if value is None:
        return undefined
    value = float(value)
    if math.isnan(value):
        return undefined
    if math.isinf(value):
        return str(value)
    if sci and value != 0 and (abs(value) >= 1e5 or abs(value) < 10**-digits):
        return f"{value:.3g}"
    return f"{round(value, digits) + 0.0:.{digits}f}"


def fmt_lr(value: float) -> str:
    """A learning rate as code writes it: ``0.001``, ``0.0501``, ``1e-05``."""
    return repr(float(f"{value:.6g}"))
