"""The one chart style for the whole app and every export.

Palette: NHS identity colours for the brand, and the Government Analysis Function categorical
palette (dark blue, turquoise, dark pink, orange, dark grey, light purple; built to give 3:1
contrast with white and with neighbours) for several series. SPC points keep their Making Data
Count meaning, with the colours NHSRplotthedots uses (R/ptd_spc_colours.R): grey common cause,
blue improvement, orange concern, purple neither, red target. Every SPC class also has its own
marker shape and a dark outline, so colour is never the only signal and the pale MDC colours
still stand out against white. Dates are UK style: "Apr 2024", financial years "2024/25".
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.text import financial_year

NHS = {
    "blue": "#005EB8",
    "dark_blue": "#003087",
    "bright_blue": "#0072CE",
    "light_blue": "#41B6E6",
    "aqua_blue": "#00A9CE",
    "black": "#231F20",
    "dark_grey": "#425563",
    "mid_grey": "#768692",
    "pale_grey": "#E8EDEE",
    "white": "#FFFFFF",
    "warm_yellow": "#FFB81C",
    "orange": "#ED8B00",
    "dark_pink": "#7C2855",
}
# Government Analysis Function categorical palette, in its order of use.
CATEGORICAL = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
MARKER_OUTLINE = NHS["black"]
FONT = "Arial, Helvetica, sans-serif"
MONTH_FORMAT = "%b %Y"  # plotly/d3 tick format for "Apr 2024"


def apply_style(fig: go.Figure, title: str, alt_text: str) -> go.Figure:
    """Apply the house style; the alt text goes in fig.layout.meta['alt_text'] for pages and exports."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 18, "color": NHS["black"]}},
        font={"family": FONT, "size": 14, "color": NHS["black"]},
        colorway=list(CATEGORICAL),
        paper_bgcolor=NHS["white"],
        plot_bgcolor=NHS["white"],
        hovermode="closest",
        hoverlabel={"font": {"family": FONT, "size": 13}},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "xanchor": "left", "x": 0},
        margin={"l": 70, "r": 30, "t": 70, "b": 90},
        meta={**meta, "alt_text": alt_text},
    )
    axis = {
        "showgrid": True,
        "gridcolor": NHS["pale_grey"],
        "linecolor": NHS["dark_grey"],
        "ticks": "outside",
        "zeroline": False,
    }
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    return fig


def month_axis(fig: go.Figure, first=None, last=None, narrow: bool = False) -> go.Figure:
    """x axis in UK months ('Apr 2024'), hover too; given the span, ticks fall on Aprils (year starts).

    narrow=True is for small multiples: over three years, a tick every other April, set level, so
    the labels of a panel a quarter of the page wide do not run into each other."""
    fig.update_xaxes(tickformat=MONTH_FORMAT, hoverformat=MONTH_FORMAT)
    if first is not None and last is not None and not (pd.isna(first) or pd.isna(last)):
        first, last = pd.Timestamp(first), pd.Timestamp(last)
        months = (last.year - first.year) * 12 + last.month - first.month
        if months >= 24:
            fy_start = int(financial_year(first)[:4])
            step = 24 if narrow and months > 36 else 12
            fig.update_xaxes(tick0=f"{fy_start}-04-01", dtick=f"M{step}")
            if narrow:
                fig.update_xaxes(tickangle=0, tickfont={"size": 11})
        else:
            fig.update_xaxes(tick0=first.strftime("%Y-%m-01"), dtick="M3" if months >= 8 else "M1")
    return fig


def alt_text(fig: go.Figure) -> str:
    """The alt text stored on a styled figure ('' when none)."""
    meta = fig.layout.meta
    return meta.get("alt_text", "") if isinstance(meta, dict) else ""
