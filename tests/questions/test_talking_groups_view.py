"""What the talking groups page shows (analysis/questions/talking_groups/view.py): start dates kept under a period
filter, the models on them, the timeline, attendance and social distance tables, and the words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.questions.talking_groups import view as tg

T0 = pd.Timestamp("2021-04-01")


STARTS = {"W00": 10, "W01": 14, "W02": 18, "W03": 22, "W04": 26, "W05": 30, "W06": None, "W07": None}


STEP, TREND, STAFF_GAP = 5.0, 0.4, 8.0


def simulate(seed: int = 3, n_months: int = 40) -> pd.DataFrame:
    """A ward-month panel: co-production rising hospital-wide by TREND a month plus STEP from each ward's start;
    staff rate reduced social distance STAFF_GAP points above patients; sessions only once started."""
    rng = np.random.default_rng(seed)
    rows = []
    for w, s in STARTS.items():
        base = rng.normal(45, 5)
        start = T0 + pd.DateOffset(months=s) if s is not None else pd.NaT
        for m in range(n_months):
            post = s is not None and m >= s
            held = float(rng.integers(2, 6)) if post else 0.0
            rsd = base + TREND * m + STEP * post + rng.normal(0, 2)
            rows.append(
                {
                    "ward_id": w,
                    "ward_name": f"Ward {w}",
                    "month": T0 + pd.DateOffset(months=m),
                    "month_index": m,
                    "talking_groups_start": start,
                    "coproduction_patient_overall": base + TREND * m + STEP * post + rng.normal(0, 2),
                    "coproduction_patient_reduced_social_distance": rsd,
                    "coproduction_staff_reduced_social_distance": rsd + STAFF_GAP + rng.normal(0, 1),
                    "talking_groups_held": held,
                    "talking_group_attendances": held * float(rng.integers(4, 9)) if post else 0.0,
                }
            )
    d = pd.DataFrame(rows)
    d["talking_groups_start"] = d["talking_groups_start"].astype("datetime64[ns]")
    d["talking_groups_active"] = (d["month"] >= d["talking_groups_start"]).to_numpy(bool)
    held = d["talking_groups_held"]
    d["attendance_per_session"] = d["talking_group_attendances"] / held.where(held > 0)
    return d


def starts_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ward_id": [w for w, s in STARTS.items() if s is not None],
            "talking_groups_start": [T0 + pd.DateOffset(months=s) for s in STARTS.values() if s is not None],
        }
    )


def cut_period(d: pd.DataFrame, first_month: int) -> pd.DataFrame:
    """What a period filter does to the panel: months before are gone, and so are the start events in them."""
    cut = d[d["month_index"] >= first_month].reset_index(drop=True)
    lost = cut["talking_groups_start"] < cut["month"].min()
    return cut.assign(
        talking_groups_start=cut["talking_groups_start"].mask(lost),
        talking_groups_active=cut["talking_groups_active"] & ~lost,
    )


def test_with_starts_puts_back_starts_lost_to_a_period_filter():
    d = cut_period(simulate(), 16)
    assert d.loc[d["ward_id"] == "W00", "talking_groups_start"].isna().all()  # the damage the filter does
    fixed = tg.with_starts(d, starts_table())
    w00 = fixed[fixed["ward_id"] == "W00"]
    assert (w00["talking_groups_start"] == T0 + pd.DateOffset(months=10)).all()
    assert w00["talking_groups_active"].all()
    assert list(w00["months_since_talking_groups"].iloc[:3]) == [6.0, 7.0, 8.0]  # month 16 is 6 months after month 10
    w05 = fixed[fixed["ward_id"] == "W05"]
    assert not w05.loc[w05["month_index"] < 30, "talking_groups_active"].any()
    assert w05.loc[w05["month_index"] >= 30, "talking_groups_active"].all()
    assert fixed.loc[fixed["ward_id"] == "W07", "talking_groups_start"].isna().all()
    assert tg.with_starts(d, None) is d


def test_a_hospital_wide_start_applies_to_every_ward_but_an_earlier_ward_start_wins():
    d = simulate()
    starts = pd.DataFrame(
        {
            "ward_id": ["W00", "(all wards)"],
            "talking_groups_start": [T0 + pd.DateOffset(months=2), T0 + pd.DateOffset(months=20)],
        }
    )
    fixed = tg.with_starts(d, starts).groupby("ward_id")["talking_groups_start"].first()
    assert fixed["W00"] == T0 + pd.DateOffset(months=2)
    assert (fixed.drop("W00") == T0 + pd.DateOffset(months=20)).all()


def test_pooled_with_starts_restored_recovers_the_step_after_a_period_filter():
    d = simulate(seed=5)
    cut = cut_period(d, 16)  # W00 and W01 already running: without their starts they look like controls
    broken = tg.pooled(cut, "coproduction_patient_overall", "linear")
    fixed = tg.pooled(cut, "coproduction_patient_overall", "linear", starts_table())
    assert fixed.diagnostics.wards_started == 6 and broken.diagnostics.wards_started == 4
    assert fixed.headline.ci_low <= STEP <= fixed.headline.ci_high
    assert abs(fixed.headline.estimate - STEP) < 1.5


def test_key_figure_and_words_follow_the_result():
    res = tg.pooled(simulate(), "coproduction_patient_overall", "linear")
    h = res.headline
    assert tg.key_figure(res, "linear") == f"{h.estimate:+.1f} points (95% CI {h.ci_low:+.1f} to {h.ci_high:+.1f})"
    s = res.diagnostics.slope_change_per_month
    assert f"{s['estimate']:+.2f} points a month" in tg.slope_words(res, "linear")
    words = tg.adjustment_words(res)
    assert "the 2 wards that never started" in words and "calendar month" in words


def test_count_key_figure_is_a_rate_ratio():
    rng = np.random.default_rng(8)
    d = simulate()
    d["occupied_bed_days"] = 350.0
    d["assaults_on_staff"] = rng.poisson(350 * 0.006 * np.where(d["talking_groups_active"], 0.6, 1.0)).astype(float)
    res = tg.pooled(d, "assaults_on_staff", "count")
    fig = tg.key_figure(res, "count")
    assert fig.startswith("rate ratio ") and f"{res.headline.estimate:.2f}" in fig
    assert "% a month" in tg.slope_words(res, "count")


def test_words_when_the_model_could_not_be_fitted():
    d = simulate().assign(talking_groups_start=pd.NaT)
    res = tg.pooled(d, "coproduction_patient_overall", "linear")
    assert not res.ok
    assert tg.key_figure(res, "linear") is None and tg.slope_words(res, "linear") is None
    assert tg.adjustment_words(res) is None


def test_outcome_choices_add_recovery_measures_only_when_present():
    cols = ["coproduction_patient_overall", "recovery_qpr_15", "recovery_dundrum_4"]
    c = tg.outcome_choices(cols, ["QPR-15", "DUNDRUM-4", "HoNOS-Secure"])
    assert c["Recovery: QPR-15 (higher is better)"] == ("recovery_qpr_15", "linear", "QPR-15 ward mean score")
    assert "Recovery: DUNDRUM-4 (lower is better)" in c
    assert not any("HoNOS" in k for k in c)
    assert next(iter(c)) == "Patient-rated co-production (overall)"  # the default
    assert any(v == ("assaults_on_staff", "count", "Assaults on staff per 1,000 occupied bed days") for v in c.values())


def test_timeline_orders_wards_by_start_and_lists_comparison_wards_last():
    t = tg.timeline_table(simulate())
    assert list(t["ward_id"]) == ["W00", "W01", "W02", "W03", "W04", "W05", "W06", "W07"]
    assert list(t["status"].iloc[-2:]) == [tg.NOT_STARTED] * 2
    assert t.loc[0, "status"] == "started Feb 2022"  # Apr 2021 + 10 months
    assert t.loc[0, "months_before"] == 10 and t.loc[0, "months_after"] == 30


def test_one_ward_that_never_started_has_no_chart_and_says_why():
    res, data = tg.one_ward(simulate(), "W07", "coproduction_patient_overall", "linear")
    assert not len(data) and "never started" in res.sentence


def test_attendance_by_month_is_total_attendances_over_total_sessions():
    d = simulate()
    m = tg.attendance_by_month(d)
    row = m[m["month"] == T0 + pd.DateOffset(months=20)].iloc[0]
    sub = d[d["month_index"] == 20]
    assert row["wards_running"] == 3  # W00, W01, W02 started by month 20
    assert row["sessions_held"] == sub["talking_groups_held"].sum()
    assert row["attendance_per_session"] == pytest.approx(
        sub["talking_group_attendances"].sum() / sub["talking_groups_held"].sum()
    )
    assert np.isnan(m.loc[0, "attendance_per_session"])  # no sessions before the first start


def test_social_distance_words_report_the_staff_patient_gap_and_pooled_changes():
    d = simulate(seed=9)
    table = tg.social_distance_table(d).set_index("rated_by")
    gap_before = table.loc["staff", "mean_before"] - table.loc["patients", "mean_before"]
    assert gap_before == pytest.approx(STAFF_GAP, abs=0.5)
    fits = {r: tg.pooled(d, c, "linear") for r, c in tg.RSD.items()}
    for res in fits.values():
        assert res.headline.ci_low <= STEP <= res.headline.ci_high
    words = " ".join(tg.social_distance_words(tg.social_distance_table(d), fits["patients"], fits["staff"]))
    assert f"{gap_before:.1f} points higher than patients" in words
    assert "smaller than patients experience it" in words
    assert f"{fits['staff'].headline.estimate:+.1f} points as rated by staff" in words


def test_social_distance_words_without_staff_scores():
    d = simulate().drop(columns=["coproduction_staff_reduced_social_distance"])
    words = tg.social_distance_words(tg.social_distance_table(d), None, None)
    assert len(words) == 1 and "not enough" in words[0]


def test_the_primary_outcome_is_patient_rated_coproduction_and_each_outcome_has_a_noun_and_better_way():
    assert tg.PRIMARY == "coproduction_patient_overall"
    assert next(iter(tg.outcome_choices(["coproduction_patient_overall"]).values()))[0] == tg.PRIMARY
    assert tg.outcome_noun(tg.PRIMARY) == "patient-rated co-production"
    assert tg.outcome_noun("coproduction_staff_reduced_social_distance") == "staff-rated reduced social distance"
    assert tg.outcome_noun("recovery_qpr_15") == "QPR-15 scores"
    assert [tg.outcome_better(o) for o in (tg.PRIMARY, "assaults_on_staff", "recovery_qpr_15", "other")] == [
        "higher",
        "lower",
        "higher",
        None,
    ]
