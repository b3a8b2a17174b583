"""How the meetings run: staff attendance by role over time, the SPC chart of staff per meeting, items raised per
meeting by kind, what became of them by the next meeting, and the dose-response estimates with their intervals.

The tables, the SPC classification and the sentences are made in analysis/questions/talking_groups/sessions.py;
nothing is fitted here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.charts.spc import spc_figure
from analysis.charts.style import CATEGORICAL, NHS, apply_style, month_axis
from analysis.text import fmt_number, plotly_literal, plural, plural_word, uk_month

PREDICTOR_SHORT = {"tg_patient_attendances": "Attendances", "tg_share_resolved": "Items resolved"}


def staff_roles_figure(by_role: pd.DataFrame) -> tuple[go.Figure, str]:
    """Staff per meeting by role over time (one line per role), across the wards in view."""
    fig = go.Figure()
    roles = list(dict.fromkeys(by_role["role"]))
    for i, role in enumerate(roles):
        d = by_role[by_role["role"] == role]
        fig.add_trace(
            go.Scatter(
                x=d["month"],
                y=d["per_meeting"],
                name=role,
                mode="lines",
                line={  # past the palette, the colours come round again dotted
                    "color": CATEGORICAL[i % len(CATEGORICAL)],
                    "width": 2,
                    "dash": "solid" if i < len(CATEGORICAL) else "dot",
                },
                hovertemplate=f"{role}: " + "%{y:.1f} per meeting in %{x|%b %Y}<extra></extra>",
            )
        )
    if len(by_role) and by_role["per_meeting"].notna().any():
        last = by_role[by_role["month"] == by_role.loc[by_role["per_meeting"].notna(), "month"].max()]
        top = last.sort_values("per_meeting", ascending=False).iloc[0]
        alt = (
            f"Staff attending talking groups by role, per meeting, from {uk_month(by_role['month'].min())} to "
            f"{uk_month(by_role['month'].max())}. In {uk_month(top['month'])} {top['role'].lower()} came most often, "
            f"{fmt_number(top['per_meeting'])} a meeting."
        )
    else:
        alt = "No staff attendance is recorded in the months shown."
    apply_style(fig, "Staff at each meeting, by role", alt)
    if len(by_role):
        month_axis(fig, by_role["month"].min(), by_role["month"].max())
    fig.update_yaxes(title="Staff per meeting", rangemode="tozero")
    fig.update_layout(height=420)
    return fig, alt


def staff_spc_figure(chart: pd.DataFrame, where: str) -> tuple[go.Figure, str]:
    """The SPC u-chart of staff per meeting (classified), titled for the ward or 'all wards in view'."""
    return spc_figure(chart, f"Staff per meeting: {where}", "Staff per meeting")


def items_figure(by_kind: pd.DataFrame, names: dict[str, str] | None = None) -> tuple[go.Figure, str]:
    """Items raised per meeting by kind, one stacked bar per ward and one for all wards."""
    names = names or {}
    fig = go.Figure()
    kinds = list(dict.fromkeys(by_kind["kind"]))
    wards = list(dict.fromkeys(by_kind["ward_id"]))
    labels = [plotly_literal(names.get(w, w)) for w in wards]
    for i, kind in enumerate(kinds):
        d = by_kind[by_kind["kind"] == kind].set_index("ward_id").reindex(wards)
        fig.add_trace(
            go.Bar(
                x=labels,
                y=d["per_meeting"],
                name=kind,
                marker={"color": CATEGORICAL[i % len(CATEGORICAL)]},
                hovertemplate=f"{kind}: " + "%{y:.1f} per meeting on %{x}<extra></extra>",
            )
        )
    every = by_kind[by_kind["ward_id"] == "All wards"]
    if len(every):
        top = every.sort_values("per_meeting", ascending=False).iloc[0]
        alt = (
            f"Items raised per meeting by kind on {plural(len(wards) - 1, 'ward')} and across them. Across wards "
            f"the commonest kind was {top['kind'].lower()}, {fmt_number(top['per_meeting'])} a meeting."
        )
    else:
        alt = "No items are recorded in the meetings shown."
    apply_style(fig, "Items raised per meeting, by kind", alt)
    fig.update_layout(barmode="stack", height=420)
    fig.update_yaxes(title="Items per meeting", rangemode="tozero")
    return fig, alt


def resolution_figure(summary: pd.DataFrame) -> tuple[go.Figure, str]:
    """Per ward: the percentage of items resolved by the next meeting and carried over (stacked), with the rest."""
    label = [plotly_literal(w) for w in summary.get("ward", summary["ward_id"])]
    resolved = summary["resolved_by_next_pct"]
    carried = summary["carried_over_pct"]
    # a ward without items, or whose share is hidden by the small-number rule, has no bar (never a 100% "neither")
    rest = (100 - resolved - carried).clip(lower=0)
    fig = go.Figure()
    for y, name, colour in (
        (resolved, "Resolved by the next meeting", CATEGORICAL[1]),
        (carried, "Carried over", CATEGORICAL[3]),
        (rest, "Neither (dropped or withdrawn)", NHS["mid_grey"]),
    ):
        fig.add_trace(
            go.Bar(
                y=label,
                x=y,
                name=name,
                orientation="h",
                marker={"color": colour},
                hovertemplate=f"{name}: " + "%{x:.0f}% on %{y}<extra></extra>",
            )
        )
    fig.add_vline(x=50, line={"color": NHS["dark_grey"], "dash": "dot", "width": 1})
    most = int((resolved > 50).sum())
    alt = (
        f"What became of the items raised, per ward: on {fmt_number(most)} of {plural(len(summary), 'ward')} more "
        f"than half were resolved by the next meeting."
    )
    apply_style(fig, "What became of the items raised (percentage of items)", alt)
    fig.update_layout(barmode="stack", height=max(300, 60 + 34 * len(summary)))
    fig.update_xaxes(range=[0, 100], ticksuffix="%")
    fig.update_yaxes(autorange="reversed")
    return fig, alt


RR_RANGE = (0.25, 4.0)  # the assaults panel's rate-ratio axis; an interval beyond it is cut at the edge
POINTS_RANGE = (-20.0, 20.0)  # the co-production panel's axis in points


def dose_figure(table: pd.DataFrame, lag: int = 1) -> tuple[go.Figure, str]:
    """Each dose-response estimate with its 95% interval: co-production in points (left), assaults as a rate ratio
    on a log axis (right); within-ward estimates dark, between-ward light. Intervals past the axis are cut there."""
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.2,
        subplot_titles=("Patient-rated co-production (points)", "Assaults on staff (rate ratio)"),
    )
    cut = 0
    for col, outcome, (low, high), null in (
        (1, "coproduction_patient_overall", POINTS_RANGE, 0.0),
        (2, "assaults_on_staff", RR_RANGE, 1.0),
    ):
        d = table[table["outcome"] == outcome].reset_index(drop=True)
        label = [f"{PREDICTOR_SHORT.get(p, p)} ({c})" for p, c in zip(d["predictor"], d["comparison"])]
        e = d["estimate"].clip(low, high)
        lo, hi = d["ci_low"].clip(low, high), d["ci_high"].clip(low, high)
        cut += int(((d["ci_low"] < low) | (d["ci_high"] > high)).sum())
        fig.add_trace(
            go.Scatter(
                x=e,
                y=label,
                mode="markers",
                marker={
                    "color": [CATEGORICAL[0] if c == "within" else CATEGORICAL[1] for c in d["comparison"]],
                    "size": 9,
                },
                error_x={"type": "data", "symmetric": False, "array": hi - e, "arrayminus": e - lo},
                customdata=d[["estimate", "ci_low", "ci_high"]].to_numpy(),
                hovertemplate="%{y}: %{customdata[0]:.2f} (95% CI %{customdata[1]:.2f} to %{customdata[2]:.2f})"
                "<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
        fig.add_vline(x=null, line={"color": NHS["dark_grey"], "width": 1}, row=1, col=col)
    fig.update_xaxes(range=list(POINTS_RANGE), row=1, col=1)
    ticks = [0.25, 0.5, 1, 2, 4]
    fig.update_xaxes(
        type="log",
        range=[np.log10(RR_RANGE[0]), np.log10(RR_RANGE[1])],
        tickvals=ticks,
        ticktext=[fmt_number(t, 2) for t in ticks],
        row=1,
        col=2,
    )
    fig.update_yaxes(autorange="reversed")
    alt = (
        f"{plural(len(table), 'estimate')} of how a month's meetings went with patient-rated co-production (points) "
        f"and assaults on staff (as a ratio: 1 is no change) {'in the same month' if not lag else plural(lag, 'month') + ' later'}, "
        "each with its 95% interval; an interval crossing the line "
        "of no change (0 points, a ratio of 1) shows no clear change."
    )
    if cut:
        alt += (
            f" {plural(cut, 'interval')} {plural_word(cut, 'runs', 'run')} past the chart's edge and "
            f"{plural_word(cut, 'is', 'are')} cut there."
        )
    apply_style(fig, "Dose and response: estimates with 95% intervals", alt)
    fig.update_layout(height=360)
    return fig, alt
