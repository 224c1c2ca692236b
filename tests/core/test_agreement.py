"""lib.core.agreement: equal, equal to float32 rounding, or different; and the sentence a page shows."""

import numpy as np
import pytest

from lib.core import agreement
from lib.core.i18n import translate

EPS = np.finfo(np.float32).eps


def test_bitwise_equal_is_exact():
    a = np.linspace(-3, 3, 50, dtype=np.float32)
    found = agreement.compare(a, a.copy(), terms=784)
    assert found.exact and found.close and found.largest == 0.0


def test_one_ulp_apart_is_close_and_not_exact():
    a = np.linspace(0.5, 2.0, 50, dtype=np.float32)
    b = np.nextafter(a, np.float32(np.inf))
    found = agreement.compare(a, b, terms=1)
    assert not found.exact and found.close
    assert found.largest == pytest.approx(float(np.max(np.spacing(a))))  # one ulp of the largest value


def test_tolerance_grows_with_the_sum_and_the_values():
    assert agreement.float32_tolerance(784) == pytest.approx((784 + 8) * EPS)
    assert agreement.float32_tolerance(10, magnitude=100.0) == pytest.approx(100 * agreement.float32_tolerance(10))
    assert agreement.float32_tolerance(10, magnitude=1e-3) == agreement.float32_tolerance(10)  # never below 1.0's


def test_a_real_difference_is_not_close():
    a = np.ones(10, np.float32)
    found = agreement.compare(a, a + 1e-3, terms=784)  # 1e-3 > 792 · 1.2e-7 ≈ 9.4e-5
    assert not found.close and found.difference() == "1.0e-03"


def test_nan_and_infinity_in_the_same_places_are_equal():
    a = np.array([np.nan, np.inf, 1.0])
    assert agreement.compare(a, a.copy()).exact
    assert not agreement.compare(a, np.array([0.0, np.inf, 1.0])).close  # nan on one side only


def test_shapes_must_match():
    with pytest.raises(ValueError):
        agreement.compare(np.ones(3), np.ones(4))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_sentence_keeps_the_teaching_sentence_and_adds_the_difference(lang):
    same, differ, exact = "saving.identical", "saving.not_identical", "saving.identical_exact"
    a = np.float32([0.25, 0.75])
    equal = agreement.compare(a, a)
    assert agreement.sentence(lang, equal, same, differ, exact, n=2) == translate(lang, exact, n=2)
    near = agreement.compare(a, np.nextafter(a, np.float32(1)))
    assert agreement.sentence(lang, near, same, differ, exact, n=2) == (
        f"{translate(lang, same, n=2)} {translate(lang, 'common.float32_equal', diff=near.difference())}")
    far = agreement.compare(a, a + 0.01)
    assert agreement.sentence(lang, far, same, differ, exact, n=2) == translate(lang, differ, diff="1.0e-02")
