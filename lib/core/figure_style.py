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


def _register_template() -> None:
    template = go.layout.Template(pio.templates["plotly_white"])
    template.layout.font = dict(family=FONT, size=13)
    template.layout.colorway = list(PALETTE)
    pio.templates["course"] = template
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
