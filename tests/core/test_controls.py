"""Control tables: the machinery, and every lesson's table against the spec it feeds."""

from __future__ import annotations

import importlib
import math
from dataclasses import fields

import pytest

from lib.core.controls import Control, Table, check_in
from lib.core.lessons import LESSONS
from lib.core.numbers import fmt, fmt_lr
from lib.core.specs import number, whole

TABLES = {lesson.slug: importlib.import_module(f"lib.lessons.{lesson.slug}.controls").CONTROLS for lesson in LESSONS}
ROWS = [(slug, c) for slug, table in TABLES.items() for c in table]
WITH_FIELD = [(slug, c) for slug, c in ROWS if c.field]


def test_every_lesson_has_a_table():
    assert len(TABLES) == 12
    assert all(table.lesson == slug for slug, table in TABLES.items())


def test_control_rejects_a_default_it_cannot_hold():
    with pytest.raises(ValueError, match="outside"):
        Control("x", "slider", 11, "l", 0, 10, 1)
    with pytest.raises(ValueError, match="options"):
        Control("x", "select", "z", "l", options=("a", "b"))
    with pytest.raises(ValueError, match="kind"):
        Control("x", "dial", 1, "l", 0, 2)
    with pytest.raises(ValueError, match="share"):
        Table("t", [Control("x", "toggle", False, "l"), Control("x", "toggle", True, "l")])


@pytest.mark.parametrize("value, ok", [(0, True), (10, True), (5.0, True), (5.5, False), (-1, False), (11, False),
                                       (math.inf, False), (math.nan, False), (True, False), ("5", False)])
def test_whole_slider_accepts_only_finite_whole_values_in_range(value, ok):
    assert Control("x", "slider", 3, "l", 0, 10, 1).accepts(value) is ok


def test_float_range_and_choices():
    c = Control("r", "range", (0.0, 1.0), "l", -5.0, 5.0, 0.5)
    assert c.accepts((-5.0, 5.0)) and not c.accepts((0.0, 6.0)) and not c.accepts((1.0,))
    s = Control("s", "select", "a", "l", options=("a", "b"))
    assert s.accepts("b") and not s.accepts("c")
    assert check_in(s, "a") == "a"
    with pytest.raises(ValueError, match="one of a, b"):
        check_in(s, "c")
    with pytest.raises(ValueError, match="whole number from 0 to 10"):
        check_in(Control("n", "number", 1, "l", 0, 10, 1), 12)


# --------------------------------------------------------------------------- every table


@pytest.mark.parametrize("slug, table", TABLES.items(), ids=list(TABLES))
def test_table_rows_are_complete(slug, table):
    from lib.core import i18n

    keys = set(i18n.catalogue("en"))
    for c in table:
        assert c.label in keys, f"{slug}.{c.key}: no text {c.label}"
        assert c.help is None or c.help in keys, f"{slug}.{c.key}: no text {c.help}"
        if c.names is not None:
            missing = [o for o in c.options if f"{c.names}{o}" not in keys]
            assert missing == [], f"{slug}.{c.key}: no names for {missing}"
        if c.kind in ("slider", "number", "range"):
            assert c.lo < c.hi and c.step is not None and c.step > 0, f"{slug}.{c.key}: range and step"


def _resolve(slug: str, field_ref: str) -> tuple[type, str]:
    module, _, attr = field_ref.partition(":")
    cls_name, _, name = attr.partition(".")
    cls = getattr(importlib.import_module(f"lib.lessons.{slug}.{module}"), cls_name)
    assert name in {f.name for f in fields(cls)}, f"{cls_name} has no field {name}"
    return cls, name


def _outside(c: Control) -> list:
    if c.kind in ("select", "radio"):
        return ["no-such-option"]
    if c.kind == "toggle":
        return []
    below, above = c.lo - c.step, c.hi + c.step
    return [(below, c.lo), (c.lo, above)] if c.kind == "range" else [below, above, math.nan, math.inf]


def _inside(c: Control) -> list:
    if c.kind in ("select", "radio"):
        return list(c.options)
    if c.kind == "toggle":
        return [True, False]
    return [c.default, (c.lo, c.hi)] if c.kind == "range" else [c.default, c.lo, c.hi]


@pytest.mark.parametrize("slug, c", WITH_FIELD, ids=[f"{s}.{c.key}" for s, c in WITH_FIELD])
def test_spec_accepts_exactly_what_the_control_offers(slug, c):
    cls, name = _resolve(slug, c.field)
    for value in _inside(c):
        cls(**{name: value})  # the control's default and both ends are valid specs
    for value in _outside(c):
        with pytest.raises(ValueError):
            cls(**{name: value})


def test_tables_feed_specs():
    assert len(WITH_FIELD) >= 12  # most lessons tie controls to their specs


# --------------------------------------------------------------------------- shared helpers


@pytest.mark.parametrize("value, kwargs, shown", [
    (0.123456, {}, "0.1235"), (-0.00001, {"digits": 3}, "0.000"), (None, {}, "—"), (math.nan, {}, "—"),
    (math.nan, {"undefined": "nan"}, "nan"), (math.inf, {}, "inf"), (-math.inf, {}, "-inf"),
    (123456.0, {"sci": True}, "1.23e+05"), (0.00001, {"sci": True}, "1e-05"), (2.5, {"digits": 1}, "2.5"),
])
def test_one_number_formatter(value, kwargs, shown):
    assert fmt(value, **kwargs) == shown


def test_learning_rate_as_code_writes_it():
    assert [fmt_lr(v) for v in (0.001, 0.0501, 1e-5)] == ["0.001", "0.0501", "1e-05"]


def test_range_checkers():
    assert whole(5.0, "epochs", 1, 10) == 5 and isinstance(whole(5.0, "epochs", 1, 10), int)
    assert number(0.1 + 0.2, "rate", 0, 1) == 0.3
    for bad in (5.5, math.inf, True, "3"):
        with pytest.raises(ValueError, match="epochs must be a whole number"):
            whole(bad, "epochs", 1, 10)
    with pytest.raises(ValueError, match="between 1 and 10"):
        whole(11, "epochs", 1, 10)
    with pytest.raises(ValueError, match="finite"):
        number(math.nan, "rate", 0, 1)
