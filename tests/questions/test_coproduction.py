"""Q1: levels, bands, the mixed-model group comparison, disagreement and the generated answer."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import with_defaults
from analysis.data.reference import INSTRUMENT_STATUS
from analysis.panel.build import build_panel
from analysis.questions.coproduction.existence import (
    BAND_NOTE,
    answer_q1,
    band_counts,
    band_note,
    bands,
    disagreement,
    group_differences,
    levels,
)

ASPECTS = ["lived_experience", "professionals_as_facilitators", "shared_power_and_trust", "reduced_social_distance"]


def hospital(
    service_means, wards_per=5, n_months=24, survey_every=2, ward_sd=5.0, noise_sd=6.0, staff_gap=8.0, seed=0, gaps=None
):
    """A hospital whose patient scores are drawn around known service means (scores-table route)."""
    rng = np.random.default_rng(seed)
    wards, rows = [], []
    months = pd.date_range("2023-04-01", periods=n_months, freq="MS")
    k = 0
    for service, mean in service_means.items():
        for _ in range(wards_per):
            w = f"W{k:02d}"
            level = mean + rng.normal(0, ward_sd)
            gap = staff_gap if gaps is None else gaps[k]
            wards.append((w, f"Ward {k}", service, ["high", "medium", "low"][k % 3], 12))
            for m in months[::survey_every]:
                p = level + rng.normal(0, noise_sd)
                rows.append((w, m, "patient", p))
                rows.append((w, m, "staff", p + gap + rng.normal(0, 3)))
            k += 1
    wards = pd.DataFrame(wards, columns=["ward_id", "ward_name", "service", "security_level", "beds"])
    wm = pd.MultiIndex.from_product([wards["ward_id"], months], names=["ward_id", "month"]).to_frame(index=False)
    wm["occupied_bed_days"] = 350.0
    wm["assaults_on_staff"] = pd.array([1] * len(wm), dtype="Int64")
    sc = pd.DataFrame(rows, columns=["ward_id", "month", "respondent", "score"])
    for a in ASPECTS:
        sc[a] = sc["score"]  # equal aspects, so the overall index equals the drawn score
    sc = sc.drop(columns="score").assign(n_returns=pd.array([6] * len(sc), dtype="Int64"))
    return build_panel(with_defaults({"wards": wards, "ward_months": wm, "coproduction_scores": sc}))


def test_levels_use_survey_months_and_ward_means():
    p = hospital({"admission": 45, "treatment": 55}, seed=1)
    surveys = p[p["coproduction_patient_months_carried"] == 0]
    by_ward = surveys.groupby("ward_id")["coproduction_patient_overall"].mean()
    lv = levels(p, by="ward").set_index("ward_id")
    np.testing.assert_allclose(lv["mean"], by_ward)
    assert (lv["n_surveys"] == 12).all()  # 24 months, a survey every 2; carried months not counted
    svc = levels(p, by="service").set_index("service")
    ward_service = surveys.groupby("ward_id")["service"].first()
    expected = by_ward.groupby(ward_service).mean()
    np.testing.assert_allclose(svc["mean"], expected)
    assert (svc["n_wards"] == 5).all() and (svc["ci_low"] < svc["mean"]).all()
    fy = levels(p, by="financial_year")
    assert fy["financial_year"].tolist() == ["2023/24", "2024/25"]


def test_bands_at_the_boundaries():
    p = hospital({"admission": 50}, wards_per=4, noise_sd=0, ward_sd=0, seed=2)
    latest_survey = (
        p.groupby("ward_id")["month"].transform(
            lambda m: m[p.loc[m.index, "coproduction_patient_months_carried"] == 0].max()
        )
        == p["month"]
    )
    for w, v in zip(["W00", "W01", "W02", "W03"], [39.99, 40.0, 69.9, 70.0]):
        p.loc[(p["ward_id"] == w) & latest_survey, "coproduction_patient_overall"] = v
    b = bands(p).set_index("ward_id")
    assert b["band"].tolist() == ["lite", "mid", "mid", "ultra"]
    assert band_counts(bands(p)).to_dict() == {"lite": 1, "mid": 2, "ultra": 1}
    assert bands(p, period="mean")["band"].notna().all()
    assert "not a validated cut-off" in BAND_NOTE
    assert "low under 30" in band_note((30, 60), ("low", "middle", "high"))


def test_mixed_model_recovers_a_known_service_difference():
    truth = {"admission": 45.0, "rehabilitation": 60.0, "treatment": 52.0}
    res = group_differences(hospital(truth, wards_per=6, seed=3), by="service")
    est = res.estimates.set_index("term")
    for s, m in truth.items():
        assert est.loc[s, "ci_low"] - 2 <= m <= est.loc[s, "ci_high"] + 2  # ward sd 5 / sqrt(6): CI ~ +/-4.5
    assert res.headline.ci_low <= 15 <= res.headline.ci_high
    assert res.headline.p_value < 0.01 and "differs" in res.sentence
    assert res.n_wards == 18 and "random intercept" in res.method


def test_group_comparison_agrees_with_lme4():
    """The committed data fitted by lme4::lmer(score ~ 0 + service + (1 | ward_id), REML) in
    tests/reference/existence/reference.R: group means, their standard errors, variances, Wald test, gap."""
    here = Path(__file__).parents[1] / "reference" / "existence"
    d = pd.read_csv(here / "data.csv")
    panel = d.assign(coproduction_patient_overall=d["score"], coproduction_patient_months_carried=0)
    ref = pd.read_csv(here / "reference.csv").set_index("term")
    res = group_differences(panel, by="service", respondent="patient")
    est = res.estimates.set_index("term")
    for service in ("admission", "rehabilitation", "treatment"):
        assert est.loc[service, "estimate"] == pytest.approx(ref.loc[service, "estimate"], rel=1e-6)
        assert est.loc[service, "std_error"] == pytest.approx(ref.loc[service, "std_error"], rel=1e-5)
    assert res.diagnostics.ward_variance == pytest.approx(ref.loc["ward_variance", "estimate"], rel=1e-5)
    assert res.diagnostics.residual_variance == pytest.approx(ref.loc["residual_variance", "estimate"], rel=1e-6)
    assert res.diagnostics.wald_chi2 == pytest.approx(ref.loc["wald_chi2", "estimate"], rel=1e-5)
    assert res.headline.estimate == pytest.approx(ref.loc["gap", "estimate"], rel=1e-6)
    # the gap's interval allows for every pair (Tukey-Kramer; pinned to emmeans in tests/questions/coproduction/)
    assert res.diagnostics.gap_std_error == pytest.approx(ref.loc["gap", "std_error"], rel=1e-5)
    half = res.diagnostics.gap_critical_value * ref.loc["gap", "std_error"]
    assert res.headline.ci_low == pytest.approx(ref.loc["gap", "estimate"] - half, rel=1e-5)
    assert res.n_wards == 11 and res.n_obs == len(d) and res.warnings == []


def test_identical_scores_say_there_is_nothing_to_compare():
    p = hospital({"admission": 45.0, "treatment": 55.0}, wards_per=3, seed=7)
    p["coproduction_patient_overall"] = 50.0
    res = group_differences(p, by="service")
    assert res.headline is None and "no variation to compare" in res.sentence


def test_mixed_model_ci_coverage_over_repeats():
    truth = {"admission": 50.0, "treatment": 56.0}
    hits = 0
    for seed in range(20):
        res = group_differences(hospital(truth, wards_per=5, seed=100 + seed), by="service")
        hits += res.headline.ci_low <= 6 <= res.headline.ci_high
    assert hits >= 16  # nominal 95%; 20 repeats


def test_small_group_caveat_and_no_comparison():
    p = hospital({"admission": 45, "treatment": 55}, wards_per=4, seed=4)
    p.loc[p["ward_id"].isin(["W04", "W05"]), "service"] = "forensic ID"
    res = group_differences(p, by="service")
    assert any("forensic ID (2 wards)" in c and "fewer than 3 wards" in c for c in res.caveats)
    one = group_differences(hospital({"admission": 45}, wards_per=3, seed=5), by="service")
    assert one.headline is None and "nothing to compare" in one.sentence


def test_disagreement_finds_the_wards_with_a_large_gap():
    gaps = [0, 2, 25, -20, 3, 1]
    p = hospital({"admission": 50, "treatment": 50}, wards_per=3, gaps=gaps, seed=6)
    d = disagreement(p, threshold=15).set_index("ward_id")
    assert set(d.index[d["large_gap"]]) == {"W02", "W03"}
    assert d.loc["W03", "who_rates_higher"] == "patients"
    assert d.index[0] == "W02"  # largest gap first


def _nums(text):
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text)]


def test_answer_sentence_numbers_come_from_the_data():
    p = hospital({"admission": 40, "rehabilitation": 62}, wards_per=6, staff_gap=10, seed=7)
    res = answer_q1(p)
    surveys = p[p["coproduction_patient_months_carried"] == 0]
    ward_means = surveys.groupby("ward_id")["coproduction_patient_overall"].mean()
    staff = p[p["coproduction_staff_months_carried"] == 0].groupby("ward_id")["coproduction_staff_overall"].mean()
    assert res.headline.estimate == pytest.approx(ward_means.mean())
    half = 2.2009852 * ward_means.std() / np.sqrt(12)  # t(0.975, 11)
    assert res.headline.ci_low == pytest.approx(ward_means.mean() - half, rel=1e-6)
    first = res.sentence.split(".")[0]
    assert f"rate it {round(ward_means.mean())} on average" in first
    assert f"range {round(ward_means.min())} to {round(ward_means.max())} across 12 wards" in first
    assert f"staff {round(staff.mean())}" in res.sentence
    latest = bands(p)
    for lab in ("lite", "mid", "ultra"):
        n = int((latest["band"] == lab).sum())
        assert f"{n} ward{'s' if n != 1 else ''} '{lab}'" in res.sentence
    assert "every ward" in res.sentence and INSTRUMENT_STATUS in res.caveats and BAND_NOTE in res.caveats
    assert any("next 3 months" in c for c in res.caveats)
    assert res.ok and res.to_dict()["headline"]["estimate"] == pytest.approx(ward_means.mean())


def test_all_scores_missing_gives_a_clear_message():
    p = hospital({"admission": 50}, wards_per=2, seed=8)
    for c in [c for c in p.columns if c.startswith("coproduction_")]:
        p[c] = np.nan
    res = answer_q1(p)
    assert res.headline is None and "no co-production scores" in res.sentence.lower()
    assert levels(p).empty and bands(p).empty


def test_one_ward_only():
    p = hospital({"admission": 50}, wards_per=1, seed=9)
    res = answer_q1(p)
    assert res.n_wards == 1 and not res.ok  # no interval from one ward
    assert "one ward" in res.sentence and any("Only 1 ward" in c for c in res.caveats)
    assert np.isfinite(res.headline.estimate)
