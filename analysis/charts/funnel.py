"""The funnel plot: each ward's rate against its occupied bed days, inside its peer group's limits.

Draws what analysis/questions/assaults/funnel.py computed (the points with their positions, and the limits
on a grid of bed days from analysis/spc/funnel.py); nothing is estimated here.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.charts.style import NHS, apply_style
from analysis.spc.mdc import MDC_COLOURS
from analysis.text import fmt_number, listed, plotly_literal, plural, rate_label

MAX_LABELS = 40  # more wards than this: only those outside the limits carry their code beside the marker
LIMIT_STYLE = {  # limit -> (legend words, dash, width)
    "998": ("99.8% limits", "solid", 2.0),
    "95": ("95% limits", "dash", 1.6),
}
# position -> (legend words, symbol, side): side says whether it is the better or worse side when direction is known
POINT_STYLE = {
    "above 99.8%": ("Above the 99.8% limit", "square", "above"),
    "above 95%": ("Above the 95% limit", "square-open", "above"),
    "within": ("Within the limits", "circle", None),
    "below 95%": ("Below the 95% limit", "diamond-open", "below"),
    "below 99.8%": ("Below the 99.8% limit", "diamond", "below"),
}


def _colour(side: str | None, better: str) -> str:
    if side is None:
        return NHS["mid_grey"]
    good = (side == "below") == (better == "lower")
    return MDC_COLOURS["special_cause_improvement" if good else "special_cause_concern"]


def funnel_figure(
    points: pd.DataFrame,
    curve: pd.DataFrame,
    noun: str,
    method: str,
    compared_with: str = "all wards in view",
    better: str = "lower",
) -> tuple[go.Figure, str]:
    """Rate per 1,000 occupied bed days (y) against occupied bed days (x), one marker per ward.

    points: from analysis.questions.assaults.funnel.chart_points (ward_id, ward_label, occupied_bed_days,
    count, rate_per_1000_obd, position). curve: FunnelLimits.curve (exposure, lower_998, lower_95, upper_95,
    upper_998, target). method: the line that says how the limits were made (method_words), drawn under the
    title. better: "lower" when fewer is better (assaults), "higher" when more is (transfers to lower
    security): it decides which side is coloured as a concern. Returns the figure and its alt text.
    """
    fig = go.Figure()
    x = curve["exposure"]
    for level, (words, dash, width) in LIMIT_STYLE.items():
        for i, side in enumerate(("upper", "lower")):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=curve[f"{side}_{level}"],
                    mode="lines",
                    name=words,
                    legendgroup=f"limits_{level}",
                    showlegend=i == 0,
                    line={"color": MDC_COLOURS["limits"], "dash": dash, "width": width},
                    hovertemplate=f"%{{x:,.0f}} bed days: {side} {words[:-1]} %{{y:.2f}}<extra></extra>",
                )
            )
    target = float(curve["target"].iloc[0]) if len(curve) else float("nan")
    fig.add_trace(
        go.Scatter(
            x=x,
            y=curve["target"],
            mode="lines",
            name=f"Rate of {compared_with} ({fmt_number(target, 2)})",
            line={"color": MDC_COLOURS["centre"], "width": 1.5},
            hoverinfo="skip",
        )
    )
    label_all = len(points) <= MAX_LABELS
    for pos, (words, symbol, side) in POINT_STYLE.items():
        g = points[points["position"] == pos]
        if g.empty:
            continue
        colour = _colour(side, better)
        hover = [
            f"<b>{plotly_literal(r.ward_label)}</b><br>{fmt_number(r.count, 0)} {noun} in "
            f"{fmt_number(r.occupied_bed_days, 0)} occupied bed days<br>"
            f"{fmt_number(r.rate_per_1000_obd, 2)} {rate_label()}<br>{words}"
            for r in g.itertuples(index=False)
        ]
        labelled = label_all or pos != "within"
        fig.add_trace(
            go.Scatter(
                x=g["occupied_bed_days"],
                y=g["rate_per_1000_obd"],
                mode="markers+text" if labelled else "markers",
                name=words,
                text=[plotly_literal(w) for w in g["ward_id"]] if labelled else None,
                textposition="top center",
                textfont={"size": 12, "color": NHS["black"]},
                marker={
                    "color": colour,
                    "symbol": symbol,
                    "size": 12,
                    "line": {"color": colour if symbol.endswith("open") else NHS["black"], "width": 2},
                },
                customdata=hover,
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    text = funnel_alt_text(points, target, noun, method, compared_with)
    title = f"{noun.capitalize()} {rate_label()}, ward by ward, against bed days"
    apply_style(fig, title, text)
    fig.update_layout(
        title={"text": f"{title}<br><span style='font-size:13px;color:{NHS['dark_grey']}'>{method}</span>"},
        height=520,
        margin={"t": 90},
        legend={"y": -0.18, "traceorder": "normal"},
    )
    fig.update_xaxes(title_text="Occupied bed days in the period (the ward's size)")
    fig.update_yaxes(title_text=f"{noun.capitalize()} {rate_label()}", rangemode="tozero")
    if len(points) and len(curve):
        # room for every ward and for the 99.8% limits across the wards' own sizes (the funnel's mouth, left of
        # the smallest ward, may run off the top)
        span = curve[curve["exposure"] >= float(points["occupied_bed_days"].min())]
        top = max(float(points["rate_per_1000_obd"].max()), float(span["upper_998"].max()) if len(span) else 0.0)
        fig.update_yaxes(range=[0, top * 1.1])
        fig.update_xaxes(range=[float(curve["exposure"].min()), float(curve["exposure"].max())])
    return fig, text


def funnel_alt_text(
    points: pd.DataFrame, target: float, noun: str, method: str, compared_with: str = "all wards in view"
) -> str:
    """What the funnel shows, in a sentence or two generated from its data."""
    if points.empty:
        return f"Funnel plot of {noun} {rate_label()}: no wards to compare."
    parts = [
        f"Funnel plot of {noun} {rate_label()} against occupied bed days for {plural(len(points), 'ward')}, "
        f"compared with the rate of {compared_with} ({fmt_number(target, 2)})"
    ]
    for pos, (words, _, _) in POINT_STYLE.items():
        if pos == "within":
            continue
        names = points.loc[points["position"] == pos, "ward_label"].tolist()
        if names:
            parts.append(f"{words.lower()}: {listed(names, most=8)}")
    if len(parts) == 1:
        parts.append("every ward is within the limits")
    return "; ".join(parts) + f". {method}"
