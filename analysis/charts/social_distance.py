"""Reduced social distance page figures: a measure against closeness, and staff against patients' ratings.

The tables they draw and the models behind them are in analysis/questions/social_distance/model.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.charts.style import CATEGORICAL, NHS, apply_style
from analysis.questions.social_distance.model import CLOSENESS, MEASURES, PER
from analysis.questions.social_distance.view import Link
from analysis.text import fmt_number, plotly_literal, plural


def against_closeness_figure(points: pd.DataFrame, outcome: str, link: Link, withheld: int = 0) -> go.Figure:
    """Each ward-quarter as a dot (closeness across, the measure up), the fitted line when there is one.

    `points` are the ward-quarters that may be shown (`scatter_points`: a mean resting on too few returns is
    left out, `withheld` of them); the line is the model fitted to every ward-quarter."""
    d = points.dropna(subset=[outcome, CLOSENESS])
    fig = go.Figure()
    for ward, g in d.groupby("ward_name", sort=True):  # one colour: a dozen wards' colours need a legend to read
        fig.add_trace(
            go.Scatter(
                x=g[CLOSENESS],
                y=g[outcome],
                mode="markers",
                name=plotly_literal(ward),
                marker={"size": 8, "color": NHS["blue"], "opacity": 0.7, "line": {"width": 0.5, "color": "white"}},
                hovertemplate=f"<b>{plotly_literal(ward)}</b><br>%{{x:.0f}} closeness, %{{y:.2f}}<extra></extra>",
                showlegend=False,
            )
        )
    if link.ok and len(d):
        x = np.linspace(d[CLOSENESS].min(), d[CLOSENESS].max(), 20)
        y = link.intercept + link.estimate * (x - 50.0) / PER
        fig.add_trace(
            go.Scatter(
                x=x, y=y, mode="lines", name="Fitted line", line={"color": NHS["black"], "width": 3}, hoverinfo="skip"
            )
        )
    fig.update_xaxes(title_text=MEASURES[CLOSENESS])
    fig.update_yaxes(title_text=MEASURES[outcome])
    return apply_style(fig, MEASURES[outcome], against_closeness_alt(d, outcome, link, withheld))


def against_closeness_alt(d: pd.DataFrame, outcome: str, link: Link, withheld: int = 0) -> str:
    left_out = f" {plural(withheld, 'ward-quarter')} left out: too few returns to show." if withheld else ""
    if not len(d):
        if withheld:
            return f"No ward-quarter of {MEASURES[outcome]} can be shown.{left_out}"
        return f"No ward-quarter has both the measure ({MEASURES[outcome]}) and patient-rated closeness."
    line = (
        f" The fitted line changes by {fmt_number(link.estimate, 2)} per {fmt_number(PER)} points of closeness."
        if link.ok
        else ""
    )
    return (
        f"Scatter: {MEASURES[outcome]} against {MEASURES[CLOSENESS]}: "
        f"{plural(len(d), 'ward-quarter')} on {plural(d['ward_id'].nunique(), 'ward')}.{line}{left_out}"
    )


def ratings_figure(by_ward: pd.DataFrame) -> go.Figure:
    """A dumbbell per ward: patients' and staff's mean rating of reduced social distance, joined by the gap."""
    d = by_ward.sort_values("gap")
    fig = go.Figure()
    xs, ys = [], []
    for r in d.itertuples(index=False):
        xs += [r.patient_rsd, r.staff_rsd, None]
        ys += [plotly_literal(r.ward_name)] * 2 + [None]
    fig.add_trace(
        go.Scatter(
            x=xs, y=ys, mode="lines", line={"color": NHS["mid_grey"], "width": 3}, hoverinfo="skip", showlegend=False
        )
    )
    for who, col, colour, symbol in (
        ("Patients", "patient_rsd", NHS["dark_blue"], "circle"),
        ("Staff", "staff_rsd", CATEGORICAL[3], "diamond"),
    ):
        fig.add_trace(
            go.Scatter(
                x=d[col],
                y=d["ward_name"].map(plotly_literal),
                mode="markers",
                name=who,
                marker={"size": 12, "color": colour, "symbol": symbol, "line": {"color": NHS["black"], "width": 1}},
                hovertemplate=f"<b>%{{y}}</b><br>{who}: %{{x:.0f}}<extra></extra>",
            )
        )
    fig.update_xaxes(title_text="Reduced social distance (0 to 100, higher is closer)")
    fig.update_layout(height=max(320, 40 * len(d) + 160))
    return apply_style(fig, "Reduced social distance: patients' and staff's ratings by ward", ratings_alt(d))


def ratings_alt(d: pd.DataFrame) -> str:
    if not len(d):
        return "No ward has both patients' and staff's ratings of reduced social distance."
    above = int((d["gap"] > 0).sum())
    return (
        f"Dumbbell chart of {plural(len(d), 'ward')}: staff rate relationships closer than patients do on "
        f"{above} of them; the mean gap is {fmt_number(d['gap'].mean())} points."
    )
