"""Question 3 recovery models: R lme4 agreement, simulation truth coverage, direction wording, edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.questions.recovery.model import answer_q3, fit_recovery, higher_is_better, measures_in_panel

REF = Path(__file__).parents[1] / "reference" / "recovery"
ROOT = Path(__file__).parents[2]
RTOL = 5e-4  # 4 significant figures
W, B = "coproduction_patient_overall_within", "coproduction_patient_overall_ward_mean"


def ref_data() -> pd.DataFrame:
    d = pd.read_csv(REF / "data.csv", parse_dates=["month"])
    d["talking_groups_start"] = pd.to_datetime(d["talking_groups_start"])
    return d


def ref_values(model: str) -> pd.DataFrame:
    r = pd.read_csv(REF / "reference.csv")
    return r[r["model"] == model].set_index("term")


def simulate(seed: int, n_wards=12, n_months=24, within=1.5, between=-2.0, slug="qpr_15", months=None) -> pd.DataFrame:
    """Ward means of a recovery measure; the ward intercept is correlated with the ward's mean co-production,
    so only the within-ward estimate can recover `within` (per 10 points)."""
    rng = np.random.default_rng(seed)
    rows = []
    for w in range(n_wards):
        mean_x = rng.normal(55, 10)
        u = rng.normal(0, 2) + between * (mean_x - 55) / 10
        for m in range(n_months):
            x = mean_x + rng.normal(0, 8)
            n = int(rng.integers(4, 14))
            y = 30 + within * (x - mean_x) / 10 + u + rng.normal(0, 3)
            rows.append(
                {
                    "ward_id": f"W{w:02d}",
                    "month": pd.Timestamp("2023-01-01") + pd.DateOffset(months=m),
                    "month_index": m,
                    "coproduction_patient_overall": x,
                    f"recovery_{slug}": y,
                    f"recovery_{slug}_n_patients": float(n),
                }
            )
    return pd.DataFrame(rows)


# --- agreement with R lme4::lmer (REML) and lm + sandwich::vcovCL ---------------------------------------


@pytest.mark.parametrize("model,adjust", [("lmer_wb", ()), ("lmer_wb_adjusted", ("staff_hours_per_patient_day",))])
def test_mixed_model_matches_lmer(model, adjust):
    ref = ref_values(model)
    res = fit_recovery(ref_data(), "QPR-15", adjust=adjust)
    est = res.estimates.set_index("term")
    fixed = [t for t in ref.index if t not in ("ward_variance", "residual_variance")]
    assert sorted(fixed) == sorted(est.index)
    np.testing.assert_allclose(est.loc[fixed, "estimate"], ref.loc[fixed, "estimate"], rtol=RTOL)
    np.testing.assert_allclose(est.loc[fixed, "std_error"], ref.loc[fixed, "std_error"], rtol=RTOL)
    vc = res.diagnostics.variance_components
    assert vc["ward_variance"] == pytest.approx(ref.loc["ward_variance", "estimate"], rel=RTOL)
    assert vc["residual_variance"] == pytest.approx(ref.loc["residual_variance", "estimate"], rel=RTOL)
    assert res.n_obs == int(ref_data()["recovery_qpr_15"].notna().sum())


def test_weighted_fit_matches_r_wls_with_cluster_errors():
    ref = ref_values("wls_cr1")
    res = fit_recovery(ref_data(), "QPR-15", weights="n_patients")
    est = res.estimates.set_index("term")
    np.testing.assert_allclose(est.loc[ref.index, "estimate"], ref["estimate"], rtol=RTOL)
    np.testing.assert_allclose(est.loc[ref.index, "std_error"], ref["std_error"], rtol=RTOL)
    assert "Weighted least squares" in res.method and res.diagnostics.unweighted_mixed_model is not None


# --- truth recovery on simulated data ---------------------------------------------------------------------


def test_within_ward_ci_covers_truth_in_repeated_simulations():
    truth, covered, between_hits = 1.5, 0, 0
    reps = 40
    for seed in range(reps):
        res = fit_recovery(simulate(seed, within=truth), "QPR-15")
        assert res.ok
        covered += res.headline.ci_low <= truth <= res.headline.ci_high
        b = res.diagnostics.between
        between_hits += b["ci_low"] <= truth <= b["ci_high"]
    # Binomial(40, 0.95): 34 or more covered with probability ~0.99 when the CI is right.
    assert covered >= 34, covered
    # The between-ward slope is confounded by design (ward intercepts follow the ward mean): it should miss.
    assert between_hits < covered


def test_weighted_headline_also_covers_truth():
    res = fit_recovery(simulate(7, within=1.5), "QPR-15", weights="n_patients")
    assert res.headline.ci_low <= 1.5 <= res.headline.ci_high


# --- direction wording ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "measure,slug,effect,words",
    [
        ("DUNDRUM-4", "dundrum_4", -3.0, "better (lower) DUNDRUM-4 scores"),
        ("DUNDRUM-4", "dundrum_4", 3.0, "worse (higher) DUNDRUM-4 scores"),
        ("QPR-15", "qpr_15", 3.0, "better (higher) QPR-15 scores"),
        ("QPR-15", "qpr_15", -3.0, "worse (lower) QPR-15 scores"),
    ],
)
def test_direction_is_made_right_for_each_measure(measure, slug, effect, words):
    res = fit_recovery(simulate(3, within=effect, slug=slug), measure)
    assert np.sign(res.headline.estimate) == np.sign(effect)
    assert words in res.sentence
    assert ("Lower" if "DUNDRUM" in measure else "Higher") + f" {measure} scores are better" in res.sentence


def test_unclear_result_says_no_clear_change_and_unknown_direction_is_not_judged():
    d = simulate(5, within=0.0, slug="my_scale")
    res = fit_recovery(d, "My scale")
    assert res.headline.ci_low < 0 < res.headline.ci_high
    assert "no clear change" in res.sentence
    assert "better (" not in res.sentence and "worse (" not in res.sentence
    assert "not called better or worse" in res.sentence
    assert higher_is_better("My scale") is None and higher_is_better("dundrum-4") is False


# --- edge cases -------------------------------------------------------------------------------------------


def test_no_recovery_data_gives_a_message_not_a_crash():
    d = simulate(1).drop(columns=["recovery_qpr_15", "recovery_qpr_15_n_patients"])
    res = fit_recovery(d, "QPR-15")
    assert res.headline is None and "no QPR-15 recovery scores" in res.sentence
    out = answer_q3(d)
    assert len(out) == 1 and out[0].headline is None and "no recovery scores" in out[0].sentence
    empty = simulate(1).assign(recovery_qpr_15=np.nan)
    assert fit_recovery(empty, "QPR-15").headline is None


@pytest.mark.parametrize("n_wards,n_months", [(3, 24), (12, 8)])
def test_few_wards_or_months_fit_but_say_not_reliable(n_wards, n_months):
    res = fit_recovery(simulate(2, n_wards=n_wards, n_months=n_months), "QPR-15")
    assert res.ok
    assert "not reliable" in res.sentence


def test_enough_data_is_not_called_unreliable():
    assert "not reliable" not in fit_recovery(simulate(2), "QPR-15").sentence


def test_missing_predictor_and_unknown_adjustment_are_messages():
    d = simulate(1).assign(coproduction_patient_overall=np.nan)
    assert "no patient-rated co-production" in fit_recovery(d, "QPR-15").sentence
    assert fit_recovery(simulate(1), "QPR-15", adjust=["nonesuch"]).headline is None


def test_answer_q3_one_result_per_measure_plus_transfers():
    d = simulate(4)
    d2 = simulate(4, slug="dundrum_4", within=-1.0)
    d = d.assign(
        recovery_dundrum_4=d2["recovery_dundrum_4"], recovery_dundrum_4_n_patients=d2["recovery_dundrum_4_n_patients"]
    )
    rng = np.random.default_rng(0)
    d["occupied_bed_days"] = 400.0
    d["transfers_to_lower_security"] = rng.poisson(0.4, len(d)).astype(float)
    assert measures_in_panel(d) == ["QPR-15", "DUNDRUM-4"]
    out = answer_q3(d)
    assert [r.outcome for r in out] == ["recovery_qpr_15", "recovery_dundrum_4", "transfers_to_lower_security"]
    assert all(r.question == "q3" for r in out)
    assert "transfers to lower security are better" in out[-1].sentence


def test_lag_uses_earlier_month():
    d = simulate(6)
    res = fit_recovery(d, "QPR-15", lag=1)
    assert res.n_obs == len(d) - d["ward_id"].nunique()  # the first month of each ward has no earlier score
    assert "1 month earlier" in res.sentence


# --- the synthetic hospital, when present ----------------------------------------------------------------


def test_sample_hospital_qpr_effect_is_covered():
    """On the committed synthetic hospital, the QPR-15 CI covers the generator's true effect."""
    from analysis.data.dataset import load_sample
    from analysis.panel.build import build_panel

    truth = json.loads((ROOT / "data" / "sample" / "truth.json").read_text())
    true_change = truth["recovery_qpr_15"]["change_per_10_points"]
    dataset = load_sample()
    panel = build_panel(dataset.tables)
    result = fit_recovery(panel, measure="QPR-15", measures_catalogue=dataset.tables["measures"])
    assert result.ok
    assert result.headline.ci_low <= true_change <= result.headline.ci_high
    assert "QPR-15" in result.sentence


def test_measure_range_comes_from_the_catalogue_by_the_same_match_as_direction():
    from analysis.questions.recovery.model import measure_range

    assert measure_range("QPR-15") == (0.0, 60.0) and measure_range("qpr 15") == (0.0, 60.0)
    assert measure_range("DUNDRUM-4") == (0.0, 24.0)
    assert measure_range("Not a measure") is None


def test_mixed_model_intervals_use_satterthwaite_t_as_lmertest():
    """Issue 15 defect 3: the mixed model's intervals and p-values are t on each term's Satterthwaite degrees of
    freedom (R lmerTest, tests/reference/recovery_satterthwaite), not normal; the method says so with the df."""
    ref = pd.read_csv(ROOT / "tests" / "reference" / "recovery_satterthwaite" / "reference.csv").set_index("term")
    res = fit_recovery(ref_data(), "QPR-15", "coproduction_patient_overall")
    est = res.estimates.set_index("term")
    for term in ("const", W, B):
        for col in ("estimate", "std_error", "df", "ci_low", "ci_high", "p_value"):
            assert est.loc[term, col] == pytest.approx(ref.loc[term, col], rel=2e-3, abs=1e-6), (term, col)
    assert "Wald 95% CIs (normal)" not in res.method
    assert f"between-ward {ref.loc[B, 'df']:.1f}" in res.method and "Satterthwaite" in res.method
    h = res.headline
    assert (h.ci_low, h.ci_high) == pytest.approx((ref.loc[W, "ci_low"], ref.loc[W, "ci_high"]), rel=2e-3)
