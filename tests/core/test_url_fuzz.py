"""Hostile links: every bound control of every lesson, fed values no control can hold.

Each value must be ignored with the usual notice, leave the address, and the page must
render completely (every section, no exception, no "something went wrong").
"""

from __future__ import annotations

import importlib

import pytest

from lib.core.controls import Control
from lib.core.i18n import translate
from lib.core.lessons import LESSONS
from tests.apptest import open_page

BAD = ("inf", "-inf", "nan", "1e309", "9" * 400, "", "x" * 10_000, "REPEATED")
TABLES = {lesson.slug: importlib.import_module(f"lib.lessons.{lesson.slug}.controls").CONTROLS for lesson in LESSONS}
BOUND = {slug: [c for c in table if c.kind not in ("select", "radio")] for slug, table in TABLES.items()}


def _link(c: Control, bad: str) -> list[str]:
    """The link's text for ``c``: one bad value, or a key repeated more often than the control takes."""
    if bad == "REPEATED":
        return ["1", "2", "3"] if c.kind == "range" else ["1", "1"]
    return [bad, bad] if c.kind == "range" else [bad]


IDS = ["inf", "-inf", "nan", "1e309", "400 digits", "empty", "10k chars", "repeated"]


@pytest.mark.parametrize("bad", BAD, ids=IDS)
def test_no_control_takes_a_hostile_value(bad):
    controls = [c for cs in BOUND.values() for c in cs]
    assert len(controls) > 100
    taken = [c.key for c in controls if c.accepts(c.from_link(_link(c, bad)))]
    assert taken == []


def test_link_text_is_read_as_the_control_means_it():
    whole = Control("n", "slider", 5, "l", 0, 10, 1)
    assert whole.from_link(["7"]) == 7 and whole.from_link(["7.0"]) == 7 and whole.from_link(["7.5"]) is None
    assert Control("r", "range", (0.0, 1.0), "l", -5.0, 5.0, 0.5).from_link(["-1", "2.5"]) == (-1.0, 2.5)
    assert Control("t", "toggle", False, "l").from_link(["TRUE"]) is True
    assert Control("s", "select", "a", "l", options=("a", "b")).from_link(["b"]) == "b"


def _sections(at) -> int:
    return len(at.header)


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_hostile_links_leave_every_section_standing(lesson):
    controls = BOUND[lesson.slug]
    clean = open_page(lesson.slug, "ko")
    sections = _sections(clean)
    unexpected = translate("ko", "common.unexpected_error", kind="")[:12]
    # Eight loads; in load j control i gets BAD[(i + j) % 8], so every control meets every bad value.
    for j in range(len(BAD)):
        params = {c.key: _link(c, BAD[(i + j) % len(BAD)]) for i, c in enumerate(controls)}
        at = open_page(lesson.slug, "ko", **params)
        assert not at.exception, f"load {j}"
        assert not [e.value for e in at.error if unexpected in e.value], f"load {j}"
        assert _sections(at) == sections, f"load {j}: a section is missing"
        left = {k for k in at.query_params if k != "lang"}
        assert not left & {c.key for c in controls}, f"load {j}: bad values stayed in the address"
        if controls:
            assert any("🔗" in (w.icon or "") or "링크" in w.value for w in at.warning), f"load {j}: no notice"
