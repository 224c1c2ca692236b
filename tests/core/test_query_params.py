"""Every URL-bound widget of every lesson survives garbage and out-of-range values from a link."""

import pytest

from lib.core.lessons import LESSONS
from tests.apptest import open_page

KINDS = ("slider", "select_slider", "selectbox", "radio", "number_input", "toggle", "checkbox", "multiselect",
         "segmented_control", "pills")


def _bound_keys(at) -> dict[str, str]:
    """Every URL-bound widget key of the page, with the kind of widget it belongs to."""
    keys = {}
    for kind in KINDS:
        for widget in at.get(kind):
            key = getattr(widget, "key", None)
            if key and not key.startswith("_"):
                keys[key] = kind
    return keys


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_garbage_in_every_bound_widget(lesson):
    at = open_page(lesson.slug)
    assert not at.exception
    keys = _bound_keys(at)
    if lesson.slug != "home":
        assert keys, "a lesson without URL-bound controls cannot be shared"
    # Numbers far out of range for numeric widgets, nonsense for the rest: one page load covers both.
    bad = {key: "1e300" if kind in ("slider", "number_input") else "%%not-a-value%%" for key, kind in keys.items()}
    garbage = open_page(lesson.slug, "ko", **bad)
    assert not garbage.exception
    notices = "\n".join(w.value for w in garbage.warning)
    assert "1e300" in notices or "%%not-a-value%%" in notices, notices


def test_valid_value_from_link_is_used():
    at = open_page("home", "en", n="1024")
    assert at.slider(key="n").value == 1024
    assert not at.warning


def test_a_default_value_in_the_link_is_not_called_invalid():
    at = open_page("home", "en", n="512")  # 512 is the default: Streamlit drops it from the URL
    assert at.slider(key="n").value == 512
    assert not at.warning
