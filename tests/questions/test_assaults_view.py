"""What the Q2 page shows (analysis/questions/assaults/view.py): points per ward-month or ward-quarter, the score
grid, the monthly series and its SPC chart, the claims in words and their tables, and the between-ward curve
kept to the wards' usual scores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.questions.assaults import view as data
from analysis.questions.verdicts import ratio_range_words
from analysis.stats.results import OBSERVATIONAL_CAVEAT, CountDiagnostics, Headline, ModelResult

MONTHS = pd.date_range("2024-04-01", periods=6, freq="MS")


def tiny_panel() -> pd.DataFrame:
    """Two wards, six months, numbers chosen so every rate is easy to work out by hand."""
    rows = []
    for w, name, base in (("W01", "Iona", 40.0), ("W02", "Lewis", 60.0)):
        for i, m in enumerate(MONTHS):
            rows.append(
                {
                    "ward_id": w,
                    "ward_name": name,
                    "month": m,
                    "occupied_bed_days": 500.0 + 100 * i,
                    "assaults_on_staff": float(i),
                    "coproduction_overall": base + i,
                    "coproduction_staff_reduced_social_distance": np.nan,
                }
            )
    p = pd.DataFrame(rows)
    p.loc[(p["ward_id"] == "W02") & (p["month"] == MONTHS[1]), "coproduction_overall"] = np.nan
    return p


def _spc_panel(jump_at: int | None = None) -> pd.DataFrame:
    months = pd.date_range("2022-04-01", periods=36, freq="MS")
    rng = np.random.default_rng(3)
    rows = []
    for w in ("W01", "W02"):
        for i, m in enumerate(months):
            rate = 12 if (jump_at is not None and i >= jump_at and w == "W01") else 4
            rows.append(
                {
                    "ward_id": w,
                    "month": m,
                    "occupied_bed_days": 900.0,
                    "assaults_on_staff": float(rng.poisson(rate * 0.9)),
                }
            )
    return pd.DataFrame(rows)


EVENTS = pd.DataFrame(
    {
        "ward_id": ["W01", None, None, "W02"],
        "date": pd.to_datetime(["2023-04-10", "2023-10-05", "2024-01-15", "2023-01-01"]),
        "kind": ["talking_groups_started", "change", "note", "intervention"],
        "label": ["Talking groups started", "New policy", "System upgraded", "Quiet rooms"],
    }
)


def known_result(within=(0.8, 0.7, 0.9, 0.01), between=(1.25, 1.1, 1.5, 0.02)) -> ModelResult:
    expected = pd.DataFrame(
        {
            "score": [40.0, 40.0, 60.0, 60.0],
            "basis": [
                "an average ward in a month at this score (within ward)",
                "a ward whose usual score is this (between wards)",
            ]
            * 2,
            "rate_per_1000_obd": [5.0, 6.0, 3.2, 9.9],
            "ci_low": [4.0, 5.0, 2.5, 8.0],
            "ci_high": [6.5, 7.0, 4.1, 12.0],
        }
    )
    return ModelResult(
        "q2",
        "assaults_on_staff",
        "coproduction_staff_reduced_social_distance",
        "f",
        "negbin",
        "m",
        12,
        600,
        pd.DataFrame(),
        Headline("rate ratio per 10-point rise (within ward)", *within),
        "s",
        diagnostics=CountDiagnostics(
            between=dict(zip(("rate_ratio", "ci_low", "ci_high", "p_value"), between)) if between else None,
            expected_rates=expected,
        ),
    )


def between_curve() -> pd.DataFrame:
    """A between-ward fitted curve on a grid of scores 0, 10, ..., 100."""
    return pd.DataFrame(
        {
            "score": np.arange(0.0, 101.0, 10.0),
            "basis": "between",
            "rate_per_1000_obd": 1.0,
            "ci_low": 0.5,
            "ci_high": 2.0,
        }
    )


def test_scatter_points_one_row_per_ward_month_with_rate_per_1000_bed_days():
    pts = data.scatter_points(tiny_panel(), "assaults_on_staff", "coproduction_overall")
    assert len(pts) == 11  # 12 ward-months, one without a score
    r = pts[(pts["ward_id"] == "W01") & (pts["period"] == MONTHS[3])].iloc[0]
    assert r["rate_per_1000_obd"] == pytest.approx(1000 * 3 / 800)
    assert r["score"] == 43 and r["ward_label"] == "W01 Iona" and r["period_label"] == "Jul 2024"


def test_scatter_points_with_a_lag_use_the_score_from_months_earlier():
    pts = data.scatter_points(tiny_panel(), "assaults_on_staff", "coproduction_overall", lag=2)
    w1 = pts[pts["ward_id"] == "W01"].set_index("period")
    assert list(w1.index) == list(MONTHS[2:])  # the first two months have no score two months earlier
    assert w1.loc[MONTHS[5], "score"] == 43  # Sep's count against Jul's score
    w2 = pts[pts["ward_id"] == "W02"].set_index("period")
    assert MONTHS[3] not in w2.index  # May's score was missing, so Jul has no lagged score


def test_scatter_points_by_quarter_sum_counts_and_bed_days():
    pts = data.scatter_points(tiny_panel(), "assaults_on_staff", "coproduction_overall", by="quarter")
    q1 = pts[(pts["ward_id"] == "W01") & (pts["period"] == MONTHS[0])].iloc[0]
    assert q1["count"] == 0 + 1 + 2 and q1["occupied_bed_days"] == 500 + 600 + 700
    assert q1["rate_per_1000_obd"] == pytest.approx(1000 * 3 / 1800)
    assert q1["score"] == pytest.approx(41) and q1["period_label"] == "Apr to Jun 2024"
    q_w2 = pts[(pts["ward_id"] == "W02") & (pts["period"] == MONTHS[0])].iloc[0]
    assert q_w2["count"] == 0 + 2  # the month without a score is left out, as the model leaves it out
    assert q_w2["score"] == pytest.approx((60 + 62) / 2)


def test_predictor_options_offer_only_scores_with_data_and_name_staff_social_distance():
    p = tiny_panel()
    assert data.predictor_options(p) == {"coproduction_overall": "Co-production (patients and staff combined)"}
    p["coproduction_staff_reduced_social_distance"] = 50.0
    assert data.predictor_options(p)[data.STAFF_SOCIAL_DISTANCE] == "Staff-rated reduced social distance"


def test_score_grid_spans_the_observed_scores_and_includes_the_chosen_ones():
    grid = data.score_grid(tiny_panel(), "coproduction_overall", n=5, extra=(47.5, 90))
    assert grid[0] == 40 and grid[-2] == 65 and grid[-1] == 90
    assert 47.5 in grid and list(grid) == sorted(set(grid))


def test_monthly_series_sums_wards_for_the_whole_hospital():
    s = data.monthly_series(tiny_panel(), "assaults_on_staff", data.WHOLE_HOSPITAL)
    assert list(s["assaults_on_staff"]) == [2 * i for i in range(6)]
    assert s["occupied_bed_days"].iloc[0] == 1000
    one = data.monthly_series(tiny_panel(), "assaults_on_staff", "W02")
    assert one["occupied_bed_days"].iloc[5] == 1000


def test_incident_spc_rebases_a_ward_on_its_own_and_hospital_wide_changes_only():
    c, ev = data.incident_spc(_spc_panel(), "assaults_on_staff", "W01", EVENTS)
    assert c["segment"].nunique() == 3  # its own start and the hospital-wide change; not W02's, not a note
    assert c.loc[c["period"] == pd.Timestamp("2023-04-01"), "segment"].iloc[0] == 1
    assert set(ev["label"]) == {"Talking groups started", "New policy", "System upgraded"}


def test_incident_spc_for_the_whole_hospital_ignores_one_wards_changes():
    c, ev = data.incident_spc(_spc_panel(), "assaults_on_staff", data.WHOLE_HOSPITAL, EVENTS)
    assert c["segment"].nunique() == 2  # only the hospital-wide change
    assert set(ev["label"]) == {"New policy", "System upgraded"}
    assert c["exposure"].iloc[0] == 1800


def test_incident_spc_reads_a_rise_in_assaults_as_concern():
    c, _ = data.incident_spc(_spc_panel(jump_at=30), "assaults_on_staff", "W01")
    late = c[c["period"] >= pd.Timestamp("2024-10-01")]
    assert (late["variation"] == "special_cause_concern").sum() >= 3
    assert not (c["variation"] == "special_cause_improvement").any()


def test_claim_texts_keep_the_two_questions_apart_with_their_own_numbers():
    claims = data.claim_texts(known_result())
    assert "When a ward's own staff-rated reduced social distance rises" in claims["within"]
    assert "20% fewer assaults on staff" in claims["within"] and "10% to 30% fewer" in claims["within"]
    assert "Wards with more staff-rated reduced social distance" in claims["between"]
    assert "25% more assaults on staff" in claims["between"] and "10% to 50% more" in claims["between"]
    assert "does not show that raising" in claims["between"]
    assert "between" not in data.claim_texts(known_result(between=None))


def test_expected_rates_at_the_chosen_scores_and_their_sentence():
    e = data.expected_at(known_result(), (40, 60))
    assert len(e) == 4 and set(e["score"]) == {40, 60}
    s = data.expected_sentence(e, "assaults_on_staff", 40, 60)
    assert "score of 40 would expect about 5.00 assaults on staff per 1,000 occupied bed days" in s
    assert "(95% CI 4.00 to 6.50)" in s and "at 60, about 3.20 (95% CI 2.50 to 4.10)" in s
    assert data.expected_sentence(e, "assaults_on_staff", 40, 70) == ""  # 70 was not computed


def test_claims_table_has_a_within_and_a_between_row_per_model():
    t = data.claims_table({"Patient-rated": known_result(), "Staff-rated": known_result(between=None)})
    assert list(zip(t["label"], t["comparison"])) == [
        ("Patient-rated", "within ward"),
        ("Patient-rated", "between wards"),
        ("Staff-rated", "within ward"),
    ]
    assert t.loc[1, "rate_ratio"] == 1.25 and t.loc[0, "ci_high"] == 0.9


def test_incidents_table_says_what_each_interval_means():
    raw = pd.DataFrame(
        {
            "outcome": ["assaults_on_staff", "self_harm", "restraints", "seclusions"],
            "rate_ratio": [0.8, 1.3, 0.95, np.nan],
            "ci_low": [0.7, 1.1, 0.8, np.nan],
            "ci_high": [0.9, 1.5, 1.1, np.nan],
            "p_value": [0.01, 0.02, 0.5, np.nan],
            "family": "negbin",
            "n_wards": 12,
            "n_obs": 600,
            "ok": [True, True, True, False],
        }
    )
    t = data.incidents_table(raw)
    assert list(t["what_it_means"]) == ["fewer (clear)", "more (clear)", "no clear link", "could not be estimated"]
    assert list(t["incident"]) == ["Assaults on staff", "Self-harm incidents", "Restraints", "Seclusions"]


def test_the_default_measure_is_the_one_the_overview_and_the_pack_report():
    import inspect

    from analysis.overview.answers import overview

    default = inspect.signature(overview).parameters["predictor"].default
    assert data.predictor_columns()[0] == default


def test_within_ward_means_keep_the_between_ward_curve_across_the_wards_usual_scores():
    pts = pd.DataFrame({"ward_id": ["A", "A", "B", "B"], "score": [10.0, 50.0, 60.0, 80.0]})  # means 30 and 70
    curve = between_curve()
    kept = data.within_ward_means(curve, pts)
    assert list(kept["score"]) == [30.0, 40.0, 50.0, 60.0, 70.0]
    # means between grid points: the grid points just outside are kept, so the line spans both means
    pts2 = pts.assign(score=[12.0, 50.0, 61.0, 80.0])  # means 31 and 70.5
    assert list(data.within_ward_means(curve, pts2)["score"]) == [30.0, 40.0, 50.0, 60.0, 70.0, 80.0]


def test_scatter_points_carry_each_wards_service_for_its_colour():
    p = tiny_panel().assign(service=lambda d: d["ward_id"].map({"W01": "admission", "W02": None}))
    pts = data.scatter_points(p, "assaults_on_staff", "coproduction_overall")
    assert dict(zip(pts["ward_id"], pts["service"])) == {"W01": "admission", "W02": data.NO_SERVICE}
    quarters = data.scatter_points(p, "assaults_on_staff", "coproduction_overall", by="quarter")
    assert set(quarters["service"]) == {"admission", data.NO_SERVICE}
    assert set(data.scatter_points(tiny_panel(), "assaults_on_staff", "coproduction_overall")["service"]) == {
        data.NO_SERVICE
    }


def _answered(within=(0.78, 0.68, 0.89, 0.002), n_wards=12, lag=0, caveats=(), note=None) -> ModelResult:
    r = known_result(within=within)
    d = CountDiagnostics(between=r.diagnostics.between, n_months=60, lag=lag, interval_note=note)
    return ModelResult(
        "q2",
        "assaults_on_staff",
        "coproduction_patient_overall",
        "f",
        "negbin",
        "m",
        n_wards,
        720,
        pd.DataFrame(),
        r.headline.__class__("rate ratio per 10-point rise (within ward)", *within),
        "long sentence",
        caveats=list(caveats),
        diagnostics=d,
    )


def test_the_plain_answer_leads_with_the_change_in_words_and_keeps_method_words_out():
    few = "With only 12 wards, ... a t distribution with 9 degrees of freedom ..."
    r = _answered(caveats=[OBSERVATIONAL_CAVEAT, few])
    text = data.plain_answer(r)
    assert text.startswith(
        "**22% fewer assaults on staff per 10-point rise in a ward's own patient-rated co-production (overall).**"
    )
    assert "It could be anywhere from 11% to 32% fewer (95% CI), from 12 wards over 60 months." in text
    assert text.endswith(OBSERVATIONAL_CAVEAT)
    for method_word in ("rate ratio", "degrees of freedom", "t distribution", "p ="):
        assert method_word not in text
    notes = data.researcher_notes(r)
    assert notes[0] == "Rate ratio per 10-point rise (within ward): 0.78 (95% CI 0.68 to 0.89); p = 0.002."
    assert notes[1].startswith("Rate ratio per 10-point rise (between wards): 1.25 (95% CI 1.10 to 1.50)")
    assert few in notes and OBSERVATIONAL_CAVEAT not in notes


def test_the_big_number_is_the_change_in_words_with_its_range_under_it():
    label, value, under, per = data.key_figure(_answered())
    assert (label, value, under) == (
        "Assaults on staff per 10 points",
        "22% fewer",
        "Could be anywhere from 11% to 32% fewer (95% CI)",
    )
    assert per == "per 10-point rise in a ward's own patient-rated co-production (overall)"
    assert data.key_figure(_answered(lag=2))[3].endswith("(overall) 2 months earlier")
    assert data.key_figure(_answered(within=(1.002, 0.9, 1.1, 0.9)))[1] == "About the same"
    assert data.key_figure(_answered(within=(float("nan"),) * 4)) is None


def test_an_unclear_answer_says_so_and_few_wards_lead_with_not_enough_data():
    unclear = data.plain_answer(_answered(within=(0.95, 0.8, 1.2, 0.6)))
    assert "It could be anywhere from 20% fewer to 20% more (95% CI), from 12 wards over 60 months: no clear link " in (
        unclear
    )
    few = data.plain_answer(_answered(n_wards=3))
    assert few.startswith("**Not enough data for a reliable answer: only 3 wards (at least 5 are needed).")
    note = "With 6 wards this interval is likely too narrow: ..."
    with_note = _answered(caveats=[note], note=note)
    assert note in data.plain_answer(with_note) and note not in data.researcher_notes(with_note)


def test_range_words_come_from_the_shared_verdicts_and_quick_predictor_choices():
    # one wording for a rate ratio's interval on every page (analysis.questions.verdicts), no second copy here
    assert not hasattr(data, "range_words") and not hasattr(data, "GLOSSARY")
    assert ratio_range_words(0.68, 0.88) == "could be anywhere from 12% to 32% fewer"
    assert ratio_range_words(0.9, 1.2) == "could be anywhere from 10% fewer to 20% more"
    everything = {c: c for c in data.predictor_columns()}
    quick = data.quick_predictor_options(everything)
    assert list(quick) == [
        "coproduction_patient_overall",
        "coproduction_staff_overall",
        data.STAFF_SOCIAL_DISTANCE,
        data.OTHER_PREDICTOR,
    ]
    assert quick[data.STAFF_SOCIAL_DISTANCE] == "Reduced social distance (staff)"
    only = data.quick_predictor_options({"coproduction_patient_overall": "x"})
    assert list(only) == ["coproduction_patient_overall"]  # nothing else to choose: no 'Another score'
