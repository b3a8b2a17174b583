"""The g-chart figure: limits, classes, the gap still running and the alt text."""

from __future__ import annotations

import pandas as pd

from analysis.charts.gchart import g_chart_figure
from analysis.charts.style import alt_text
from analysis.spc.gchart import daily_bed_days, g_chart


def _dates(gaps, start="2023-01-01"):
    out = [pd.Timestamp(start)]
    for g in gaps:
        out.append(out[-1] + pd.Timedelta(days=g))
    return out


def test_figure_draws_average_limit_points_and_open_gap():
    chart = g_chart(_dates([5] * 11 + [200]), end="2024-01-01")
    fig, text = g_chart_figure(chart, "Days between assaults on Iona")
    names = [t.name for t in fig.data]
    assert "Average gap" in names and "Upper limit" in names
    assert "Special cause: improvement" in names and "Special cause: concern" in names
    assert "Since the latest assault (still running)" in names
    upper = next(t for t in fig.data if t.name == "Upper limit")
    assert set(upper.y) == {143.0}
    assert alt_text(fig) == text
    assert "12 gaps between assaults, averaging 21 days, upper limit 143 days; 12 gaps signal." in text


def test_provisional_limits_named_and_bed_days_axis():
    months = pd.DataFrame({"month": ["2024-01-01", "2024-02-01"], "occupied_bed_days": [310.0, 580.0]})
    chart = g_chart(["2024-01-03", "2024-01-21", "2024-02-10"], measure="bed_days", daily=daily_bed_days(months))
    fig, text = g_chart_figure(chart, "Bed days between assaults")
    assert any("provisional" in (t.name or "") for t in fig.data)
    assert fig.layout.yaxis.title.text == "Occupied bed days between assaults"
    assert "no gap signals" in text


def test_too_few_events():
    fig, text = g_chart_figure(g_chart(["2024-01-03"]), "Days between assaults")
    assert "too few dated assaults" in text
