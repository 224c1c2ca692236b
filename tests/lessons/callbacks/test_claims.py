"""The callbacks page's "the same numbers" sentences are computed, and survive results one float32 ulp
apart (a checkpoint reloaded on another CPU): the teaching sentence stays and the difference is shown."""

import pytest

from lib.core.i18n import translate
from lib.lessons.callbacks import claims
from tests.claims import float32_note, one_ulp_apart
from tests.lessons.callbacks.test_page import SMALL


@pytest.mark.numerics
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_restored_loaded_and_own_callback_one_ulp_apart(page, request, monkeypatch, lang):
    made = one_ulp_apart(request, monkeypatch, claims)
    at = page("callbacks", lang, **SMALL)
    assert not at.exception
    restored, loaded, updates = made[:3]  # in page order: sections 2, 3 and 6
    shown = [s.value for s in at.success] + [c.value for c in at.caption]
    es = [s for s in shown if s.startswith("`restore_best_weights=True`")]
    assert len(es) == 1 and es[0].endswith(float32_note(lang, restored))  # the "same" sentence, then the note
    how = translate(lang, "callbacks.ck_loaded_how_weights")
    assert f"{how} {translate(lang, 'callbacks.ck_loaded_same')} {float32_note(lang, loaded)}" in shown
    own = translate(lang, "callbacks.own_caption_epoch")
    assert f"{own} {translate(lang, 'callbacks.own_epoch_same')} {float32_note(lang, updates)}" in shown
    assert not [w.value for w in at.warning if "restore_best_weights" in w.value]


def test_the_sentences_say_exactly_when_the_numbers_are_bitwise_equal(page, request, monkeypatch):
    one_ulp_apart(request, monkeypatch, claims, ulps=0)
    at = page("callbacks", "en", **SMALL)
    shown = [s.value for s in at.success] + [c.value for c in at.caption]
    assert any(s.startswith("`restore_best_weights=True`") and "exactly the value the best epoch logged" in s
               for s in shown)
    assert f"{translate('en', 'callbacks.ck_loaded_how_weights')} {translate('en', 'callbacks.ck_loaded_same_exact')}" \
        in shown
    assert f"{translate('en', 'callbacks.own_caption_epoch')} {translate('en', 'callbacks.own_epoch_same_exact')}" \
        in shown
