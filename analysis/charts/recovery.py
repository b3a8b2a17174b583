"""Question 3 charts: each recovery measure over time, and against co-production with the fitted model.

Every chart states which way is better (on the axis: "better ↑" / "better ↓"), because for some
measures (DUNDRUM, HoNOS-Secure) a fall is the improvement. Pure functions: tidy data from
analysis/questions/recovery/view.py in, plotly figures and their alt text out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.charts.multiples import small_multiples, y_title
from analysis.charts.style import CATEGORICAL, NHS, apply_style, month_axis
from analysis.questions.recovery.view import better_arrow, direction_words, predictor_label
from analysis.stats.counts.describe import predictor_words
from analysis.text import plotly_literal, plural, uk_month

SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star", "hexagon")
DASHES = ("solid", "dash", "dot", "dashdot")
MAX_LINES = 6  # one colour each; more wards get a panel each (analysis.charts.multiples)
SIDE_LEGEND = {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"}


# --- measure over time --------------------------------------------------------------------------------


def _style_of(i: int) -> tuple[str, str, str]:
    """Colour, marker and dash for the i-th series: colours repeat every 6, shapes and dashes tell them apart."""
    k = len(CATEGORICAL)
    return CATEGORICAL[i % k], SYMBOLS[(i // k) % len(SYMBOLS)], DASHES[(i // k) % len(DASHES)]


def over_time_alt(data: pd.DataFrame, measure: str, hib: bool | None, by: str = "ward") -> str:
    """One generated sentence describing the over-time chart."""
    if not len(data):
        return f"Line chart with no {measure} scores to show."
    groups = data[by].nunique()
    first, last = data["month"].min(), data["month"].max()
    latest = data.loc[data["month"] == last, "mean_score"]
    return (
        f"Line chart of {measure} scores for {plural(groups, by)}, {uk_month(first)} to "
        f"{uk_month(last)}: scores range from {data['mean_score'].min():.1f} to {data['mean_score'].max():.1f}, "
        + (
            f"and in {uk_month(last)} the score was {latest.min():.1f}; "
            if latest.nunique() == 1
            else f"and in {uk_month(last)} they ran from {latest.min():.1f} to {latest.max():.1f}; "
        )
        + f"{direction_words(measure, hib)}."
    )


def over_time_figure(data: pd.DataFrame, measure: str, hib: bool | None, by: str = "ward") -> go.Figure:
    """The measure's mean score by month, one line per service, or per ward up to MAX_LINES wards and one
    small panel per ward beyond that (over the wards' average); the axis says which way is better."""
    alt = over_time_alt(data, measure, hib, by)
    measure, data = plotly_literal(measure), data.assign(**{by: data[by].map(plotly_literal)})  # names as typed
    hover = (
        f"<b>%{{fullData.name}}</b><br>%{{x|%b %Y}}<br>{measure}: %{{y:.1f}}"
        "<br>patients: %{customdata:.0f}<extra></extra>"
    )
    panels = by == "ward" and data[by].nunique() > MAX_LINES
    if panels:
        fig = small_multiples(
            data.sort_values([by, "month"]), by, "month", "mean_score", hover, customdata="n_patients"
        )
    else:
        fig = _lines(data, measure, by)
    arrow = better_arrow(hib)
    title = f"{measure} by {by} over time" + (
        f" ({direction_words(measure, hib).split(':')[0]})" if hib is not None else ""
    )
    apply_style(fig, title, alt)
    y_text = f"{measure} mean score" + (f"  ({arrow})" if arrow else "")
    if panels:
        y_title(fig, y_text)
    else:
        fig.update_yaxes(title_text=y_text)
    if panels:
        fig.update_layout(margin={"b": 60})
    else:
        fig.update_xaxes(title_text="Month")
        fig.update_layout(legend=SIDE_LEGEND, margin={"r": 190, "b": 60})
    if len(data):
        month_axis(fig, data["month"].min(), data["month"].max(), narrow=panels)
    return fig


def _lines(data: pd.DataFrame, measure: str, by: str) -> go.Figure:
    fig = go.Figure()
    for i, (group, g) in enumerate(data.groupby(by, sort=True)):
        colour, symbol, dash = _style_of(i)
        fig.add_trace(
            go.Scatter(
                x=g["month"],
                y=g["mean_score"],
                name=str(group),
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 2},
                marker={"symbol": symbol, "size": 7, "color": colour},
                customdata=np.c_[g["n_patients"].to_numpy(float)],
                hovertemplate=f"<b>{group}</b><br>%{{x|%b %Y}}<br>{measure}: %{{y:.1f}}"
                "<br>patients: %{customdata[0]:.0f}<extra></extra>",
            )
        )
    return fig


# --- measure against co-production --------------------------------------------------------------------


def scatter_alt(
    data: pd.DataFrame, measure: str, predictor: str, hib: bool | None, within: float | None, lag: int = 0
) -> str:
    """One generated sentence describing the scatter chart."""
    who = predictor_words(predictor) + (f" {plural(lag, 'month')} earlier" if lag else "")
    if not len(data):
        return f"Scatter chart with no ward-months holding both a {measure} score and {who}."
    slope = (
        f"; short lines show the fitted within-ward change of {within:+.2f} points per 10-point rise"
        if within is not None and np.isfinite(within)
        else ""
    )
    return (
        f"Scatter chart of {measure} score against {who} for {len(data)} ward-months on "
        f"{plural(data['ward'].nunique(), 'ward')}, one colour per ward{slope}; {direction_words(measure, hib)}."
    )


def scatter_figure(
    data: pd.DataFrame,
    lines: pd.DataFrame,
    measure: str,
    predictor: str,
    hib: bool | None,
    within: float | None = None,
    lag: int = 0,
) -> go.Figure:
    """Measure against co-production, one colour per ward, with the fitted within-ward and between-ward lines."""
    alt = scatter_alt(data, measure, predictor, hib, within, lag)
    measure = plotly_literal(measure)  # names as typed: Plotly reads a little HTML in titles, legends and hovers
    data = data.assign(ward=data["ward"].map(plotly_literal))
    lines = lines.assign(ward=lines["ward"].map(plotly_literal))
    fig = go.Figure()
    for i, (ward, g) in enumerate(data.groupby("ward", sort=True)):
        colour, symbol, _ = _style_of(i)
        fig.add_trace(
            go.Scatter(
                x=g["coproduction"],
                y=g["mean_score"],
                name=str(ward),
                mode="markers",
                legendgroup=str(ward),
                marker={
                    "symbol": symbol,
                    "size": 8,
                    "color": colour,
                    "opacity": 0.75,
                    "line": {"width": 0.5, "color": NHS["black"]},
                },
                customdata=np.c_[g["month"].dt.strftime("%b %Y").to_numpy(object)],
                hovertemplate=f"<b>{ward}</b> %{{customdata[0]}}<br>co-production: %{{x:.0f}}"
                f"<br>{measure}: %{{y:.1f}}<extra></extra>",
            )
        )
        seg = lines[(lines["line"] == "within") & (lines["ward"] == ward)]
        if len(seg):
            fig.add_trace(
                go.Scatter(
                    x=seg["coproduction"],
                    y=seg["fitted"],
                    mode="lines",
                    legendgroup=str(ward),
                    showlegend=False,
                    line={"color": colour, "width": 3},
                    hoverinfo="skip",
                )
            )
    b = lines[lines["line"] == "between"]
    if len(b):
        fig.add_trace(
            go.Scatter(
                x=b["coproduction"],
                y=b["fitted"],
                mode="lines",
                name="Between wards (fitted)",
                line={"color": NHS["black"], "dash": "dash", "width": 3},
                hoverinfo="skip",
            )
        )
    arrow = better_arrow(hib)
    who = predictor_label(predictor) + (f", {plural(lag, 'month')} earlier" if lag else "")
    apply_style(fig, f"{measure} against co-production", alt)
    fig.update_xaxes(title_text=f"{who} (0 to 100)")
    fig.update_layout(
        legend={**SIDE_LEGEND, "tracegroupgap": 0},
        margin={"r": 190, "b": 60},
        height=max(450, 120 + 24 * data["ward"].nunique()),
    )
    fig.update_yaxes(title_text=f"{measure} mean score" + (f"  ({arrow})" if arrow else ""))
    return fig
