"""Charts for the ward profile: each measure's SPC chart, and the survey aspects (patients against staff).

The ward profile is shown on a screen in a ward meeting, so its charts use the house style with
larger text than elsewhere.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.charts.spc import spc_figure
from analysis.charts.style import CATEGORICAL, apply_style
from analysis.text import fmt_number, plotly_literal, plural, plural_word, uk_month

SCREEN_FONT = 16
SCREEN_TITLE = 20
HEIGHT = 440


def _bigger(fig: go.Figure) -> go.Figure:
    # the plot keeps its height when the top margin grows for event labels or a rare-events note
    extra = max(0, (fig.layout.margin.t or 70) - 70)
    fig.update_layout(
        font_size=SCREEN_FONT,
        title_font_size=SCREEN_TITLE,
        height=HEIGHT + extra,
        hoverlabel={"font_size": SCREEN_FONT},
    )
    fig.update_yaxes(title_font_size=14)  # a long rate label must not run into the title
    fig.update_annotations(font_size=13)
    return fig


def measure_figure(
    series, ward_name: str, events: pd.DataFrame | None = None, target: float | None = None
) -> tuple[go.Figure, str]:
    """A measure's SPC chart for the ward (events marked, rebases shown, optional target) and its alt text."""
    m = series.measure
    unit = ("surveys" if m.survey_mask else "measurements") if m.occasions else "months"
    fig, alt = spc_figure(
        series.classified, f"{m.title}, {ward_name}", m.y_label, events=events, target=target, unit=unit
    )
    alt += " " + _icon_alt(series)
    if target is not None:
        alt += f" The target is {fmt_number(target, 2)}."
    periods = pd.to_datetime(series.classified["period"])
    if len(periods):  # the axis ends with the data (event labels can stretch plotly's own range)
        fig.update_xaxes(range=[periods.min() - pd.Timedelta(days=25), periods.max() + pd.Timedelta(days=25)])
    return _bigger(fig), alt


def _icon_alt(series) -> str:
    """The measure chart's alt text on the icon beside it: it reads the latest month only, so it cannot seem
    to contradict unusual months earlier on the chart (the Making Data Count convention, kept)."""
    c = series.classified
    shown = c[c["value"].notna()]
    if shown.empty or series.icon["key"] == "no_data":
        return "The icon beside the chart says there are too few months to judge."
    last = shown.iloc[-1]
    earlier = int(shown["special_cause"].iloc[:-1].sum())
    before = int(shown.loc[shown["segment"] < last["segment"], "special_cause"].sum()) if "segment" in shown else 0
    where = (
        f" ({earlier - before} since the limits were recalculated, {before} before)"
        if before and earlier > before
        else " (before the limits were recalculated)"
        if before
        else ""
    )
    marked = (
        f" In all, {plural(earlier, 'earlier month')} {plural_word(earlier, 'is', 'are')} marked as unusual on the "
        f"chart{where}."
        if earlier
        else ""
    )
    return (
        f"The icon beside the chart reads the latest month only ({uk_month(last['period'])}: "
        f"{series.icon['label'][0].lower()}{series.icon['label'][1:]}).{marked}"
    )


def aspects_figure(aspects: pd.DataFrame, ward_name: str) -> tuple[go.Figure, str]:
    """Latest survey score per aspect, patients against staff, as paired horizontal bars; and alt text."""
    d = aspects.iloc[::-1]  # overall at the top
    fig = go.Figure()
    for group, colour in (("patients", CATEGORICAL[0]), ("staff", CATEGORICAL[1])):
        col = f"{group}_latest"
        fig.add_trace(
            go.Bar(
                y=d["aspect"],
                x=d[col],
                orientation="h",
                name=group.capitalize(),
                marker_color=colour,
                text=[fmt_number(v) if pd.notna(v) else "" for v in d[col]],
                textposition="outside",
                hovertemplate="%{y}: %{x:.1f}<extra>" + group.capitalize() + "</extra>",
            )
        )
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_xaxes(range=[0, 105], title_text="Score (0 to 100, higher is more co-production)")
    alt = _aspects_alt(aspects, ward_name)
    apply_style(fig, f"Co-production by aspect, latest survey, {plotly_literal(ward_name)}", alt)
    fig.update_layout(legend={"orientation": "h", "y": -0.25}, margin={"l": 260})
    return _bigger(fig), alt


def _aspects_alt(aspects: pd.DataFrame, ward_name: str) -> str:
    parts = []
    for r in aspects.itertuples(index=False):
        p, s = fmt_number(r.patients_latest), fmt_number(r.staff_latest)
        parts.append(f"{r.aspect.lower()} {p} (patients) and {s} (staff)")
    return f"Bar chart of {ward_name}'s latest co-production survey scores out of 100: " + "; ".join(parts) + "."
