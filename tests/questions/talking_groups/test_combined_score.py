"""Talking groups on the combined patients-and-staff score when the two sides are surveyed in different months.

The issue's reproduction: shift the sample's staff survey dates by one month and fit
{"version": 1, "question": "talking-groups", "outcome": "coproduction_overall"}. Before this change: 0 usable
rows and "No ward has started talking groups" although nine wards have.
"""

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel
from analysis.questions.specs import fit_panel
from analysis.questions.talking_groups.model import combined_survey_rows, its_pooled

SPEC = {"version": 1, "question": "talking-groups", "outcome": "coproduction_overall"}


def _shift_staff(tables, months):
    t = dict(tables)
    r = t["coproduction_responses"].copy()
    staff = r["respondent"] == "staff"
    r.loc[staff, "date"] = pd.to_datetime(r.loc[staff, "date"]) + pd.DateOffset(months=months)
    t["coproduction_responses"] = r
    return t


@pytest.fixture(scope="module")
def sample():
    return load_sample().tables


def test_staff_surveyed_a_month_after_patients_still_gives_the_combined_answer(sample):
    same = fit_panel(build_panel(sample), sample, SPEC)[0]
    shifted_tables = _shift_staff(sample, 1)
    shifted = fit_panel(build_panel(shifted_tables), shifted_tables, SPEC)[0]
    assert shifted.ok and shifted.n_obs == same.n_obs == 240
    assert "No ward has started" not in shifted.sentence
    assert shifted.diagnostics.wards_started == 9
    # each pair holds the same two surveys, a month later: the same answer (the sample's starts fall
    # outside every pair's two months, so no pair straddles a start)
    assert shifted.headline.estimate == pytest.approx(same.headline.estimate, rel=1e-9)
    assert "paired with the other side's survey" in shifted.method


def test_surveys_further_apart_than_the_window_give_the_true_reason(sample):
    # a month apart, with no carry-forward allowed: no pair at all, and the sentence says why
    tables = _shift_staff(sample, 1)
    res = its_pooled(build_panel(tables, carry_forward_months=0), "coproduction_overall")
    assert res.headline is None
    assert "No ward has started" not in res.sentence
    assert "never surveyed in the same month" in res.sentence and "9 wards started" in res.sentence
    # staff two months after the patients are one month before the patients' next quarterly survey: with a
    # one-month window those pair up
    tables = _shift_staff(sample, 2)
    assert its_pooled(build_panel(tables, carry_forward_months=1), "coproduction_overall").ok


def test_no_staff_scores_says_so(sample):
    t = dict(sample)
    t["coproduction_responses"] = t["coproduction_responses"].query("respondent == 'patient'")
    res = its_pooled(build_panel(t), "coproduction_overall")
    assert res.headline is None and "There are no staff survey scores" in res.sentence


def test_no_start_at_all_still_says_no_ward_has_started(sample):
    t = dict(sample)
    t["events"] = t["events"][t["events"]["kind"] != "talking_groups_started"]
    res = its_pooled(build_panel(t), "coproduction_overall")
    assert res.sentence.startswith("No ward has started talking groups")


def _panel(rows, start=None):
    """One ward: rows of (month number, patient score or None, staff score or None); every month fresh."""
    months = pd.date_range("2023-01-01", periods=12, freq="MS")
    p = pd.DataFrame({"ward_id": "W01", "month": months})
    for side in ("patient", "staff"):
        p[f"coproduction_{side}_overall"] = np.nan
        p[f"coproduction_{side}_months_carried"] = 0.0
    for m, pat, staff in rows:
        p.loc[m, "coproduction_patient_overall"] = pat
        p.loc[m, "coproduction_staff_overall"] = staff
    p["coproduction_overall"] = p[["coproduction_patient_overall", "coproduction_staff_overall"]].mean(axis=1)
    p["talking_groups_start"] = pd.Timestamp(start) if start else pd.NaT
    return p


def test_pairing_rule_by_hand():
    # month 0 both (a pair); 2 patient, 3 staff (a pair dated 3); 5 patient, 6 patient (the newer waits),
    # 8 staff (pairs with 6); 9 staff alone and nothing within 3 months after: unpaired
    p = _panel([(0, 40, 50), (2, 42, None), (3, None, 60), (5, 30, None), (6, 44, None), (8, None, 56), (9, None, 70)])
    out = combined_survey_rows(p, window=3)
    assert out["month"].dt.month.tolist() == [1, 4, 9]
    assert out["coproduction_overall"].tolist() == [45.0, 51.0, 50.0]
    assert out["pair_first_month"].dt.month.tolist() == [1, 3, 7]
    # a survey older than the window is not paired
    far = combined_survey_rows(_panel([(0, 40, None), (4, None, 60)]), window=3)
    assert far.empty


def test_a_pair_straddling_the_start_is_left_out_and_counted():
    p = _panel([(0, 40, 50), (2, 42, None), (3, None, 60), (6, 50, 62)], start="2023-04-01")  # start: month 3
    out = combined_survey_rows(p, window=3)
    assert out["month"].dt.month.tolist() == [1, 7]  # the month-2/month-3 pair straddles the April start
    assert out.attrs["straddling_pairs"] == 1
