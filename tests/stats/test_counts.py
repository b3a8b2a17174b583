"""Question-2 count models: behaviour, plain-language output and edge cases."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from analysis.stats.counts import caveats as cv
from analysis.stats.counts import fit_all_incidents, fit_counts, simulate_panel


def _panel(n_wards=12, n_months=36, seed=1, **kw):
    df = simulate_panel(n_wards, n_months, rng=seed, **kw)
    rng = np.random.default_rng(seed + 100)
    df["coproduction_staff_reduced_social_distance"] = np.clip(
        df["coproduction_patient_overall"] + rng.normal(0, 5, len(df)), 0, 100
    )
    df["assaults_on_patients"] = rng.poisson(1.5, len(df))
    df["restraints"] = rng.poisson(3.0, len(df))
    return df


@pytest.fixture(scope="module")
def panel():
    return _panel()


def test_default_headline_is_within_ward_and_sentence_has_numbers(panel):
    r = fit_counts(panel)
    assert r.ok and r.question == "q2"
    assert r.headline.name == "rate ratio per 10-point rise (within ward)"
    pct = round((1 - r.headline.estimate) * 100)
    assert f"{pct}% fewer assaults on staff" in r.sentence
    assert "Across 12 wards over 36 months" in r.sentence
    assert "Comparing wards with each other" in r.sentence  # the between claim, distinguished
    assert "observational" in r.sentence and "approximate" in r.sentence  # few wards (< 20)
    terms = set(r.estimates["term"])
    assert {"coproduction_patient_overall_within", "coproduction_patient_overall_ward_mean"} <= terms
    assert np.allclose(r.estimates["rate_ratio"], np.exp(r.estimates["estimate"]))
    json.dumps(r.to_dict())  # serialisable for the CLI and exports


def test_rising_rates_say_more(panel):
    up = _panel(rate_ratio_per_10=1.4, seed=3)
    r = fit_counts(up)
    assert r.headline.estimate > 1
    assert "more assaults on staff" in r.sentence


def test_staff_rated_social_distance_is_one_argument_away(panel):
    r = fit_counts(panel, predictor="coproduction_staff_reduced_social_distance")
    assert r.ok
    assert "staff-rated reduced social distance" in r.sentence
    assert "coproduction_staff_reduced_social_distance_within" in set(r.estimates["term"])


def test_split_none_and_lag(panel):
    r0 = fit_counts(panel, split="none")
    assert r0.headline.name == "rate ratio per 10-point rise"
    assert "mixes differences between wards" in r0.sentence
    r2 = fit_counts(panel, lag=2)
    assert r2.n_obs == len(panel) - 2 * 12  # first two months per ward have no earlier score
    assert "2 months earlier" in r2.sentence
    assert any("2 months earlier" in w for w in r2.warnings)


def test_auto_family_choice_follows_the_dispersion():
    nb = fit_counts(_panel(alpha_dispersion=0.8, seed=5))
    assert nb.family == "negbin" and "negative binomial" in nb.diagnostics.family_choice
    pois = fit_counts(_panel(alpha_dispersion=0.0, between_ward_sd=0.0, seed=6), split="within_between")
    assert pois.family == "poisson" and "Poisson" in pois.diagnostics.family_choice
    c = nb.diagnostics.comparison
    assert c["aic_negbin"] < c["aic_poisson"] and c["lr_p_value"] < 0.05


def test_adjustments_and_expected_rates(panel):
    p = panel.copy()
    p["staff_hours_per_patient_day"] = 8 + np.random.default_rng(2).normal(0, 1, len(p))
    p["service"] = np.where(p["ward_id"] < "W05", "admission", "rehabilitation")
    r = fit_counts(p, adjust=("staff_hours_per_patient_day", "service", "season", "trend"))
    assert r.ok
    assert {
        "staff_hours_per_patient_day",
        "service=rehabilitation",
        "season_sin",
        "season_cos",
        "trend_per_year",
    } <= set(r.estimates["term"])
    assert "C(service)" in r.formula and "offset(log(occupied_bed_days))" in r.formula
    er = r.diagnostics.expected_rates
    within = er[er["basis"].str.contains("within")].sort_values("score")
    assert list(within["score"]) == [30, 50, 70]
    assert (within["ci_low"] < within["rate_per_1000_obd"]).all() and (
        within["rate_per_1000_obd"] < within["ci_high"]
    ).all()
    # rate ratio below 1 -> expected rate falls as the score rises, by exactly RR^2 over 20 points
    rates = within["rate_per_1000_obd"].to_numpy()
    assert rates[1] / rates[0] == pytest.approx(r.headline.estimate**2, rel=1e-8)


def test_diagnostics_present(panel):
    r = fit_counts(panel)
    bw, bm = r.diagnostics.residuals_by_ward, r.diagnostics.residuals_by_month
    assert len(bw) == 12 and len(bm) == 36
    assert bw["observed"].sum() == panel["assaults_on_staff"].sum()
    assert abs(bw["mean_pearson"]).max() < 1.5


def test_gee_and_fixed_effects_run(panel):
    g = fit_counts(panel, errors="gee")
    fe = fit_counts(panel, errors="fixed_effects")
    base = fit_counts(panel)
    for r in (g, fe):
        assert r.ok
        assert abs(np.log(r.headline.estimate) - np.log(base.headline.estimate)) < 0.1
    assert "ward_mean" not in " ".join(fe.estimates["term"])
    assert any(t.startswith("ward=") for t in fe.estimates["term"])


def test_excess_zeros_offer_zero_inflated_model():
    df = _panel(seed=8, baseline_rate_per_1000=15, alpha_dispersion=0.05)
    rng = np.random.default_rng(9)
    df.loc[rng.random(len(df)) < 0.35, "assaults_on_staff"] = 0
    z = fit_counts(df, family="negbin").diagnostics.zeros
    assert z["excess"] and z["observed_zeros"] > z["expected_zeros"]
    assert np.isfinite(z["alternative"]["aic"]) and z["alternative"]["fits_better"]
    clean = fit_counts(_panel(seed=10)).diagnostics.zeros
    assert not clean["excess"]


def test_fit_all_incidents(panel):
    out = fit_all_incidents(panel, "coproduction_patient_overall")
    assert list(out["outcome"]) == ["assaults_on_staff", "assaults_on_patients", "restraints"]
    assert out["ok"].all() and out["sentence"].str.contains("Across 12 wards").all()
    assert (out["ci_low"] < out["rate_ratio"]).all() and (out["rate_ratio"] < out["ci_high"]).all()


# ---- edge cases: a clear message, never a crash ----


def test_ward_with_no_assaults(panel):
    p = panel.copy()
    p.loc[p["ward_id"] == "W03", "assaults_on_staff"] = 0
    r = fit_counts(p)
    assert r.ok and r.n_wards == 12
    fe = fit_counts(p, errors="fixed_effects")
    assert fe.ok and fe.n_wards == 11
    assert any("W03" in w and "no assaults on staff" in w for w in fe.warnings)


def test_month_with_zero_bed_days_is_dropped_with_warning(panel):
    p = panel.copy()
    p.loc[[0, 5], "occupied_bed_days"] = 0
    r = fit_counts(p)
    assert r.ok and r.n_obs == len(p) - 2
    assert any("2 ward-months left out" in w and "occupied bed days" in w for w in r.warnings)


def test_one_ward_says_no_clustering():
    p = _panel(n_wards=1, n_months=40, seed=11)
    r = fit_counts(p)
    assert r.n_wards == 1
    assert "Not enough data" in r.sentence
    assert any("one ward" in c.lower() for c in r.caveats)
    assert "no clustering possible" in r.method


def test_few_months_and_few_wards_say_not_reliable():
    r = fit_counts(_panel(n_wards=12, n_months=8, seed=12))
    assert r.sentence.startswith("Not enough data") and "8 months" in r.sentence
    r = fit_counts(_panel(n_wards=3, n_months=24, seed=13))
    assert r.sentence.startswith("Not enough data") and "3 wards" in r.sentence


def test_all_scores_missing(panel):
    p = panel.assign(coproduction_patient_overall=np.nan)
    r = fit_counts(p)
    assert r.headline is None and not r.ok
    assert "missing" in r.sentence and "at least 5 wards and 12 months" in r.sentence


def test_collinear_adjustments_are_named(panel):
    p = panel.copy()
    p["service"] = np.where(p["ward_id"] < "W05", "admission", "rehabilitation")
    p["security_level"] = np.where(p["ward_id"] < "W05", "high", "medium")
    r = fit_counts(p, adjust=("service", "security_level"))
    assert r.ok
    msg = [w for w in r.warnings if "collinear" in w]
    assert msg and "security_level" in msg[0] and "service" in msg[0]
    assert "security_level=medium" not in set(r.estimates["term"])


def test_predictor_constant_within_wards_is_explained(panel):
    p = panel.copy()
    p["coproduction_patient_overall"] = p.groupby("ward_id")["coproduction_patient_overall"].transform("mean")
    r = fit_counts(p)
    assert r.headline is None and "never changes within a ward" in r.sentence
    assert fit_counts(p, split="none").ok


def test_warnings_become_plain_caveats():
    out = []
    with cv.captured(out):
        warnings.warn("no convergence", ConvergenceWarning, stacklevel=2)
        warnings.warn("again", ConvergenceWarning, stacklevel=2)
    assert out == [cv.NOT_CONVERGED]


def test_bad_arguments_raise():
    with pytest.raises(ValueError):
        fit_counts(pd.DataFrame(), family="zip")
    r = fit_counts(_panel(n_months=12), adjust=("weather",))
    assert r.headline is None and "Unknown adjustment" in r.sentence


def test_a_change_under_half_a_percent_is_described_as_no_change():
    from analysis.stats.counts.describe import change_words

    assert change_words(0.999, "transfers") == "about the same number of transfers"
    assert change_words(0.99, "transfers") == "1% fewer transfers"
