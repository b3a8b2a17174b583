"""The SPC chart's notes and labels: provisional limits said on the chart, event labels that do not pile up."""

from __future__ import annotations

import pandas as pd

from analysis.charts.spc import MAX_LANES, spc_figure
from analysis.spc.chart import xmr
from analysis.spc.rules import classify

MONTHS = pd.date_range("2021-04-01", periods=60, freq="MS")


def _chart(n: int, rebase_at=()):
    df = pd.DataFrame({"month": MONTHS[:n], "x": [9.0, 11.0, 10.0] * (n // 3) + [10.0] * (n % 3)})
    return classify(xmr(df, "x", rebase_at=list(rebase_at)), "increase")


def test_limits_from_fewer_than_12_months_are_called_provisional_on_the_chart_and_in_its_caption():
    fig, alt = spc_figure(_chart(9), "Score", "Score")
    assert fig.layout.title.subtitle.text.startswith("Provisional limits (fewer than 12 months)")
    assert "provisional limits, fewer than 12 months" in alt
    assert any(t.name == "Trial limits (provisional: fewer than 12 months)" for t in fig.data)


def test_survey_measures_count_surveys_not_months():
    fig, alt = spc_figure(_chart(6), "Score", "Score", unit="surveys")
    assert "fewer than 12 surveys" in fig.layout.title.subtitle.text and "fewer than 12 surveys" in alt


def test_settled_limits_carry_no_provisional_note():
    fig, alt = spc_figure(_chart(24), "Score", "Score")
    assert not fig.layout.title.subtitle.text
    assert "provisional" not in alt.lower()


def test_provisional_and_rare_notes_both_show_and_the_margin_makes_room():
    df = pd.DataFrame({"month": MONTHS[:8], "a": [0, 1, 0, 0, 1, 0, 0, 0], "obd": 300.0})
    from analysis.spc.chart import u_chart

    c = classify(u_chart(df, "a", "obd"), "decrease")
    fig, _ = spc_figure(c, "Assaults", "Rate")
    sub = fig.layout.title.subtitle.text
    assert sub.startswith("Provisional limits") and "Rare events" in sub and "<br>" in sub
    assert fig.layout.margin.t >= 70 + 2 * 22


def test_many_events_close_together_stack_at_most_two_rows_and_the_rest_show_on_hover():
    events = [(MONTHS[10 + i], f"Event number {i} on the ward") for i in range(6)]
    fig, _ = spc_figure(_chart(36), "Score", "Score", events=events)
    notes = list(fig.layout.annotations)
    assert len(notes) == 6  # every event keeps a label or a marker
    shifts = {a.yshift for a in notes if a.text != "▼"}
    assert len(shifts) == MAX_LANES == 2  # two staggered rows, not six piled up
    markers = [a for a in notes if a.text == "▼"]
    assert len(markers) == 4 and all(a.hovertext.startswith("Event number") for a in markers)
    assert fig.layout.margin.t == 70 + 20 * MAX_LANES
