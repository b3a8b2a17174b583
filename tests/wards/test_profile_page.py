"""What the Ward profile page works out besides the profile (analysis/wards/profile_page.py), with hand-worked
values: the wards to choose from, the facts line, the year-on-year words, the charts' tabs, the tables' words."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pandas.testing as pdt

from analysis.panel.build import build_panel
from analysis.wards.profile import Measure, WardProfile, summary_table, ward_profile
from analysis.wards.profile_page import (
    chart_groups,
    events_shown,
    facts_line,
    no_survey_words,
    not_recorded_words,
    profile_summary,
    survey_caption,
    tab_labels,
    ward_choices,
    year_on_year_words,
)
from tests.wards.test_profile import _tables


def test_ward_choices_are_the_wards_with_monthly_figures_in_order_named_in_the_box():
    wards = pd.DataFrame({"ward_id": ["W03", "W02", "W01"], "ward_name": ["Skye", np.nan, "Iona"]})
    months = pd.DataFrame({"ward_id": ["W02", "W01", "W01", "W09"]})  # W03 has none; W09 is not a ward
    options, names = ward_choices(wards, months)
    assert options == ["W01", "W02"]
    assert names == {"W03": "W03 Skye", "W02": "W02", "W01": "W01 Iona"}
    assert ward_choices(wards, months.iloc[0:0])[0] == []


def test_facts_line_reads_service_security_beds_and_months_or_says_what_is_not_given():
    ward = {
        "service": "admission",
        "security_level": "high",
        "beds": 13,
        "first_month": pd.Timestamp("2021-04-01"),
        "last_month": pd.Timestamp("2026-03-01"),
    }
    # 2026-2021 = 5 years = 60 months, minus Apr (4) plus Mar (3) plus one: 60
    assert facts_line(ward) == "Admission service · High secure · 13 beds · 60 months (Apr 2021 to Mar 2026)"
    one = {"service": None, "security_level": "", "beds": None}
    one |= {"first_month": pd.Timestamp("2025-10-01"), "last_month": pd.Timestamp("2025-10-01")}
    assert facts_line(one) == "service not given · security not given · beds not given · 1 month (Oct 2025 to Oct 2025)"
    odd = ward | {"service": "*forensic*", "beds": 1.0}  # the data's words reach markdown literally
    assert facts_line(odd).startswith("\\*forensic\\* service · High secure · 1 bed · ")


def _changes(wards, **columns):
    t = pd.DataFrame({"ward_id": wards, **columns}).set_index("ward_id")
    t.attrs = {
        "compared": "Apr 2025 to Mar 2026 against Apr 2024 to Mar 2025",
        "later": "Apr 2025 to Mar 2026",
        "earlier": "Apr 2024 to Mar 2025",
        "same_months": False,
    }
    return t


def test_year_on_year_words_list_the_three_lines_and_say_how_the_intervals_were_worked_out():
    patients = _changes(
        ["W01", "W02"],
        assaults_words=["Rate 41% lower.", "x"],
        score_words=["Down 3 points.", "y"],
        assaults_rate_ratio=[0.59, 1.0],
        assaults_df=[22.0, 22.0],
        assaults_dispersion=[2.254, 1.0],
        score_difference=[-3.0, 0.0],
        score_df=[4.43, 4.0],
    )
    staff = _changes(["W01"], score_words=["Up 2 points."])
    block, caption = year_on_year_words(patients, staff, "W01")
    assert block == (
        "**Year on year: Apr 2025 to Mar 2026 against Apr 2024 to Mar 2025**\n\n"
        "- **Assaults on staff:** Rate 41% lower.\n"
        "- **Patient-rated co-production:** Down 3 points.\n"
        "- **Staff-rated co-production:** Up 2 points."
    )
    assert caption == (
        "Apr 2025 to Mar 2026 against the year before (Apr 2024 to Mar 2025), with 95% confidence intervals. "
        "'Not a clear change' means the interval includes no change. One ward on its own: anything that changed "
        "on the ward could be the reason. Rate ratio: quasi-Poisson error (dispersion 2.25), t on 22 degrees of "
        "freedom. Score difference: Welch t on 4.4 degrees of freedom."
    )
    block, _ = year_on_year_words(patients, staff, "W02")  # no staff-rated line for a ward without one
    assert block.count("\n- ") == 2 and "Staff-rated" not in block
    assert year_on_year_words(patients, staff, "W07") is None


def test_events_shown_write_each_date_as_day_month_year_and_leave_the_profiles_events_alone():
    events = pd.DataFrame(
        {
            "date": pd.to_datetime(["2022-10-16", "2024-03-02"]),
            "kind": ["talking_groups_started", "note"],
            "label": ["Talking groups started", "Incident reporting system upgraded"],
        }
    )
    shown = events_shown(events)
    assert shown["date"].tolist() == ["16 Oct 2022", "2 Mar 2024"]
    assert shown.columns.tolist() == ["date", "kind", "label"] and shown["label"].equals(events["label"])
    assert str(events["date"].dtype).startswith("datetime64")


def test_the_pages_short_words():
    assert not_recorded_words(["Co-production as patients see it", "QPR-15"]) == (
        "Not recorded on this ward: Co-production as patients see it, QPR-15."
    )
    assert not_recorded_words(["*x*"]) == "Not recorded on this ward: \\*x\\*."
    assert no_survey_words("Iona (W01)") == (
        "co-production survey returns (or a co-production scores table) for this ward.",
        "There are no co-production survey scores for Iona (W01) in the months shown.",
    )
    aspects = pd.DataFrame({"patients_latest_month": ["Jan 2026", "Jan 2026"], "staff_latest_month": [None, None]})
    caption = survey_caption(aspects)
    assert caption.startswith(
        "Scores are out of 100 on the working instrument (not a validated scale). Latest survey: patients "
        "Jan 2026, staff none. The change compares"
    )


def _series(key: str, group: str, title: str | None = None):
    m = Measure(key, title or key, key, "xmr", "increase", "", group)
    return SimpleNamespace(measure=m)


def test_chart_groups_put_the_four_key_charts_first_then_the_rest_by_group():
    s = [
        _series("assaults_on_staff", "Incidents"),
        _series("self_harm", "Incidents"),
        _series("restraints", "Incidents"),
        _series("coproduction_patient_overall", "Co-production"),
        _series("coproduction_staff_overall", "Co-production"),
        _series("dundrum_3", "Recovery", "DUNDRUM-3"),
        _series("qpr_15", "Recovery", "QPR-15"),  # the main recovery measure, though listed second
        _series("attendance_per_session", "Talking groups"),
    ]
    profile = WardProfile({"ward_id": "W01"}, s, [], pd.DataFrame(), True, "")
    key, groups = chart_groups(profile)
    assert [x.measure.key for x in key] == ["assaults_on_staff", "restraints", "coproduction_patient_overall", "qpr_15"]
    assert [(g, [x.measure.key for x in members]) for g, members in groups] == [
        ("Incidents", ["self_harm"]),
        ("Co-production", ["coproduction_staff_overall"]),
        ("Recovery", ["dundrum_3"]),
        ("Talking groups", ["attendance_per_session"]),
    ]
    assert tab_labels(groups) == [
        "Key charts",
        "Incidents (1)",
        "Co-production (1)",
        "Recovery (1)",
        "Talking groups (1)",
        "Survey by aspect",
    ]
    # a group whose every measure is a key chart, or that the ward lacks, gets no tab
    fewer = WardProfile({"ward_id": "W01"}, [s[0], s[2], s[3], s[6], s[5]], [], pd.DataFrame(), True, "")
    key, groups = chart_groups(fewer)
    assert len(key) == 4 and tab_labels(groups) == ["Key charts", "Recovery (1)", "Survey by aspect"]


def test_profile_summary_is_the_summary_table_of_the_profile_with_those_arguments():
    tables = _tables()
    panel = build_panel(tables)
    got = profile_summary(panel, "W01", tables["events"], False, tables["measures"], run_length=8)
    want = summary_table(ward_profile(panel, "W01", tables["events"], rebase=False, catalogue=tables["measures"]))
    assert got["measure"].tolist() == want["measure"].tolist()
    assert got["measure"].tolist() == [
        "Assaults on staff",
        "Co-production as patients see it",
        "Co-production as staff see it",
        "Talking group attendance",
    ]
    # 48 months of assaults; a survey every third month (16); sessions from month 24 on (24 months)
    assert got["months_or_surveys"].tolist() == [48, 16, 16, 24]
    # patients' overall score: 40 or 45 by turns, plus the aspects' mean offset 1.5 (0, 1, 2, 3): 41.5 and 46.5,
    # the last survey (the 16th) 46.5 and the average 44; staff 12 higher; 24 attendances over 4 sessions = 6
    assert got["latest_value"].tolist()[1:] == [46.5, 58.5, 6.0]
    assert got["average"].tolist()[1:] == [44.0, 56.0, 6.0]
    pdt.assert_frame_equal(
        got, summary_table(ward_profile(panel, "W01", tables["events"], False, tables["measures"], run_length=8))
    )
