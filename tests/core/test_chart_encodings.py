"""Charts a colour-blind learner can read, on the light and the dark theme.

The palette: every category colour reaches WCAG's 3:1 non-text contrast on both backgrounds
(computed here with the WCAG 2 formula, independently of lib.core.figure_style). Every lesson
page, rendered once in AppTest (in Korean, shared with tests/core/test_korean.py): trace colours
come from the palette (or are greys, or pale tints of it), series shown side by side in a legend
differ by more than colour (dash or marker for lines, marker shape for scatter classes, hatching
for bars), and colour scales are colour-blind safe (plotly's viridis family, blues, greys, RdBu;
or built from the palette).
"""

from __future__ import annotations

import itertools
import json
import re

import plotly.colors
import plotly.io as pio
import pytest

from lib.core.figure_style import FILLS, NEG, NEUTRAL, PALETTE, POS
from lib.core.lessons import LESSONS
from tests.core.test_korean import korean_page

# The pages are the Korean test's renders (same worker, rendered once): a chart's encoding does not depend on
# its language, and the page runs cost most of this test.
pytestmark = pytest.mark.xdist_group("korean_pages")

LIGHT, DARK = "#FFFFFF", "#111318"  # the app's two backgrounds (Streamlit's light and dark theme)

SAFE_SCALES = ("viridis", "cividis", "plasma", "inferno", "magma", "blues", "greys", "rdbu", "purples", "ylgnbu")


# --------------------------------------------------------------------------- colours, independently of the app


def rgba(colour: str) -> tuple[int, int, int, float]:
    """``#RGB``, ``#RRGGBB``, ``rgb()``, ``rgba()`` or white/black/transparent as (r, g, b, alpha)."""
    colour = colour.strip().lower()
    named = {"white": (255, 255, 255, 1.0), "black": (0, 0, 0, 1.0), "transparent": (0, 0, 0, 0.0)}
    if colour in named:
        return named[colour]
    if colour.startswith("#"):
        digits = colour[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), 1.0
    match = re.fullmatch(r"rgba?\(([^)]*)\)", colour)
    assert match, f"unreadable colour {colour!r}"
    parts = [float(p) for p in match.group(1).split(",")]
    return int(parts[0]), int(parts[1]), int(parts[2]), parts[3] if len(parts) > 3 else 1.0


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance."""
    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b, _ = rgba(colour)
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def is_grey(colour: str) -> bool:
    """A neutral grey (or a pale, nearly grey tint), white included."""
    r, g, b, _ = rgba(colour)
    return max(r, g, b) - min(r, g, b) <= 40


def is_palette_mix(colour: str) -> bool:
    """A palette colour, or one mixed with white or black (a tint or a shade of it)."""
    r, g, b, _ = rgba(colour)
    for p in PALETTE:
        pr, pg, pb, _ = rgba(p)
        for towards in (255, 0):
            shares = [(c - q) / (towards - q) for c, q in ((r, pr), (g, pg), (b, pb)) if towards != q]
            if shares and all(-0.02 <= s <= 1.0 for s in shares) and max(shares) - min(shares) <= 0.03:
                return True
    return False


def allowed(colour: str) -> bool:
    if rgba(colour)[3] == 0:
        return True  # invisible
    upper = colour.strip().upper()
    return upper in {c.upper() for c in PALETTE + FILLS} or is_grey(colour) or is_palette_mix(colour)


# --------------------------------------------------------------------------- the palette


def test_every_palette_colour_reads_on_both_themes():
    for colour in (*PALETTE, NEUTRAL):
        for background in (LIGHT, DARK):
            ratio = contrast_ratio(colour, background)
            assert ratio >= 3.0, f"{colour} on {background}: {ratio:.2f}:1, under WCAG's 3:1 for graphics"


def test_contrast_formula_matches_wcag_examples():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)  # the classic AA grey
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)


def test_palette_is_the_plotly_default_and_classes_use_it():
    assert list(pio.templates["course"].layout.colorway) == list(PALETTE)  # figure_style's template
    assert NEG in PALETTE and POS in PALETTE and NEG != POS
    assert len(set(PALETTE)) == len(PALETTE) >= 5
    assert not any(colour.upper() in {"#F0E442", "#E69F00", "#56B4E9", "#000000"} for colour in PALETTE)


def test_checks_catch_the_old_red_green_and_colour_only_styles():
    assert not allowed("#2B8A3E") and not allowed("#E03131")  # the old green / red
    assert allowed("#868E96") and allowed("rgba(0,0,0,0)") and allowed(PALETTE[0])
    old = {"data": [{"type": "scatter", "mode": "lines", "name": "a", "line": {"color": PALETTE[0]}},
                    {"type": "scatter", "mode": "lines", "name": "b", "line": {"color": PALETTE[1]}}]}
    assert colour_only_pairs(old) == [("a", "b")]


# --------------------------------------------------------------------------- every chart on every page


def colours_of(trace: dict) -> list[tuple[str, str]]:
    """(where, colour) of a trace's lines and markers; numbers (colour-scale values) are left out."""
    found = []
    marker = trace.get("marker") or {}
    for where, value in (("line.color", (trace.get("line") or {}).get("color")), ("marker.color", marker.get("color")),
                         ("marker.line.color", (marker.get("line") or {}).get("color"))):
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str):
                found.append((where, v))
    return found


def scales_of(trace: dict) -> list[list]:
    scales = [trace.get("colorscale"), (trace.get("marker") or {}).get("colorscale")]
    return [s for s in scales if isinstance(s, list)]


def named_scale_colours(name: str) -> list[tuple]:
    return [rgba(plotly.colors.convert_colors_to_same_type(c, "rgb")[0][0])[:3]
            for _, c in plotly.colors.get_colorscale(name)]


SAFE = [named_scale_colours(name) for name in SAFE_SCALES]


def safe_scale(scale: list) -> bool:
    colours = [rgba(c)[:3] if c.startswith(("#", "rgb")) else None for _, c in scale]
    if None not in colours and (colours in SAFE or colours[::-1] in SAFE):
        return True
    return all(allowed(c) for _, c in scale)


def shown_in_legend(trace: dict) -> bool:
    return trace.get("showlegend", True) is not False and not (trace.get("meta") or {}).get("encoding")


def style(trace: dict) -> tuple:
    mode = trace.get("mode", "lines")
    symbol = (trace.get("marker") or {}).get("symbol", "circle")
    symbol = tuple(symbol) if isinstance(symbol, list) else symbol
    return (trace.get("line") or {}).get("dash", "solid"), symbol if "markers" in mode else None


def colour_only_pairs(spec: dict) -> list[tuple[str, str]]:
    """Pairs of legend entries of one figure told apart by colour alone."""
    traces = [t for t in spec["data"] if shown_in_legend(t)]
    lines = [t for t in traces if t.get("type", "scatter") == "scatter" and "lines" in t.get("mode", "lines")
             and (t.get("line") or {}).get("width", 2) > 0]  # a filled area without an outline is no line
    dots = [t for t in traces if t.get("type", "scatter") == "scatter" and t.get("mode") in ("markers", "markers+text")]
    bars = [t for t in traces if t.get("type") in ("bar", "histogram")]
    bad = [(a.get("name"), b.get("name")) for a, b in itertools.combinations(lines, 2) if style(a) == style(b)]
    bad += [(a.get("name"), b.get("name")) for a, b in itertools.combinations(dots, 2)
            if (a.get("marker") or {}).get("symbol", "circle") == (b.get("marker") or {}).get("symbol", "circle")]
    bad += [(a.get("name"), b.get("name")) for a, b in itertools.combinations(bars, 2)
            if ((a.get("marker") or {}).get("pattern") or {}).get("shape", "")
            == ((b.get("marker") or {}).get("pattern") or {}).get("shape", "")]
    return bad


@pytest.fixture(scope="module", params=[lesson.slug for lesson in LESSONS])
def charts(request) -> tuple[str, list[dict]]:
    """Every plotly figure one lesson page draws (one page run shared by the tests below and test_korean)."""
    slug = request.param
    at = korean_page(slug)
    assert not at.exception, f"{slug}: {at.exception}"
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert specs or slug == "tensors", f"{slug} drew no chart"
    return slug, specs


def test_trace_colours_come_from_the_palette_or_are_grey(charts):
    slug, specs = charts
    bad = [(i, trace.get("name"), where, colour) for i, spec in enumerate(specs) for trace in spec["data"]
           for where, colour in colours_of(trace) if not allowed(colour)]
    assert not bad, f"{slug}: colours outside the palette (figure, trace, where, colour): {bad}"


def test_colour_scales_are_colour_blind_safe(charts):
    slug, specs = charts
    bad = [(i, trace.get("type"), scale) for i, spec in enumerate(specs) for trace in spec["data"]
           for scale in scales_of(trace) if not safe_scale(scale)]
    assert not bad, f"{slug}: colour scales that are not colour-blind safe: {bad}"


def test_series_in_a_legend_differ_by_more_than_colour(charts):
    slug, specs = charts
    bad = [(i, pair) for i, spec in enumerate(specs) for pair in colour_only_pairs(spec)]
    assert not bad, f"{slug}: legend entries that differ by colour alone (figure, names): {bad}"
