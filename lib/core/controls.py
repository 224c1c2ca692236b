"""Control tables: every control of a lesson declared once.

Like TensorFlow Playground's ``state.ts``: a lesson's ``controls.py`` lists its
controls (URL key, kind, default, range or options, step, label, and the spec field
the value feeds). The table drives the widgets (``lib.core.ui.control``), the URL
binding and the validation of link values, the lesson's spec checks (a lab reads its
ranges from the table, so the page and the spec cannot disagree), the "reset this
lesson" control, and the tests that walk every table.

No Streamlit here: tables are plain data, importable by labs and tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

KINDS = ("slider", "range", "number", "toggle", "select", "radio")


@dataclass(frozen=True)
class Control:
    """One control. ``lo``/``hi``/``step`` for numbers, ``options`` for choices.

    ``label`` and ``help`` are catalogue keys; ``names`` is a catalogue prefix naming options.
    ``field`` names what the value feeds, as ``"<module>:<Class>.<attribute>"`` relative to the lesson's package (e.g.
    ``"lab:LinearSpec.seed"``); the table test builds that class with the control's
    default and range ends, and expects a ValueError just outside them.
    """

    key: str
    kind: str
    default: Any
    label: str
    lo: Any = None
    hi: Any = None
    step: Any = None
    options: tuple = ()
    help: str | None = None
    field: str | None = None
    dynamic: bool = False  # the page narrows the range at run time (e.g. a scrubber over the steps run)
    names: str | None = None  # catalogue prefix naming the options: "design.act_" + "relu"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: unknown control kind {self.kind!r}")
        if self.kind in ("select", "radio"):
            if self.default not in self.options:
                raise ValueError(f"{self.key}: default {self.default!r} is not one of its options")
        elif self.kind == "toggle":
            if not isinstance(self.default, bool):
                raise ValueError(f"{self.key}: a toggle's default must be True or False")
        elif not self.accepts(self.default):
            raise ValueError(f"{self.key}: default {self.default!r} is outside [{self.lo}, {self.hi}]")

    @property
    def range(self) -> tuple[Any, Any]:
        return self.lo, self.hi

    @property
    def whole(self) -> bool:
        """Whether the control takes whole numbers only."""
        return self.kind in ("slider", "number", "range") and isinstance(self.lo, int) and isinstance(self.hi, int)

    def accepts(self, value: Any, lo: Any = None, hi: Any = None) -> bool:
        """Whether ``value`` is a value this control can hold (finite, in range, one of the options).

        ``lo``/``hi`` narrow the range where the page does so at run time.
        """
        if self.kind in ("select", "radio"):
            return value in self.options
        if self.kind == "toggle":
            return isinstance(value, bool)
        lo, hi = self.lo if lo is None else lo, self.hi if hi is None else hi
        values = value if self.kind == "range" else (value,)
        try:
            if self.kind == "range" and len(values) != 2:
                return False
            return all(_finite_in(v, lo, hi, self.whole) for v in values)
        except TypeError:
            return False

    def from_link(self, raw: Sequence[str]) -> Any:
        """The value the text of a link's ``?key=...`` means for this control, or None when it
        means nothing the control can hold (not a number, inf, NaN, a repeated key, ...).

        Range checks are ``accepts``'s; this only reads the text, and never raises.
        """
        if self.kind in ("select", "radio"):
            return None if len(raw) != 1 else next((o for o in self.options if str(o) == raw[0]), None)
        if self.kind == "toggle":
            return {"true": True, "false": False}.get(raw[0].strip().lower()) if len(raw) == 1 else None
        if len(raw) != (2 if self.kind == "range" else 1):
            return None
        try:
            numbers = [float(text) for text in raw]
        except (ValueError, OverflowError):
            return None
        if not all(math.isfinite(v) for v in numbers):
            return None
        if self.whole:
            if not all(v.is_integer() for v in numbers):
                return None
            numbers = [int(v) for v in numbers]
        return tuple(numbers) if self.kind == "range" else numbers[0]


def _finite_in(value: Any, lo: Any, hi: Any, whole: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if not math.isfinite(value) or (whole and value != int(value)):
        return False
    return lo <= value <= hi


class Table:
    """A lesson's controls in page order, looked up by URL key."""

    def __init__(self, lesson: str, controls: Sequence[Control]) -> None:
        self.lesson = lesson
        self._controls = {c.key: c for c in controls}
        if len(self._controls) != len(controls):
            raise ValueError(f"{lesson}: two controls share a URL key")
        if "lang" in self._controls:
            raise ValueError(f"{lesson}: 'lang' is the language, not a control")

    def __getitem__(self, key: str) -> Control:
        return self._controls[key]

    def __contains__(self, key: object) -> bool:
        return key in self._controls

    def __iter__(self) -> Iterator[Control]:
        return iter(self._controls.values())

    def __len__(self) -> int:
        return len(self._controls)

    def keys(self) -> list[str]:
        return list(self._controls)

    def defaults(self) -> dict[str, Any]:
        return {c.key: c.default for c in self}


def check_in(control: Control, value: Any, what: str | None = None) -> Any:
    """``value`` if ``control`` accepts it, else the ValueError a page shows the learner.

    Labs call this in their specs' checks, so a spec takes exactly what its control offers.
    """
    if not control.accepts(value):
        name = what or control.key
        if control.kind in ("select", "radio"):
            raise ValueError(f"{name} must be one of {', '.join(map(str, control.options))}")
        kind = "a whole number" if control.whole else "a number"
        raise ValueError(f"{name} must be {kind} from {control.lo} to {control.hi}")
    return value
