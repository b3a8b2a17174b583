"""Small multiples: one panel per ward, its line in NHS blue over the average of the wards shown.

Twelve coloured lines on one chart cannot be told apart; one small panel each, on shared axes, can.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.charts.style import NHS

AVERAGE_NAME = "Average of the wards shown"


def small_multiples(
    data: pd.DataFrame, group: str, x: str, y: str, hovertemplate: str, customdata: str | None = None, ncols: int = 4
) -> go.Figure:
    """A grid of panels, one per `group` value in order of appearance, each with that group's `y` by `x`
    and, dotted grey, the mean of `y` over all groups at each `x`. Not yet styled (see apply_style)."""
    groups = list(pd.unique(data[group]))
    ncols = max(1, min(len(groups), ncols))
    nrows = max(1, math.ceil(len(groups) / ncols))
    fig = make_subplots(
        rows=nrows,
        cols=ncols,
        shared_xaxes=True,
        shared_yaxes=True,
        subplot_titles=[str(g) for g in groups],
        vertical_spacing=min(0.12, 0.5 / nrows),
        horizontal_spacing=0.03,
    )
    avg = data.groupby(x, sort=True)[y].mean()
    for i, g in enumerate(groups):
        d = data[data[group] == g]
        r, c = i // ncols + 1, i % ncols + 1
        fig.add_trace(
            go.Scatter(
                x=avg.index,
                y=avg.to_numpy(),
                mode="lines",
                name=AVERAGE_NAME,
                line={"color": NHS["mid_grey"], "width": 1, "dash": "dot"},
                showlegend=i == 0,
                legendgroup="avg",
                hoverinfo="skip",
            ),
            row=r,
            col=c,
        )
        fig.add_trace(
            go.Scatter(
                x=d[x],
                y=d[y],
                mode="lines+markers",
                name=str(g),
                showlegend=False,
                line={"color": NHS["blue"], "width": 2},
                marker={"size": 5},
                customdata=d[customdata] if customdata else None,
                hovertemplate=hovertemplate,
            ),
            row=r,
            col=c,
        )
    fig.update_yaxes(matches="y")  # make_subplots shares y within a row only: rows must compare too
    fig.layout.yaxis.matches = None  # the first axis is the one matched, not a match of itself
    fig.update_layout(height=max(420, 200 * nrows + 160))
    fig.update_annotations(font_size=13)
    return fig


def y_title(fig: go.Figure, text: str) -> go.Figure:
    """The y-axis title once, beside the middle row, not repeated on every row."""
    rows = len(fig._grid_ref) if fig._grid_ref else 1
    fig.update_yaxes(title_text=None)
    fig.update_yaxes(title_text=text, row=(rows + 1) // 2, col=1)
    return fig
