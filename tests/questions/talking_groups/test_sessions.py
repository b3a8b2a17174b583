"""How the meetings run (analysis/questions/talking_groups/sessions.py): golden figures on a hand-built two-ward log,
and the truths the synthetic hospital's session log was built with, recovered from the shipped sample."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.data.contract import TABLES
from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.panel.build import build_panel
from analysis.questions.talking_groups import sessions as S
from analysis.sample.sessions import conform_sessions
from analysis.stats.counts.fit import fit_counts


def _log() -> pd.DataFrame:
    """Two wards, 24 months from January 2024, two meetings a month (the 1st and the 8th).

    W01: 5 staff at every meeting (3 nurses, 2 healthcare support workers), 8 patients, chaired by a patient,
    4 requests raised, 3 resolved by the next meeting, 1 carried over.
    W02: 6 staff a meeting for 16 months, then 2 (a fall), 6 patients, chaired by staff, 2 information items and
    2 complaints raised, 1 resolved, 2 carried over.
    """
    rows = []
    for w in ("W01", "W02"):
        for i, month in enumerate(pd.period_range("2024-01", periods=24, freq="M")):
            for day in (1, 8):
                row = dict.fromkeys(TABLES["talking_group_sessions"].columns, 0)
                row.update(ward_id=w, date=month.to_timestamp() + pd.Timedelta(days=day - 1), duration_minutes=45)
                if w == "W01":
                    row.update(patients_attending=8, staff_nurse=3, staff_healthcare_support_worker=2)
                    row.update(chaired_by="patient", items_request=4, items_resolved_by_next=3, items_carried_over=1)
                else:
                    staff = 6 if i < 16 else 2
                    row.update(patients_attending=6, staff_nurse=staff, chaired_by="staff")
                    row.update(items_information=2, items_complaint=2, items_resolved_by_next=1, items_carried_over=2)
                rows.append(row)
    return conform_sessions(pd.DataFrame(rows))


def test_monthly_sums_each_ward_month():
    m = S.monthly(_log())
    assert len(m) == 48
    jan = m[(m["ward_id"] == "W01") & (m["month"] == pd.Timestamp("2024-01-01"))].iloc[0]
    assert (jan["meetings"], jan["patients"], jan["staff_total"], jan["staff_nurse"]) == (2, 16, 10, 6)
    assert (jan["items_request"], jan["items_raised"], jan["items_resolved"], jan["items_carried"]) == (8, 8, 6, 2)
    assert jan["chaired_by_patient"] == 2
    late = m[(m["ward_id"] == "W02") & (m["month"] == pd.Timestamp("2025-12-01"))].iloc[0]
    assert late["staff_total"] == 4 and late["chaired_by_patient"] == 0


def test_ward_summary_golden():
    s = S.ward_summary(_log()).set_index("ward_id")
    assert s.loc["W01", "meetings"] == 48 and s.loc["W02", "meetings"] == 48
    assert s.loc["W01", "staff_per_meeting"] == 5.0
    assert s.loc["W02", "staff_per_meeting"] == pytest.approx((32 * 6 + 16 * 2) / 48)
    assert s.loc["W01", "items_per_meeting"] == 4.0
    assert s.loc["W01", "resolved_by_next_pct"] == 75.0 and s.loc["W01", "carried_over_pct"] == 25.0
    assert s.loc["W02", "resolved_by_next_pct"] == 25.0 and s.loc["W02", "carried_over_pct"] == 50.0
    assert s.loc["W01", "chaired_by_patient_pct"] == 100.0 and s.loc["W02", "chaired_by_patient_pct"] == 0.0
    # 47 waits: 24 of a week (1st to 8th), 23 from the 8th to the next 1st (three weeks or more): median 7 days
    assert s.loc["W01", "median_days_to_next"] == 7.0
    # W02's last 8 months sit below its centre line (a shift): special-cause low; W01 never moves
    assert s.loc["W02", "staff_attendance_fell"] and not s.loc["W01", "staff_attendance_fell"]


def test_staff_chart_is_a_u_chart_of_staff_per_meeting():
    rows = S.monthly(_log())
    chart = S.staff_chart(rows, "W02")
    assert len(chart) == 24 and (chart["exposure"] == 2).all()
    assert chart["centre"].iloc[0] == pytest.approx((16 * 6 + 8 * 2) / 24)
    assert chart["value"].iloc[-1] == 2.0 and chart["variation"].iloc[-1] == "special_cause_concern"
    both = S.staff_chart(rows)
    assert both["value"].iloc[0] == pytest.approx((10 + 12) / 4)


def test_answer_and_overall_words_golden():
    s = S.ward_summary(_log())
    assert S.answer(s) == (
        "On 1 of 2 wards most items raised at a meeting were resolved by the next; staff attendance fell on 1 (W02)."
    )
    assert S.overall_words(s) == (
        "Across 2 wards, 96 meetings raised 4 items each on average; 50% of items were resolved by the next "
        "meeting and 38% carried over to it (the next meeting came a median 7 days later)."
    )
    assert S.answer(s.iloc[:0]).startswith("No talking group meetings")
    steady = s.assign(staff_attendance_fell=False)
    assert S.answer(steady).endswith("staff attendance fell on none of them.")


def test_items_by_kind_per_ward_and_across():
    k = S.items_by_kind(_log()).set_index(["ward_id", "kind"])["per_meeting"]
    assert k[("W01", "Requests")] == 4 and k[("W01", "Complaints")] == 0
    assert k[("W02", "Information")] == 2 and k[("W02", "Complaints")] == 2
    assert k[("All wards", "Requests")] == 2 and k[("All wards", "Information")] == 1


def test_staff_by_role_across_wards():
    r = S.staff_by_role(S.monthly(_log()))
    jan = r[r["month"] == pd.Timestamp("2024-01-01")].set_index("role")["per_meeting"]
    assert jan["Nurses"] == pytest.approx((6 + 12) / 4) and jan["Healthcare support workers"] == 1.0
    assert jan["Psychiatrists"] == 0.0


# ---------------------------------------------------------------- the sample's truths
@pytest.fixture(scope="module")
def sample():
    data = load_sample()
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))["talking_group_sessions"]
    return data, build_panel(data.tables), truth


def test_sample_log_agrees_with_ward_months(sample):
    data, _, truth = sample
    rows = S.monthly(data.tables["talking_group_sessions"])
    wm = data.tables["ward_months"].merge(rows, on=["ward_id", "month"], how="left").fillna({"meetings": 0})
    assert (wm["meetings"] == wm["talking_groups_held"]).all()
    assert (wm["patients"].fillna(0) == wm["talking_group_attendances"]).all()
    assert int(wm["meetings"].sum()) == truth["meetings"]


def test_sample_staff_fall_is_found_on_exactly_the_true_wards(sample):
    data, _, truth = sample
    s = S.ward_summary(data.tables["talking_group_sessions"], data.tables["wards"])
    assert sorted(s.loc[s["staff_attendance_fell"], "ward_id"]) == sorted(truth["staff_attendance_fell"])


def test_sample_share_resolved_follows_true_coproduction_with_an_interval_that_covers(sample):
    """The count model (Poisson or NB, items raised as exposure, within and between wards, cluster-robust) of items
    resolved on the ward-month's TRUE co-production recovers the built-in rate ratio per 10 points."""
    data, panel, truth = sample
    from analysis.sample.generate import true_coproduction

    d = S.dose_panel(panel, data.tables["talking_group_sessions"])
    d = d.merge(true_coproduction()[["ward_id", "month", "coproduction_true"]], on=["ward_id", "month"])
    d = d[d["tg_items_raised"] > 0]
    res = fit_counts(
        d, outcome="tg_items_resolved", exposure="tg_items_raised", predictor="coproduction_true", zeros=False
    )
    assert res.ok
    h = res.headline
    assert h.ci_low <= truth["items_resolved_rate_ratio_per_10"] <= h.ci_high
    assert h.ci_low > 1  # and the sample is big enough to tell it from no association


def test_sample_dose_response_runs_both_models_with_the_caveat(sample):
    data, panel, truth = sample
    dr = S.dose_response(panel, data.tables["talking_group_sessions"], lag=1)
    t = dr.table
    assert len(t) == 8 and set(t["comparison"]) == {"within", "between"}
    assert set(t["outcome"]) == {"coproduction_patient_overall", "assaults_on_staff"}
    assert np.isfinite(t[["estimate", "ci_low", "ci_high"]].to_numpy(float)).all()
    assert (t["ci_low"] <= t["estimate"]).all() and (t["estimate"] <= t["ci_high"]).all()
    assert dr.results[("assaults_on_staff", "tg_share_resolved")].family in ("poisson", "negbin")
    assert "observational data" in dr.sentences[-1]
    assert sum(s.startswith("Within a ward, a month with") for s in dr.sentences) == 4
    # the log's resolving has no effect of its own on assaults (truth): the within-ward interval covers none
    r = t[
        (t["outcome"] == "assaults_on_staff") & (t["predictor"] == "tg_share_resolved") & (t["comparison"] == "within")
    ]
    assert truth["items_resolved_effect_on_assaults_log_rr"] == 0.0
    assert r["ci_low"].iloc[0] <= 1.0 <= r["ci_high"].iloc[0]
    people = S.dose_table_for_people(t)
    assert people["Lag"].iloc[0] == "1 month"


def test_dose_response_says_why_when_there_are_too_few_months(sample):
    data, panel, _ = sample
    log = data.tables["talking_group_sessions"]
    few = log[log["ward_id"].isin(["W01", "W03"]) & (log["date"] < "2023-06-01")]
    dr = S.dose_response(panel, few, lag=1)
    assert any("Too few survey months" in s for s in dr.sentences)
