"""CR2 (Bell-McCaffrey) errors with Satterthwaite degrees of freedom for the question-2 count models, against R.

The fixed data (tests/reference/counts_cr2/data.csv, from make_data.py: 8 wards with 18 to 30 months) and
clubSandwich's output (reference.json, from tests/reference/counts_cr2/reference.R:
coef_test(fit, vcov = "CR2", test = "Satterthwaite") and linear_contrast on MASS::glm.nb and glm poisson)
are committed; R is not needed to run this test. Six significant figures (the NB fits themselves agree to
about 1e-7).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.stats.counts import fit_counts, simulate_panel
from analysis.stats.counts.clustering import CR2_BELOW, _working_model, cluster_errors
from analysis.stats.counts.families import fit_negbin, fit_poisson
from analysis.stats.counts.prepare import prepare
from analysis.stats.counts.spec import CountModelSpec

HERE = Path(__file__).parents[1] / "reference" / "counts_cr2"
REF = json.loads((HERE / "reference.json").read_text())
RTOL = 1e-6

CASES = {
    "poisson_none": {"family": "poisson", "split": "none"},
    "negbin_none": {"family": "negbin", "split": "none"},
    "poisson_wb": {"family": "poisson"},
    "negbin_wb": {"family": "negbin"},
    "negbin_wb_staffing": {"family": "negbin", "adjust": ("staff_hours_per_patient_day",)},
    "negbin_wb_security": {"family": "negbin", "adjust": ("security_level",)},
    "negbin_fixed_effects": {"family": "negbin", "errors": "fixed_effects"},
}


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(HERE / "data.csv", parse_dates=["month"])


def _ref(key):
    r = REF[key]
    return {k: (v if isinstance(v, (list, dict)) else [v]) for k, v in r.items()}


@pytest.mark.parametrize("key", sorted(CASES))
def test_cr2_errors_and_satterthwaite_df_match_clubsandwich(data, key):
    ref = _ref(key)
    r = fit_counts(data, **CASES[key])  # 8 wards: CR2 is the default
    est = r.estimates.set_index("term").loc[ref["terms"]]
    np.testing.assert_allclose(est["estimate"], ref["estimate"], rtol=RTOL)
    np.testing.assert_allclose(est["std_error"], ref["se_cr2"], rtol=RTOL)
    np.testing.assert_allclose(est["df"], ref["df_satterthwaite"], rtol=RTOL)
    np.testing.assert_allclose(est["p_value"], ref["p_satterthwaite"], rtol=RTOL)
    assert r.diagnostics.standard_errors == "CR2" and "CR2" in r.method and "Satterthwaite" in r.method
    for t, v in zip(ref["terms"], ref["df_satterthwaite"]):
        assert r.diagnostics.degrees_of_freedom[t] == pytest.approx(v, rel=RTOL)


@pytest.mark.parametrize("key", ["poisson_wb", "negbin_wb", "negbin_wb_security"])
def test_a_combination_of_coefficients_has_its_own_df(data, key):
    """The expected rate at every term's mean (intercept included): clubSandwich's linear_contrast, for CR2 and
    for the CR1 errors the app uses from 30 wards (still Satterthwaite)."""
    spec = CountModelSpec(**CASES[key])
    d = prepare(data, spec)
    pois = fit_poisson(d)
    fit = pois if spec.family == "poisson" else fit_negbin(d, start=pois.glm.params.to_numpy())
    xbar = d.X.to_numpy(float).mean(axis=0)
    at = REF[key]["at_means"]
    cr2 = cluster_errors(fit.glm, d.groups, "CR2")
    assert float(np.sqrt(xbar @ cr2.vcov @ xbar)) == pytest.approx(at["se"], rel=RTOL)
    assert cr2.df(xbar) == pytest.approx(at["df"], rel=RTOL)
    assert d.n_wards < CR2_BELOW  # auto would be CR2 here; the CR1 degrees of freedom are checked directly
    wm = _working_model(fit.glm, d.groups)
    assert wm.cr1_df(xbar) == pytest.approx(at["df_cr1"], rel=RTOL)
    for j, t in enumerate(d.X.columns):
        if t in REF[key]["terms"]:
            i = REF[key]["terms"].index(t)
            assert wm.cr1_df(np.eye(len(xbar))[j]) == pytest.approx(REF[key]["df_satterthwaite_cr1"][i], rel=RTOL)


def test_cr2_below_30_wards_and_cr1_from_30_each_stated():
    small = fit_counts(simulate_panel(29, 12, rng=4), zeros=False)
    big = fit_counts(simulate_panel(30, 12, rng=4), zeros=False)
    assert small.diagnostics.standard_errors == "CR2" and "the default below 30 wards" in small.method
    assert big.diagnostics.standard_errors == "CR1" and "the default from 30 wards" in big.method
    assert "Satterthwaite degrees of freedom (within-ward term" in big.method
    df = big.estimates.set_index("term")["df"]
    # a ward-level term rests on far fewer than G-1 wards' worth of information
    assert df["coproduction_patient_overall_ward_mean"] < 20 < df["coproduction_patient_overall_within"] < 30
    classic = fit_counts(simulate_panel(30, 12, rng=4), zeros=False, cluster_se="CR1")
    assert (classic.estimates["df"] == 29).all() and "t(29) reference" in classic.method
    np.testing.assert_allclose(classic.estimates["std_error"], big.estimates["std_error"], rtol=1e-12)


def test_fixed_effects_from_30_wards_keep_t_g_minus_1():
    r = fit_counts(simulate_panel(30, 12, rng=5), zeros=False, errors="fixed_effects")
    assert r.diagnostics.standard_errors == "CR1" and "t(29) reference" in r.method


def test_sentence_and_researchers_view_say_the_degrees_of_freedom(data):
    r = fit_counts(data)
    df = r.diagnostics.degrees_of_freedom["coproduction_patient_overall_within"]
    from analysis.text import fmt_number

    assert f"t distribution with {fmt_number(df)} degrees of freedom" in r.sentence
    assert "within-ward term" in r.method and "between-ward term" in r.method
    assert "df" in r.estimates.columns


def test_bad_choice_raises():
    with pytest.raises(ValueError, match="cluster_se"):
        fit_counts(simulate_panel(8, 12, rng=1), cluster_se="CR3")


def test_words_beside_the_interval_when_the_coverage_study_found_it_too_narrow():
    """The coverage study (benchmarks/coverage.py) found CR2 covering 93.5 to 97% down to 6 wards, and CR1 with
    t(G-1) covering the between-ward ratio only 85 to 91%: the words say so only for the latter."""
    df = simulate_panel(6, 24, rng=8)
    default = fit_counts(df, zeros=False)
    assert default.diagnostics.interval_note is None
    classic = fit_counts(df, zeros=False, cluster_se="CR1")
    note = classic.diagnostics.interval_note
    assert note and "between-ward interval is likely too narrow" in note and "6 wards" in note and "85 of 100" in note
    assert note in classic.caveats and note in classic.sentence
    assert fit_counts(df, zeros=False, cluster_se="CR1", split="none").diagnostics.interval_note is None
