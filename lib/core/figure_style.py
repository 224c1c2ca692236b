"""The look every figure shares: colours, fonts, margins.

The course template is registered once as plotly's default: assigning a template
per figure re-validates it and cost ~20 ms a chart, which a slider move pays for
every chart on the page.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

PALETTE = ("#E8590C", "#1C7ED6", "#2B8A3E", "#AE3EC9", "#F08C00", "#0B7285", "#C2255C", "#5C940D")
NEG, POS = "#1C7ED6", "#E8590C"  # class 0 / class 1
FONT = "Noto Sans CJK KR, Noto Sans KR, Apple SD Gothic Neo, Malgun Gothic, sans-serif"


# Colours that read on the light and the dark theme alike (a learner's system picks the theme):
NEUTRAL = "#868E96"  # lines, outlines and markers the theme does not colour (instead of near-black ink)
GRID = "rgba(134, 142, 150, 0.25)"  # a grid line of a lesson's own (instead of "#eee")
LABEL_BG = "rgba(134, 142, 150, 0.2)"  # behind a legend or an annotation (instead of translucent white)


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
    fig.update_layout(
        title=dict(text=title, x=0.01, font=dict(size=15)) if title else None,
        height=height,
        margin=dict(l=50, r=20, t=50 if title else 20, b=45),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    return fig
