"""The saving page's "the loaded model predicts the same" is computed, and survives predictions one
float32 ulp apart (a reloaded model on another CPU): the teaching sentence stays, with the difference."""

import pytest

from lib.core.i18n import translate
from lib.lessons.saving import lab
from tests.claims import float32_note, one_ulp_apart
from tests.lessons.saving.test_page import SMALL


@pytest.mark.numerics
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_reloaded_predictions_one_ulp_apart_keep_the_sentence_and_the_recap(page, request, monkeypatch, lang):
    made = one_ulp_apart(request, monkeypatch, lab)
    at = page("saving", lang, **SMALL)
    assert not at.exception
    note = float32_note(lang, made[0])
    same = translate(lang, "saving.identical", n="200")
    assert f"{same} {note}" in [s.value for s in at.success]
    recap = translate(lang, "saving.recap", loaded=f"{translate(lang, 'saving.recap_loaded')} {note}")
    assert recap.strip() in [m.value.strip() for m in at.markdown]


def test_bitwise_equal_predictions_say_bit_for_bit(page, request, monkeypatch):
    made = one_ulp_apart(request, monkeypatch, lab, ulps=0)  # as on one machine in one process
    at = page("saving", "en", **SMALL)
    assert made[0].exact
    assert translate("en", "saving.identical_exact", n="200") in [s.value for s in at.success]
    recap = translate("en", "saving.recap", loaded=translate("en", "saving.recap_loaded_exact"))
    assert "bit for bit" in recap and recap.strip() in [m.value.strip() for m in at.markdown]
