"""Every page builds its widgets from its control table, and "Reset this lesson" restores them all.

For each lesson, a link sets every control to a valid value other than its default; the
page must show those values (the table's URL keys are the widgets' keys), with the
table's range; one click on the reset control must bring every widget back to its
default and leave nothing but ``lang`` in the address. The code panels are open all along:
their open state is a widget's too, and stays out of the address and out of the reset.
"""

from __future__ import annotations

import importlib

import pytest

from lib.core.controls import Control
from lib.core.lessons import LESSONS
from tests.apptest import open_page

FINDERS = {"slider": "slider", "range": "slider", "number": "number_input", "toggle": "toggle",
           "select": "selectbox", "radio": "radio"}
# Each lesson in one language, alternating, so both languages are covered; linear in both.
CASES = [(lesson.slug, "ko" if i % 2 else "en") for i, lesson in enumerate(LESSONS)]
CASES.append(("linear", "en" if dict(CASES)["linear"] == "ko" else "ko"))


def _table(slug: str):
    return importlib.import_module(f"lib.lessons.{slug}.controls").CONTROLS


def _other(c: Control) -> object | None:
    """A valid value other than the default that is cheap to compute with (None: leave it)."""
    if c.kind in ("select", "radio"):
        return next(o for o in c.options if o != c.default)
    if c.kind == "toggle":
        return False if c.default else None  # switching an optional section on may train more
    if c.kind == "range":
        lo, hi = c.default
        return (lo, hi - c.step) if hi - c.step > lo else (lo - c.step, hi) if lo - c.step >= c.lo else None
    up = c.default + c.step
    value = up if up <= c.hi else c.default - c.step
    return round(value, 6) if isinstance(value, float) else value


def _url(value: object) -> str | list[str]:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return [str(v) for v in value]
    return str(value)


def _widget(at, c: Control):
    found = getattr(at, FINDERS[c.kind])
    try:
        return found(key=c.key)
    except KeyError:
        return None  # not drawn with these settings (e.g. inside a section that is off)


@pytest.mark.parametrize("slug, lang", CASES, ids=[f"{s}-{lang}" for s, lang in CASES])
def test_reset_restores_every_default_and_clears_the_url(slug, lang):
    table = _table(slug)
    assert len(table) > 0
    changed = {c.key: v for c in table if (v := _other(c)) is not None}
    at = open_page(slug, lang, code=True, **{k: _url(v) for k, v in changed.items()})
    assert not at.exception and at.code
    shown = {c.key: w for c in table if (w := _widget(at, c)) is not None}
    assert len(shown) >= min(1, len(table))
    for key, w in shown.items():
        c = table[key]
        if key in changed and not c.dynamic:
            assert w.value == changed[key] or list(w.value) == list(changed[key]), f"{key} did not take the link"
        if c.kind in ("slider", "range", "number") and not c.dynamic:
            assert (w.min, w.max) == (c.lo, c.hi), f"{key}: widget range differs from the table"
    at.button(key="_reset_lesson").click().run()
    assert not at.exception and at.code
    for c in table:
        w = _widget(at, c)
        if w is not None and not c.dynamic:
            value = tuple(w.value) if c.kind == "range" else w.value
            assert value == c.default, f"{c.key} is {value!r} after reset, not {c.default!r}"
    assert set(at.query_params) <= {"lang"}
    assert at.query_params["lang"] == [lang] or at.query_params["lang"] == lang
