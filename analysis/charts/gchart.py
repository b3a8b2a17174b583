"""The g-chart (time between assaults, Benneyan's limits), drawn in the house style beside a ward's u-chart."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.charts.spc import mdc_points, mdc_value_line
from analysis.charts.style import NHS, apply_style
from analysis.spc.gchart import MEASURES, MIN_GAPS
from analysis.spc.mdc import MDC_COLOURS, MDC_LABELS, MDC_SYMBOLS
from analysis.text import fmt_number, plotly_literal, plural, plural_word, uk_date

PAD = pd.Timedelta(days=10)


def _unit(measure: str) -> str:
    return MEASURES.get(measure, measure)


def g_alt_text(chart: pd.DataFrame, title: str) -> str:
    """One or two sentences describing the g-chart for a screen reader."""
    shown = chart[~chart["missing"]] if len(chart) else chart
    if shown.empty:
        return f"{title}: too few dated assaults to chart the time between them."
    unit = _unit(chart.attrs.get("measure", "days"))
    first = shown.iloc[0]
    n_special = int(shown["special_cause"].sum())
    text = (
        f"{title}, {uk_date(shown['previous'].min())} to {uk_date(shown['date'].max())}: "
        f"{plural(len(shown), 'gap')} between assaults, averaging {fmt_number(first['centre'], 0)} {unit}, "
        f"upper limit {fmt_number(first['upper'], 0)} {unit}; "
    )
    text += (
        "no gap signals."
        if n_special == 0
        else f"{plural(n_special, 'gap')} {plural_word(n_special, 'signals', 'signal')}."
    )
    return text


def g_chart_figure(chart: pd.DataFrame, title: str) -> tuple[go.Figure, str]:
    """The g-chart: each gap as a point at the date of the later assault, the average gap, the upper
    probability limit (and the lower when above zero), points shaped and coloured by their Making Data Count
    class, and the gap still running at the end as a hollow marker. Returns the figure and its alt text."""
    d = chart.reset_index(drop=True)
    unit = _unit(d.attrs.get("measure", "days"))
    fig = go.Figure()
    shown = d[~d["missing"]]
    fig.add_trace(mdc_value_line(d["date"], d["value"]))
    if len(shown):
        x0, x1 = shown["previous"].min() - PAD, shown["date"].max() + PAD
        trial = bool(shown["trial_limits"].any())
        limit_name = "Upper limit" + (f" (provisional: fewer than {MIN_GAPS} gaps)" if trial else "")
        lines = [
            ("centre", "Average gap", MDC_COLOURS["centre"], "solid", 2),
            ("upper", limit_name, MDC_COLOURS["limits"], "dot" if trial else "dash", 1.5),
        ]
        if float(shown["lower"].iloc[0]) > 0:
            lines.append(("lower", "Lower limit", MDC_COLOURS["limits"], "dot" if trial else "dash", 1.5))
        for col, name, colour, dash, width in lines:
            y = float(shown[col].iloc[0])
            fig.add_trace(
                go.Scatter(
                    x=[x0, x1],
                    y=[y, y],
                    mode="lines",
                    name=name,
                    hoverinfo="skip",
                    line={"color": colour, "width": width, "dash": dash},
                )
            )
    for variation, symbol in MDC_SYMBOLS.items():
        m = (d["variation"] == variation) & ~d["missing"]
        if not m.any():
            continue
        hover = [
            f"<b>{uk_date(r.date)}</b><br>{fmt_number(r.value, 0)} {unit} since {uk_date(r.previous)}"
            f"<br>{MDC_LABELS[r.variation]}" + (f": {r.rule}" if r.rule else "")
            for r in d[m].itertuples(index=False)
        ]
        fig.add_trace(mdc_points(d.loc[m, "date"], d.loc[m, "value"], variation, symbol, hover))
    open_gap = d.attrs.get("open_gap")
    if open_gap is not None and len(shown):
        last = shown["date"].max()
        end = last + (pd.Timedelta(days=open_gap) if d.attrs.get("measure") == "days" else PAD)
        fig.add_trace(
            go.Scatter(
                x=[end],
                y=[open_gap],
                mode="markers",
                name="Since the latest assault (still running)",
                marker={"symbol": "circle-open", "size": 11, "color": NHS["dark_grey"], "line": {"width": 2}},
                text=[f"{fmt_number(open_gap, 0)} {unit} since {uk_date(last)}, still running"],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.update_yaxes(title_text=plotly_literal(f"{unit.capitalize()} between assaults"), rangemode="tozero")
    fig.update_xaxes(tickformat="%b %Y", hoverformat="%d %b %Y")
    text = g_alt_text(d, title)
    apply_style(fig, plotly_literal(title), text)
    if len(shown) and bool(shown["trial_limits"].any()):
        fig.update_layout(
            title_subtitle_text=f"Provisional limits (fewer than {MIN_GAPS} gaps): they may move as more are added",
            title_subtitle_font={"size": 12, "color": NHS["dark_grey"]},
            margin_t=92,
        )
    return fig, text
