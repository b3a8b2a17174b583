"""Talking groups figures (analysis/charts/talking_groups.py): timeline, before and after, attendance, and alt text."""

from __future__ import annotations

import pandas as pd

from analysis.charts import talking_groups as tg
from analysis.charts.style import alt_text
from analysis.questions.talking_groups import view as tv
from tests.questions.test_talking_groups_view import T0, simulate

# --- timeline ------------------------------------------------------------------------------------------


def test_timeline_figure_marks_each_start_and_says_so_in_alt_text():
    d = simulate()
    fig, alt = tg.timeline_figure(tv.timeline_table(d), d["month"].min(), d["month"].max())
    starts = next(tr for tr in fig.data if tr.name == "Start month")
    assert len(starts.x) == 6 and pd.Timestamp(starts.x[0]) == T0 + pd.DateOffset(months=10)
    assert list(fig.layout.yaxis.categoryarray)[-1] == "W00 Ward W00"  # first start at the top
    assert "6 started" in alt and "Feb 2022" in alt and "2 had not started" in alt and "W07 Ward W07" in alt
    assert alt_text(fig) == alt


# --- before and after ----------------------------------------------------------------------------------


def test_before_after_figure_has_observed_fitted_counterfactual_and_start_line():
    d = simulate()
    res, data = tv.one_ward(d, "W02", "coproduction_patient_overall", "linear")
    assert res.ok and len(data) == 40
    fig, alt = tg.before_after_figure(data, "W02 Ward W02", "Co-production", res.diagnostics.start)
    names = [tr.name for tr in fig.data]
    assert names == ["Observed month", "Fitted line (before and after)", "If the earlier trend had carried on"]
    cf = fig.data[2]
    # carried on for no more months than it was fitted to: 18 before, so 18 of the 22 after
    assert len(cf.x) == 18 and pd.Timestamp(cf.x[0]) == T0 + pd.DateOffset(months=18)
    assert cf.line.dash == "dash"
    line = fig.layout.shapes[0]
    start = T0 + pd.DateOffset(months=18)
    assert start - pd.Timedelta(days=31) < pd.Timestamp(line.x0) < start
    assert "18 months before and 22 months after" in alt and "Oct 2022" in alt
    assert "drawn for 18 months only" in alt and "uncertain" not in alt
    last = data[data["counterfactual"].notna()].iloc[-1]
    assert f"By {last['month']:%b %Y} the fitted line is at" in alt


def test_before_after_with_few_months_before_says_the_trend_is_uncertain():
    d = simulate()
    res, data = tv.one_ward(d, "W02", "coproduction_patient_overall", "linear")
    short = data.iloc[12:].reset_index(drop=True)  # 6 months before the start
    short = short.assign(counterfactual=short["counterfactual"].where(short["post"]).iloc[:12])
    _, alt = tg.before_after_figure(short, "W02", "Co-production", res.diagnostics.start)
    assert "With only 6 months before the start, the earlier trend is uncertain" in alt


# --- attendance ----------------------------------------------------------------------------------------


def test_attendance_figure_says_when_sessions_began_and_on_how_many_wards():
    _fig, alt = tg.attendance_figure(tv.attendance_by_month(simulate()))
    assert "first sessions were in Feb 2022" in alt and "on 6 wards" in alt


def test_attendance_figure_without_sessions_says_so():
    d = simulate().assign(talking_groups_held=0.0, talking_group_attendances=0.0)
    _, alt = tg.attendance_figure(tv.attendance_by_month(d))
    assert "No talking group sessions" in alt


def test_before_after_on_survey_months_counts_surveys_not_months():
    d = simulate()
    res, data = tv.one_ward(d, "W02", "coproduction_patient_overall", "linear")
    quarterly = data.iloc[::3].reset_index(drop=True)  # a survey every third month, as the panel's fresh returns
    pre, post = int((~quarterly["post"]).sum()), int(quarterly["post"].sum())
    fig, alt = tg.before_after_figure(quarterly, "W02", "Co-production", res.diagnostics.start)
    assert f"{pre} survey months before and {post} survey months after" in alt
    assert fig.data[0].name == "Observed survey month"
