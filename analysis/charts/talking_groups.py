"""Talking groups page figures: the timeline of starts, one ward before and after, sessions and attendance.

The tables they draw, the models behind them and the sentences beside them are in
analysis/questions/talking_groups/view.py.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.charts.style import CATEGORICAL, NHS, apply_style, month_axis
from analysis.text import fmt_number, plotly_literal, plural, uk_month

# --- timeline ------------------------------------------------------------------------------------------


def timeline_figure(table: pd.DataFrame, first, last) -> tuple[go.Figure, str]:
    """One row per ward: a marker at its start and a bar while groups run; comparison wards dotted, listed last."""
    fig = go.Figure()
    started = table[table["talking_groups_start"].notna()]
    waiting = table[table["talking_groups_start"].isna()]
    xs, ys = [], []
    for r in started.itertuples(index=False):
        xs += [max(r.talking_groups_start, pd.Timestamp(first)), pd.Timestamp(last), None]
        ys += [plotly_literal(r.ward), plotly_literal(r.ward), None]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            name="Talking groups running",
            line={"color": NHS["light_blue"], "width": 8},
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=started["talking_groups_start"],
            y=started["ward"].map(plotly_literal),
            mode="markers",
            name="Start month",
            marker={
                "symbol": "diamond",
                "size": 13,
                "color": NHS["dark_blue"],
                "line": {"color": NHS["black"], "width": 1},
            },
            text=[
                f"<b>{plotly_literal(w)}</b><br>Talking groups started {uk_month(s)}"
                for w, s in zip(started["ward"], started["talking_groups_start"])
            ],
            hoverinfo="text",
        )
    )
    xs, ys = [], []
    for r in waiting.itertuples(index=False):
        xs += [pd.Timestamp(first), pd.Timestamp(last), None]
        ys += [plotly_literal(r.ward), plotly_literal(r.ward), None]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            name="Not started (comparison ward)",
            line={"color": NHS["mid_grey"], "width": 2, "dash": "dot"},
            hoverinfo="skip",
        )
    )
    order = list(table["ward"])
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], type="category", title=None)
    first_start = started["talking_groups_start"].min() if len(started) else None
    alt = (
        f"Timeline of {plural(len(table), 'ward')}: {len(started)} started talking groups"
        + (
            (
                f" in {uk_month(first_start)}"
                if first_start == started["talking_groups_start"].max()
                else f" between {uk_month(first_start)} and {uk_month(started['talking_groups_start'].max())}"
            )
            if len(started)
            else ""
        )
        + f"; {len(waiting)} had not started and serve as comparison wards"
        + (f" ({', '.join(waiting['ward'])})." if len(waiting) else ".")
    )
    apply_style(fig, "When each ward started talking groups", alt)
    month_axis(fig, first, last)
    fig.update_xaxes(range=[pd.Timestamp(first) - pd.Timedelta(days=20), pd.Timestamp(last) + pd.Timedelta(days=20)])
    fig.update_layout(height=max(300, 36 * len(table) + 170))
    return fig, alt


# --- before and after ----------------------------------------------------------------------------------

FEW_BEFORE = 8  # points before the start under which the pre-start trend is called uncertain


def _quarterly(data: pd.DataFrame) -> bool:
    steps = data["month"].dt.to_period("M").astype("int64").diff().dropna()
    return bool(len(steps)) and float(steps.median()) > 1


def before_after_figure(data: pd.DataFrame, ward: str, y_label: str, start) -> tuple[go.Figure, str]:
    """Observed months, the fitted segmented line, the pre-start trend carried on (dashed), the start marked."""
    fig = go.Figure()
    pre, post = data[~data["post"]], data[data["post"]]
    fig.add_trace(
        go.Scatter(
            x=data["month"],
            y=data["observed"],
            mode="markers",
            name="Observed survey month" if _quarterly(data) else "Observed month",
            marker={"color": NHS["mid_grey"], "size": 7, "line": {"color": NHS["dark_grey"], "width": 1}},
            hovertemplate="%{x|%b %Y}: %{y:.2f}<extra>Observed</extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[*pre["month"], None, *post["month"]],
            y=[*pre["fitted"], None, *post["fitted"]],
            mode="lines",
            name="Fitted line (before and after)",
            line={"color": NHS["blue"], "width": 3},
            hovertemplate="%{x|%b %Y}: %{y:.2f}<extra>Fitted</extra>",
        )
    )
    cf = data[data["counterfactual"].notna()]
    fig.add_trace(
        go.Scatter(
            x=cf["month"],
            y=cf["counterfactual"],
            mode="lines",
            name="If the earlier trend had carried on",
            line={"color": CATEGORICAL[3], "width": 2.5, "dash": "dash"},
            hovertemplate="%{x|%b %Y}: %{y:.2f}<extra>Earlier trend carried on</extra>",
        )
    )
    start = pd.Timestamp(start)
    x0 = start - pd.Timedelta(days=15)  # between the last month before and the first month after
    fig.add_shape(
        type="line", x0=x0, x1=x0, y0=0, y1=1, yref="paper", line={"color": NHS["black"], "width": 1.5, "dash": "dot"}
    )
    fig.add_annotation(
        x=x0,
        y=1,
        yref="paper",
        text=f" Talking groups start ({uk_month(start)})",
        showarrow=False,
        xanchor="left",
        yanchor="top",
        bgcolor="rgba(255,255,255,0.85)",
        font={"size": 12, "color": NHS["black"]},
    )
    # survey outcomes use the months with a fresh survey only (quarterly): say so rather than "months"
    unit = "survey months" if _quarterly(data) else "months"
    alt = (
        f"Before-and-after chart for ward {ward}: {len(pre)} {unit} before and {len(post)} {unit} after talking "
        f"groups started in {uk_month(start)}."
    )
    if len(cf):
        last_cf = cf.iloc[-1]
        alt += (
            f" By {uk_month(last_cf['month'])} the fitted line is at {fmt_number(last_cf['fitted'], 2)} against "
            f"{fmt_number(last_cf['counterfactual'], 2)} if the earlier trend had carried on"
        )
        alt += (
            f" (drawn for {len(cf)} {unit} only: no further than the {len(pre)} it was fitted to)."
            if len(cf) < len(post)
            else "."
        )
    if len(pre) < FEW_BEFORE:
        alt += (
            f" With only {len(pre)} {unit} before the start, the earlier trend is uncertain: read the dashed "
            "line as a rough guide."
        )
    label = plotly_literal(y_label)  # an outcome may be a recovery measure's name, as typed
    apply_style(fig, f"{plotly_literal(ward)}: {label}, before and after talking groups", alt)
    month_axis(fig, data["month"].min(), data["month"].max())
    fig.update_yaxes(title=label)
    return fig, alt


# --- attendance ----------------------------------------------------------------------------------------


def attendance_figure(monthly: pd.DataFrame) -> tuple[go.Figure, str]:
    """Two panels over time: sessions held per month (bars) and attendance per session (line)."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=("Sessions held (all wards in view)", "Average attendance per session"),
    )
    fig.add_trace(
        go.Bar(
            x=monthly["month"],
            y=monthly["sessions_held"],
            name="Sessions held",
            marker={"color": NHS["blue"]},
            customdata=monthly["wards_running"],
            hovertemplate="%{x|%b %Y}: %{y} sessions on %{customdata} wards<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=monthly["month"],
            y=monthly["attendance_per_session"],
            name="Attendance per session",
            mode="lines+markers",
            line={"color": CATEGORICAL[1], "width": 2.5},
            marker={"symbol": "circle", "size": 6},
            hovertemplate="%{x|%b %Y}: %{y:.1f} per session<extra></extra>",
        ),
        row=2,
        col=1,
    )
    held = monthly[monthly["sessions_held"].fillna(0) > 0]
    if len(held):
        last = held.iloc[-1]
        alt = (
            f"Talking group sessions over time: the first sessions were in {uk_month(held['month'].iloc[0])}; in "
            f"{uk_month(last['month'])} {plural(last['sessions_held'], 'session')} were held on "
            f"{plural(int(last['wards_running']), 'ward')} with on average "
            f"{fmt_number(last['attendance_per_session'])} people attending each."
        )
    else:
        alt = "No talking group sessions were recorded in the months shown."
    apply_style(fig, "Talking group sessions and attendance", alt)
    month_axis(fig, monthly["month"].min(), monthly["month"].max())
    fig.update_yaxes(title="Sessions", row=1, col=1)
    fig.update_yaxes(title="People per session", rangemode="tozero", row=2, col=1)
    fig.update_layout(height=560, showlegend=False)
    return fig, alt
