"""The layers page's "the same" sentences survive results one float32 ulp apart (another CPU's kernels)."""

import pytest

from lib.core.i18n import translate
from lib.lessons.layers import lab
from tests.claims import float32_note, one_ulp_apart


@pytest.mark.numerics
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_rows_and_my_sequential_one_ulp_apart_keep_the_teaching_sentence(page, request, monkeypatch, lang):
    made = one_ulp_apart(request, monkeypatch, lab)
    at = page("layers", lang, sd_batch="4", sd_features="6", sd_units="5")
    assert not at.exception
    _second, rows, after = made[:3]  # anatomy: the second call, the rows; then MySequential after set_weights
    captions = [c.value for c in at.caption]
    assert f"{translate(lang, 'layers.s1_rows_equal')} {float32_note(lang, rows)}" in captions
    same = translate(lang, "layers.s2_same_outputs", rows=lab.COMPARE_ROWS)
    assert [s.value for s in at.success if same in s.value] == [f"{same} {float32_note(lang, after)}"]
    assert not [w.value for w in at.warning if "MySequential" in w.value]
