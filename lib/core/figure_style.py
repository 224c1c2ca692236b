"""The look every figure shares: colours, fonts, margins.

The course template is registered once as plotly's default: assigning a template
per figure re-validates it and cost ~20 ms a chart, which a slider move pays for
every chart on the page.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

# Colour-blind-safe categories: Okabe & Ito's vermillion, blue, bluish green and reddish purple, Paul
# Tol's olive and a violet; Okabe-Ito's orange, sky blue, yellow and black are left out, as they fall
# under 3:1 against the light (#FFFFFF) or the dark (#111318) background. Every colour here reaches 3:1
# (WCAG non-text contrast) on both, and any two stay apart under protan-, deutan- and tritanopia
# (tests/core/test_chart_encodings.py checks the contrast). Colour is never the only difference: series
# compared in one figure also differ in dash or marker (DASHES, SYMBOLS).
PALETTE = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#999933", "#9F7AEA")
NEG, POS = PALETTE[1], PALETTE[0]  # class 0 / class 1
NEG_SYMBOL, POS_SYMBOL = "circle", "x"  # scatter classes differ in shape as well as colour
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")  # the i-th series' dash
SYMBOLS = ("circle", "diamond", "square", "triangle-up", "x", "star")  # the i-th series' marker
FONT = "Noto Sans CJK KR, Noto Sans KR, Apple SD Gothic Neo, Malgun Gothic, sans-serif"


# Colours that read on the light and the dark theme alike (a learner's system picks the theme):
NEUTRAL = "#868E96"  # lines, outlines and markers the theme does not colour (instead of near-black ink)
GRID = "rgba(134, 142, 150, 0.25)"  # a grid line of a lesson's own (instead of "#eee")
LABEL_BG = "rgba(134, 142, 150, 0.2)"  # behind a legend or an annotation (instead of translucent white)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _mix(colour: str, other: tuple[int, int, int], share: float) -> str:
    """``colour`` moved ``share`` of the way towards ``other`` (an RGB triple)."""
    return "#" + "".join(f"{round(c + (o - c) * share):02X}" for c, o in zip(_rgb(colour), other, strict=True))


def tint(colour: str, share: float = 0.85) -> str:
    """A pale box fill of a palette colour (a diagram's node), for dark text drawn on it."""
    return _mix(colour, (255, 255, 255), share)


def rgba(colour: str, alpha: float) -> str:
    """A palette colour as a translucent fill (a shaded area, a region)."""
    r, g, b = _rgb(colour)
    return f"rgba({r}, {g}, {b}, {alpha:g})"


def shade(colour: str, share: float = 0.35) -> str:
    """A palette colour darkened by ``share`` (a second tone of one category, e.g. alternating blocks)."""
    return _mix(colour, (0, 0, 0), share)


def ink(colour: str) -> str:
    """A palette colour darkened until text in it reaches 4.5:1 on white (text inside a white box)."""
    share = 0.0
    while contrast(_mix(colour, (0, 0, 0), share), "#FFFFFF") < 4.5:
        share += 0.05
    return _mix(colour, (0, 0, 0), share)


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#RRGGBB``."""
    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#RRGGBB`` colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# Pale fills for diagram boxes (text on them is dark): one per palette colour, and a grey one.
FILLS = tuple(tint(c) for c in PALETTE)
PLAIN_FILL = "#F1F3F5"
BOX_INK = "#212529"  # text on a pale box (its own background, so the same in both themes)
BOX_EDGE = "#495057"  # the outline of a pale box


def _register_template() -> None:
    """plotly_white's shapes and scales, without the ink that would vanish on a dark background.

    ``st.plotly_chart`` draws figures in the app's theme (light or dark, as the learner's system
    says): it replaces the template's background, text, grid and hover colours. What else the
    template colours stays as it is, so none of that is white or dark: shapes (``add_hline``),
    annotation arrows and error bars are a mid grey, bars have no white outline.
    """
    spec = pio.templates["plotly_white"].to_plotly_json()
    layout = spec["layout"]
    # paper_bgcolor and plot_bgcolor stay white (a figure saved outside the app): the theme replaces them.
    for key in ("polar", "ternary", "scene", "geo"):
        layout.pop(key, None)
    layout["font"] = dict(family=FONT, size=13)
    layout["colorway"] = list(PALETTE)
    for axis in ("xaxis", "yaxis"):
        layout[axis]["linecolor"] = NEUTRAL  # grid and zero lines: the theme's
    layout["shapedefaults"] = dict(line=dict(color=NEUTRAL))
    layout["annotationdefaults"] = dict(layout["annotationdefaults"], arrowcolor=NEUTRAL)
    data = spec["data"]
    for trace in data["bar"]:
        trace["marker"]["line"] = dict(width=0)  # plotly_white outlines bars in white
        trace["error_x"] = trace["error_y"] = dict(color=NEUTRAL)
    for unused in ("carpet", "table", "barpolar"):
        data.pop(unused, None)
    pio.templates["course"] = go.layout.Template(spec)
    pio.templates.default = "course"


_register_template()


def base(fig: go.Figure, title: str | None = None, height: int = 360) -> go.Figure:
    """Apply the course layout in place and return the figure."""
    if pio.templates.default != "course":  # importing Streamlit after this module sets its own default
        pio.templates.default = "course"
        fig.update_layout(template="course")
    fig.update_layout(
        title=dict(text=title, x=0.01, font=dict(size=15)) if title else None,
        height=height,
        margin=dict(l=50, r=20, t=50 if title else 20, b=45),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    return fig
