"""Every URL-bound widget of every lesson survives garbage and out-of-range values from a link."""

import html
import re

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


# --------------------------------------------------------------------------- the address is the app's


def _links(at) -> list:
    """The link notices on the page: warnings with the link icon."""
    return [w for w in at.warning if "🔗" in (w.icon or "")]


def test_the_address_holds_exactly_lang_and_the_moved_controls():
    at = open_page("linear", "en", steps="44", samples="1000", foo="bar", n="1024")  # samples: the default
    assert not at.exception
    assert list(at.query_params.items()) == [("lang", "en"), ("steps", "44")]  # no default, no unknown key
    at.slider(key="lr").set_value(0.2).run()
    # table order (lr before steps), whatever order the controls were moved or linked in
    assert list(at.query_params.items()) == [("lang", "en"), ("lr", "0.2"), ("steps", "44")]
    at.slider(key="steps").set_value(40).run()  # back to its default: it leaves the address
    assert list(at.query_params.items()) == [("lang", "en"), ("lr", "0.2")]


def test_a_run_that_fails_before_a_control_keeps_the_links_value(monkeypatch):
    """A page that fails before it draws a linked control (on a fresh server the home page's device section once
    met a half-imported TensorFlow) must not drop that control's value from the address; the next run uses it."""
    from lib.core import device

    real = device.DEVICE

    class HalfImported:
        def __getattr__(self, name):
            if name == "kind":
                raise AttributeError("partially initialized module")
            return getattr(real, name)

    monkeypatch.setattr(device, "DEVICE", HalfImported())
    at = open_page("home", "en", n="640")
    assert any("AttributeError" in e.value for e in at.error)  # the calm message, not Streamlit's box
    assert list(at.query_params.items()) == [("lang", "en"), ("n", "640")]
    monkeypatch.undo()
    at.run()
    assert at.slider(key="n").value == 640
    assert list(at.query_params.items()) == [("lang", "en"), ("n", "640")]


def test_a_stale_address_in_a_rerun_request_does_not_survive():
    """The browser sends whatever address it shows with each rerun request, possibly one from
    before the last run; the app never reads it back, and the run writes its own."""
    at = open_page("linear", "en")
    at.slider(key="steps").set_value(48).run()
    assert at.query_params["steps"] == "48"
    at.query_params.update({"steps": "44", "lang": "ko", "rng": "7"})  # what a late request still carries
    at.slider(key="samples").set_value(1010).run()
    assert at.slider(key="steps").value == 48 and at.slider(key="rng").value == 0
    assert list(at.query_params.items()) == [("lang", "en"), ("samples", "1010"), ("steps", "48")]
    assert at.title[0].value == "A linear classifier from scratch"  # the language did not follow the stale address


def test_the_share_control_shows_the_address():
    at = open_page("autodiff", "en", x="3.8", foo="bar")
    at.slider(key="w").set_value(1.5).run()
    bodies = [h.proto.body for h in at.sidebar.get("html")]
    share = [html.unescape(found.group(1)) for body in bodies
             if (found := re.search(r'class="course-share-link">([^<]*)<', body))]
    assert len(share) == 1 and share[0].endswith("?lang=en&x=3.8&w=1.5")
    assert sum("window.__courseShow = show" in body for body in bodies) == 1  # the browser half (links.html)
    assert list(at.query_params.items()) == [("lang", "en"), ("x", "3.8"), ("w", "1.5")]


@pytest.mark.parametrize("lang, words", [("en", "cannot take"), ("ko", "받을 수 없는")])
def test_ignored_link_values_are_said_once_on_top(lang, words):
    # rng: out of its range; batch: not a number; step: beyond the steps this link runs (a range narrowed at run time)
    at = open_page("linear", lang, rng="1e300", batch="many", steps="30", step="150")
    assert not at.exception
    notices = _links(at)
    assert len(notices) == 1 and at.main[0].value == notices[0].value  # one notice, the page's first element
    assert words in notices[0].value
    assert all(value in notices[0].value for value in ("1e300", "many", "150"))
    assert at.slider(key="rng").value == 0 and at.slider(key="step").value == 30  # the defaults
    assert list(at.query_params.items()) == [("lang", lang), ("steps", "30")]
    at.slider(key="lr").set_value(0.2).run()
    assert _links(at) == []  # said once: not on the next run


def test_reset_brings_back_the_defaults_and_a_clean_address():
    at = open_page("linear", "ko", steps="44", minibatch="true", step="20", batch="64")
    assert at.slider(key="step").value == 20 and at.toggle(key="minibatch").value is True
    at.button(key="_reset_lesson").click().run()
    assert at.slider(key="steps").value == 40 and at.slider(key="batch").value == 128
    assert at.toggle(key="minibatch").value is False and at.slider(key="step").value == 40  # the scrubber's end
    assert list(at.query_params.items()) == [("lang", "ko")]
    assert not at.exception and not _links(at)


def test_the_scrubber_at_its_end_follows_the_run_and_stays_out_of_the_link():
    at = open_page("linear", "en")
    at.slider(key="steps").set_value(45).run()
    assert at.slider(key="step").value == 45 and "step" not in at.query_params
    at.slider(key="step").set_value(10).run()
    at.slider(key="steps").set_value(50).run()
    assert at.slider(key="step").value == 10  # moved by the learner: kept
    assert list(at.query_params.items()) == [("lang", "en"), ("steps", "50"), ("step", "10")]


def test_the_first_lessons_own_address_opens_it():
    """Streamlit serves the default page at the root whatever its url_path, so "/home" used to be
    "Page not found"; a hidden page under that address now sends the learner to the root, link and all."""
    at = open_page("linear", "en")
    addresses = {info.get("url_pathname") for info in at._registered_pages.values()}  # what st.navigation serves
    assert {"", LESSONS[0].slug} <= addresses
    at.switch_page(LESSONS[0].path)  # AppTest picks the page whose address is the file's name: "/home"
    at.query_params.clear()
    at.query_params.update({"lang": "en", "n": "1024", "foo": "bar"})
    at.run()
    assert not at.exception
    assert at.title[0].value == "Deep Learning, Hands-On"
    assert at.slider(key="n").value == 1024
    assert list(at.query_params.items()) == [("lang", "en"), ("n", "1024")]
