"""The one number formatter: fixed decimals for ordinary numbers, scientific past a width or when tiny."""

from __future__ import annotations

import math

import pytest

from lib.core.numbers import DASH, fmt, orders_of_magnitude


@pytest.mark.parametrize("value, shown", [
    (0.0285, "0.0285"), (5.589524, "5.5895"), (99999.99994, "99999.9999"), (-12.5, "-12.5000"),
    (0.0, "0.0000"), (-0.0, "0.0000"), (1.0, "1.0000"),
])
def test_ordinary_numbers_keep_their_fixed_decimals(value, shown):
    assert fmt(value, sci=True) == shown == fmt(value)


@pytest.mark.parametrize("value, shown", [
    (148645747884032.0, "1.49e+14"), (123083544941803077632.0, "1.23e+20"), (123456.0, "1.23e+05"),
    (-1.5e10, "-1.5e+10"), (6699027844300.5, "6.7e+12"),
])
def test_huge_numbers_switch_to_scientific_and_are_never_cut(value, shown):
    assert fmt(value, sci=True) == shown
    assert float(shown) == pytest.approx(value, rel=5e-3)  # three significant digits of the same number
    assert len(fmt(value)) > 10  # the fixed form is what got cut on a metric card


@pytest.mark.parametrize("value, shown", [(3.2e-7, "3.2e-07"), (-4e-5, "-4e-05"), (4.56e-30, "4.56e-30")])
def test_tiny_non_zero_numbers_are_not_printed_as_zero(value, shown):
    assert fmt(value) == "0.0000"  # what four decimals alone would say
    assert fmt(value, sci=True) == shown


def test_width_is_where_the_switch_happens():
    assert fmt(12345.678, 2, sci=True) == "12345.68"
    assert fmt(12345.678, 2, sci=True, width=6) == "1.23e+04"
    assert fmt(-123.4, 1, sci=True, width=5) == "-123.4"  # the sign does not count


@pytest.mark.parametrize("value, undefined, shown", [
    (float("nan"), "nan", "nan"), (float("nan"), DASH, DASH), (None, DASH, DASH),
    (math.inf, DASH, "inf"), (-math.inf, DASH, "-inf"),
])
def test_nan_none_and_infinities(value, undefined, shown):
    assert fmt(value, sci=True, undefined=undefined) == shown


@pytest.mark.parametrize("first, last, n", [
    (5.59, 6.0, 0), (5.59, 15.0, 0), (5.59, 56.0, 1), (5.59, 673.76, 2), (5.5895, 1.2308e20, 19),
    (5.0, 1.0, 0), (5.0, math.inf, 0), (0.0, 3.0, 0),
])
def test_orders_of_magnitude(first, last, n):
    assert orders_of_magnitude(first, last) == n


def test_summary_sentences_use_it():
    from lib.core.summaries import best_sentence, trend_sentence

    said = trend_sentence("en", "Training loss", [0.693, 2.5e13, 1.486e14], "epochs")
    assert "0.693" in said and "1.49e+14" in said and "148600000000000" not in said
    assert "(3.2e-07)" in best_sentence("en", "Validation loss", [0.5, 3.2e-7, 0.1])
