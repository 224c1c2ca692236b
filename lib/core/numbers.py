"""How the course prints numbers: one formatter for every page."""

from __future__ import annotations

import math

DASH = "—"  # what an undefined number (None, NaN) looks like on a page


def fmt(value: float | None, digits: int = 4, *, sci: bool = False, width: int | None = None,
        undefined: str = DASH) -> str:
    """``value`` with ``digits`` decimals; ``-0.0`` prints as ``0.0``.

    ``None`` and NaN print as ``undefined`` (a dash; pass ``"nan"``/``"None"`` where the
    page mirrors what Python prints), infinities as ``inf``/``-inf``.

    With ``sci`` (what metric cards and sentences use wherever a number can blow up or
    vanish), a number keeps its fixed-decimal form while that form, without its sign, is at
    most ``width`` characters (by default ``digits + 6``: up to ``99999.9999`` with four
    decimals), and is written with three significant digits beyond that (``1.49e+14``),
    never cut; so is a non-zero number too small for ``digits`` decimals (``3.2e-07``, not
    ``0.0000``). Zero stays ``0.0000``.
    """
    if value is None:
        return undefined
    value = float(value)
    if math.isnan(value):
        return undefined
    if math.isinf(value):
        return str(value)
    fixed = f"{round(value, digits) + 0.0:.{digits}f}"
    if sci and value != 0:
        too_wide = len(fixed.lstrip("-")) > (digits + 6 if width is None else width)
        if too_wide or abs(value) < 10**-digits:
            return f"{value:.3g}"
    return fixed


def orders_of_magnitude(first: float, last: float) -> int:
    """How many powers of ten ``last`` is above ``first`` (both positive), rounded: 0 for less than ~3×."""
    if not (first > 0 and last > 0 and math.isfinite(first) and math.isfinite(last)):
        return 0
    return max(0, round(math.log10(last / first)))


def fmt_lr(value: float) -> str:
    """A learning rate as code writes it: ``0.001``, ``0.0501``, ``1e-05``."""
    return repr(float(f"{value:.6g}"))
