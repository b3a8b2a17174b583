"""Question-2 count models against R (MASS::glm.nb, glm, sandwich::vcovCL HC1, geepack::geeglm).

The fixed data (tests/reference/counts/data.csv, from make_data.py) and R's output
(reference.json, from reference.R) are committed; R is not needed to run this test. These pin CR1
(cluster_se="CR1"); the CR2 default below 30 wards is pinned to clubSandwich in test_counts_cr2.py.
geepack cannot fit a negative binomial family ("variance invalid"), so the GEE reference is Poisson.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.stats.counts import fit_counts

HERE = Path(__file__).parents[1] / "reference" / "counts"
REF = json.loads((HERE / "reference.json").read_text())
RTOL = 5e-4  # four significant figures


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(HERE / "data.csv", parse_dates=["month"])


def _by_term(result):
    return result.estimates.set_index("term")


CASES = {
    "poisson_none": {"family": "poisson", "split": "none"},
    "negbin_none": {"family": "negbin", "split": "none"},
    "poisson_wb": {"family": "poisson"},
    "negbin_wb": {"family": "negbin"},
    "negbin_wb_adjusted": {"family": "negbin", "adjust": ("staff_hours_per_patient_day",)},
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_glm_and_cluster_errors_match_r(data, key):
    ref = REF[key]
    r = fit_counts(data, errors="cluster", cluster_se="CR1", **CASES[key])
    est = _by_term(r).loc[ref["terms"]]
    np.testing.assert_allclose(est["estimate"], ref["estimate"], rtol=RTOL)
    np.testing.assert_allclose(est["std_error"], ref["se_cluster"], rtol=RTOL)
    np.testing.assert_allclose(est["p_value"], ref["p_cluster_t"], rtol=RTOL)
    model_se = [r.diagnostics.model_based_se[t] for t in ref["terms"]]
    np.testing.assert_allclose(model_se, ref["se_model"], rtol=RTOL)
    fam = "negbin" if key.startswith("negbin") else "poisson"
    assert r.family == fam
    if fam == "negbin":
        assert 1 / r.diagnostics.alpha == pytest.approx(ref["theta"], rel=RTOL)
        if "adjusted" not in key:
            assert r.diagnostics.comparison["llf_negbin"] == pytest.approx(ref["loglik"], rel=RTOL)
            assert r.diagnostics.comparison["aic_negbin"] == pytest.approx(ref["aic"], rel=RTOL)
    else:
        assert r.diagnostics.comparison["llf_poisson"] == pytest.approx(ref["loglik"], rel=RTOL)
        assert r.diagnostics.comparison["aic_poisson"] == pytest.approx(ref["aic"], rel=RTOL)


def test_fixed_effects_within_term_matches_r(data):
    ref = REF["negbin_fixed_effects"]
    r = fit_counts(data, family="negbin", errors="fixed_effects", cluster_se="CR1")
    row = _by_term(r).loc["coproduction_patient_overall_within"]
    assert row["estimate"] == pytest.approx(ref["estimate"][1], rel=RTOL)
    assert row["std_error"] == pytest.approx(ref["se_cluster"][1], rel=RTOL)
    assert 1 / r.diagnostics.alpha == pytest.approx(ref["theta"], rel=RTOL)


def test_poisson_gee_exchangeable_matches_geepack(data):
    ref = REF["gee_poisson_wb"]
    r = fit_counts(data, family="poisson", errors="gee")
    est = _by_term(r).loc[ref["terms"]]
    np.testing.assert_allclose(est["estimate"], ref["estimate"], rtol=RTOL)
    np.testing.assert_allclose(est["std_error"], ref["se_robust"], rtol=RTOL)
    assert "exchangeable" in r.method


def test_headline_is_the_within_rate_ratio_per_10_points(data):
    ref = REF["negbin_wb"]
    r = fit_counts(data, family="negbin", cluster_se="CR1")
    b, se = ref["estimate"][1], ref["se_cluster"][1]
    assert r.headline.estimate == pytest.approx(np.exp(b), rel=RTOL)
    from scipy import stats

    q = stats.t.ppf(0.975, REF["meta"]["clusters"] - 1)
    assert r.headline.ci_low == pytest.approx(np.exp(b - q * se), rel=RTOL)
    assert r.headline.ci_high == pytest.approx(np.exp(b + q * se), rel=RTOL)
    assert "within ward" in r.headline.name
