"""Count models with the ward fixed effects absorbed (analysis/stats/counts/absorbed.py) against the full fit with one
indicator column per ward (fit_counts, families, clustering), and against R.

The full fit is the definition: at the same alpha every figure (coefficients, the ward intercepts, log-likelihood,
Pearson chi-square, model-based and cluster-robust covariances, Satterthwaite degrees of freedom) must agree to
1e-8 relative, on the sample's "which comes first?" design and on simulated hospitals on both sides of the
30 wards where CR2 gives way to CR1. The profile search for alpha (the root of the likelihood's slope,
`families.profile_alpha`) agrees to rounding too (about 1e-13), so the search is held to 1e-8 as well; the
end-to-end answers are compared at 1e-6, as the R references are. R: tests/reference/counts (MASS::glm.nb
with a ward factor, sandwich::vcovCL HC1), tests/reference/counts_cr2 and tests/reference/reverse_causation
(clubSandwich CR2, Satterthwaite).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel
from analysis.questions.assaults.direction import reverse_data
from analysis.stats.counts import absorbed as ab
from analysis.stats.counts import fit_counts, simulate_panel
from analysis.stats.counts.clustering import cluster_errors, model_vcov
from analysis.stats.counts.families import fit_negbin, fit_poisson
from analysis.stats.counts.prepare import prepare
from analysis.stats.counts.spec import CountModelSpec
from analysis.stats.crosslag import _fit_within_linear_dummies, fit_within_linear

REFERENCE = Path(__file__).parents[1] / "reference"
EXACT = 1e-8  # the same fit worked out another way: rounding only
SEARCH = EXACT  # through the alpha search: the root of its slope, which rounding barely moves
SCORE = "coproduction_patient_overall"


def _rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


@pytest.fixture(scope="module")
def sample():
    return build_panel(load_sample().tables)


def _designs(panel, **kw):
    """(The full design with ward indicators, the same without them) for a fixed-effects count model."""
    spec = CountModelSpec(errors="fixed_effects", zeros=False, **kw)
    full = prepare(panel, spec)
    short = prepare(panel, spec, ward_indicators=False)
    Z = short.X.drop(columns="const").to_numpy(float)
    assert list(full.X.columns[: Z.shape[1] + 1]) == list(short.X.columns)
    return full, short, Z


def _cases(sample):
    return [
        ("sample, lag 1", sample, {"lag": 1}),
        ("12 wards, trend and season", simulate_panel(12, 30, rng=7), {"adjust": ("trend", "season")}),
        ("45 wards", simulate_panel(45, 20, rng=8), {}),
    ]


def _intercepts(full_params: pd.Series, K: int) -> np.ndarray:
    """Each ward's intercept from the full fit's constant and ward indicators (the first ward has none)."""
    const = full_params["const"]
    return np.concatenate([[const], const + full_params.iloc[K + 1 :].to_numpy(float)])


def test_poisson_is_the_full_fit(sample):
    for name, panel, kw in _cases(sample):
        full, short, Z = _designs(panel, **kw)
        K = Z.shape[1]
        ref = fit_poisson(full)
        got = ab.fit_poisson_absorbed(Z, short.y, short.offset, short.groups, short.n_wards)
        params = ref.glm.params
        assert _rel(got.beta, params.iloc[1 : K + 1]) < EXACT, name
        assert _rel(got.ward_effect, _intercepts(params, K)) < EXACT, name
        assert _rel(got.mu, ref.mu) < EXACT, name
        assert got.llf == pytest.approx(ref.llf, rel=1e-12), name
        assert got.k == ref.k and got.aic == pytest.approx(ref.aic, rel=1e-12), name
        assert got.pearson_chi2 == pytest.approx(float(ref.glm.pearson_chi2), rel=EXACT), name
        assert got.df_resid == ref.glm.df_resid, name
        V = model_vcov(ref.glm)[1 : K + 1, 1 : K + 1]
        assert _rel(ab.model_vcov_absorbed(got, Z, short.groups, short.n_wards), V) < EXACT, name


def test_negative_binomial_at_the_same_alpha_is_the_full_fit(sample):
    for name, panel, kw in _cases(sample):
        full, short, Z = _designs(panel, **kw)
        K, G = Z.shape[1], short.n_wards
        pois = fit_poisson(full)
        nb = fit_negbin(full, start=pois.glm.params.to_numpy())
        start = ab.fit_poisson_absorbed(Z, short.y, short.offset, short.groups, G)
        got = ab.fit_negbin_absorbed(Z, short.y, short.offset, short.groups, G, start=start, alpha=nb.alpha)
        ref = nb.glm
        assert _rel(got.beta, ref.params.iloc[1 : K + 1]) < EXACT, name
        assert _rel(got.ward_effect, _intercepts(ref.params, K)) < EXACT, name
        assert got.llf == pytest.approx(nb.llf, rel=1e-12), name
        for choice in ("CR2", "CR1", "auto"):
            want = cluster_errors(ref, full.groups, choice, fixed_effects=True)
            have = ab.absorbed_errors(got, Z, short.y, short.groups, G, choice)
            assert have.kind == want.kind and have.df_method == want.df_method, (name, choice)
            assert _rel(have.vcov, want.vcov[1 : K + 1, 1 : K + 1]) < EXACT, (name, choice)
            for j in range(K):
                c_full = np.eye(full.X.shape[1])[j + 1]
                assert have.df(np.eye(K)[j]) == pytest.approx(want.df(c_full), rel=EXACT), (name, choice)
            if K > 1:  # a combination of terms has its own degrees of freedom, as in the full design
                c = np.arange(1.0, K + 1)
                assert have.df(c) == pytest.approx(want.df(np.r_[0.0, c, np.zeros(G - 1)]), rel=EXACT)


def test_negative_binomial_search_finds_the_full_fits_alpha(sample):
    for name, panel, kw in _cases(sample):
        full, short, Z = _designs(panel, **kw)
        pois = fit_poisson(full)
        nb = fit_negbin(full, start=pois.glm.params.to_numpy())
        got = ab.fit_negbin_absorbed(Z, short.y, short.offset, short.groups, short.n_wards)
        assert got.alpha == pytest.approx(nb.alpha, rel=SEARCH), name
        assert got.llf == pytest.approx(nb.llf, rel=1e-12), name


@pytest.mark.parametrize(
    "kw",
    [
        {"lag": 1},
        {"lag": 1, "family": "poisson"},
        {"lag": 1, "cluster_se": "CR1"},
        {"adjust": ("staff_hours_per_patient_day", "security_level", "trend")},
    ],
)
def test_fit_within_counts_is_fit_counts_with_fixed_effects(sample, kw):
    ref = fit_counts(sample, errors="fixed_effects", zeros=False, **kw)
    got = ab.fit_within_counts(sample, **kw)
    assert got.ok and got.family == ref.family
    assert got.sentence == ref.sentence and got.method == ref.method and got.formula == ref.formula
    assert got.warnings == ref.warnings and got.caveats == ref.caveats
    assert (got.n_wards, got.n_obs) == (ref.n_wards, ref.n_obs)
    want = ref.estimates.set_index("term").loc[got.estimates["term"]]
    assert len(got.estimates) == len(want) >= 1
    for col in ("estimate", "std_error", "ci_low", "ci_high", "p_value", "df", "rate_ratio"):
        np.testing.assert_allclose(got.estimates[col], want[col], rtol=SEARCH, err_msg=col)
    for field in ("estimate", "ci_low", "ci_high", "p_value"):
        assert getattr(got.headline, field) == pytest.approx(getattr(ref.headline, field), rel=SEARCH)
    assert got.headline.name == ref.headline.name
    assert got.diagnostics.family_choice == ref.diagnostics.family_choice
    assert got.diagnostics.alpha == pytest.approx(ref.diagnostics.alpha, rel=SEARCH)
    for k in ("aic_poisson", "aic_negbin", "llf_poisson", "llf_negbin"):
        assert got.diagnostics.comparison[k] == pytest.approx(ref.diagnostics.comparison[k], rel=1e-10)
    pd.testing.assert_frame_equal(
        got.diagnostics.residuals_by_ward, ref.diagnostics.residuals_by_ward, check_exact=False, rtol=SEARCH
    )


def test_many_wards_cr1_and_a_ward_with_no_incidents():
    panel = simulate_panel(40, 12, rng=11)
    panel.loc[panel["ward_id"] == panel["ward_id"].iloc[0], "assaults_on_staff"] = 0
    ref = fit_counts(panel, errors="fixed_effects", zeros=False)
    got = ab.fit_within_counts(panel)
    assert got.diagnostics.standard_errors == ref.diagnostics.standard_errors == "CR1"
    assert got.sentence == ref.sentence and got.method == ref.method and "t(38) reference" in got.method
    assert got.warnings == ref.warnings and any("left out" in w for w in got.warnings)
    assert got.diagnostics.n_dropped == ref.diagnostics.n_dropped
    want = ref.estimates.set_index("term").loc[got.estimates["term"]]
    np.testing.assert_allclose(got.estimates["std_error"], want["std_error"], rtol=SEARCH)


def test_collinear_within_columns_fall_back_to_the_full_fit(sample, monkeypatch):
    """A term that never changes within a ward: the full fit keeps it and leaves out a ward indicator instead;
    the absorbed fit cannot, so it hands over to fit_counts and gives exactly its answer."""
    panel = sample.assign(staff_hours_per_patient_day=sample["ward_id"].rank(method="dense"))
    ref = fit_counts(panel, lag=1, adjust=("staff_hours_per_patient_day",), errors="fixed_effects", zeros=False)
    monkeypatch.setattr(ab, "_fit", lambda *a: pytest.fail("fitted absorbed, not handed over"))
    got = ab.fit_within_counts(panel, lag=1, adjust=("staff_hours_per_patient_day",))
    assert got.sentence == ref.sentence
    pd.testing.assert_frame_equal(got.estimates, ref.estimates)


def test_matches_r_fixed_effects_cr1():
    ref = json.loads((REFERENCE / "counts" / "reference.json").read_text())["negbin_fixed_effects"]
    data = pd.read_csv(REFERENCE / "counts" / "data.csv", parse_dates=["month"])
    r = ab.fit_within_counts(data, family="negbin", cluster_se="CR1")
    row = r.estimates.set_index("term").loc[f"{SCORE}_within"]
    assert row["estimate"] == pytest.approx(ref["estimate"][1], rel=1e-6)
    assert row["std_error"] == pytest.approx(ref["se_cluster"][1], rel=1e-6)
    assert row["p_value"] == pytest.approx(ref["p_cluster_t"][1], rel=1e-6)
    assert 1 / r.diagnostics.alpha == pytest.approx(ref["theta"], rel=1e-6)
    assert r.diagnostics.comparison["llf_negbin"] == pytest.approx(ref["loglik"], rel=1e-8)


def test_matches_r_fixed_effects_cr2():
    ref = json.loads((REFERENCE / "counts_cr2" / "reference.json").read_text())["negbin_fixed_effects"]
    data = pd.read_csv(REFERENCE / "counts_cr2" / "data.csv", parse_dates=["month"])
    r = ab.fit_within_counts(data, family="negbin")  # 8 wards: CR2, Satterthwaite
    est = r.estimates.set_index("term").loc[ref["terms"]]
    np.testing.assert_allclose(est["estimate"], ref["estimate"], rtol=1e-6)
    np.testing.assert_allclose(est["std_error"], ref["se_cr2"], rtol=1e-6)
    np.testing.assert_allclose(est["df"], ref["df_satterthwaite"], rtol=1e-6)
    np.testing.assert_allclose(est["p_value"], ref["p_satterthwaite"], rtol=1e-6)


def _uneven_reverse_panel(seed: int = 3) -> pd.DataFrame:
    """Wards of 1, 2, 3 and many rows (a one-row ward is all intercept; a two-row ward fits its own line exactly)."""
    rng = np.random.default_rng(seed)
    sizes = [1, 2, 3, 8, 15, 30, 30, 25]
    ward = np.repeat([f"W{i}" for i in range(len(sizes))], sizes)
    n = len(ward)
    d = pd.DataFrame({"ward_id": ward, "a": rng.normal(size=n), "b": rng.gamma(2.0, size=n)})
    d["y"] = 0.5 * d["a"] - 0.2 * d["b"] + pd.factorize(d["ward_id"])[0] + rng.normal(size=n)
    return d


def test_linear_within_model_is_the_dummy_fit(sample):
    cases = [
        (reverse_data(sample, SCORE, "assaults_on_staff"), SCORE, ["rate_before", "score_before"]),
        (reverse_data(simulate_panel(35, 30, rng=2), SCORE, "assaults_on_staff"), SCORE, ["rate_before"]),
        (_uneven_reverse_panel(), "y", ["a", "b"]),
    ]
    for data, outcome, predictors in cases:
        want = _fit_within_linear_dummies(data, outcome, predictors)
        got = fit_within_linear(data, outcome, predictors)
        for col in ("estimate", "std_error", "ci_low", "ci_high", "p_value", "df"):
            np.testing.assert_allclose(got[col], want[col], rtol=EXACT, err_msg=col)
        assert got["term"].tolist() == predictors


def test_linear_general_cr2_agrees_with_the_all_wards_at_once_form(sample):
    """cr2_absorbed (a ward's rows at a time) and cr2_absorbed_linear (all wards in K x K pieces) are one sandwich."""
    data = _uneven_reverse_panel(5)
    codes, _ = pd.factorize(data["ward_id"], sort=True)
    G = codes.max() + 1
    Z = data[["a", "b"]].to_numpy(float)
    ones = np.ones(len(data))
    Zt, yt = ab.within(Z, codes, G, ones), ab.within(data["y"].to_numpy(float), codes, G, ones)
    r = yt - Zt @ np.linalg.lstsq(Zt, yt, rcond=None)[0]
    one, every = ab.cr2_absorbed(Z, ones, ones, r, codes, G), ab.cr2_absorbed_linear(Z, r, codes, G)
    assert _rel(every.vcov, one.vcov) < EXACT
    for c in (np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([1.0, -2.0])):
        assert every.df(c) == pytest.approx(one.df(c), rel=EXACT)


def test_linear_collinear_within_columns_fall_back_to_the_dummy_fit(monkeypatch):
    """A predictor that never changes within a ward: the dummy fit is used, and (as before) cannot give its errors."""
    data = _uneven_reverse_panel()
    data["ward_level"] = pd.factorize(data["ward_id"])[0] * 1.0
    with pytest.raises(np.linalg.LinAlgError):
        _fit_within_linear_dummies(data, "y", ["a", "ward_level"])
    from analysis.stats import crosslag

    handed = []
    monkeypatch.setattr(crosslag, "_fit_within_linear_dummies", lambda *a: handed.append(a) or "dummy fit")
    assert fit_within_linear(data, "y", ["a", "ward_level"]) == "dummy fit" and handed


def test_which_comes_first_at_45_wards_matches_r():
    """From 30 wards: the count direction with CR1 errors and t(G-1), the linear one with CR2 and Satterthwaite
    degrees of freedom, both absorbed (tests/reference/reverse_causation_wards: 45 wards of 17 to 26 months)."""
    from analysis.questions.assaults.direction import ASSAULTS_FIRST, CO_PRODUCTION_FIRST, which_comes_first

    here = REFERENCE / "reverse_causation_wards"
    ref = json.loads((here / "reference.json").read_text())
    data = pd.read_csv(here / "data.csv", parse_dates=["month"])
    answer = which_comes_first(data)
    one, two = ref["coproduction_first"], ref["assaults_first"]
    row = answer.table.set_index("direction").loc[CO_PRODUCTION_FIRST]
    assert answer.count_result.diagnostics.standard_errors == "CR1" and row["df"] == one["df_cr1"] == 44
    est = answer.count_result.estimates.set_index("term").loc[f"{SCORE}_lag1_within"]
    assert est["estimate"] == pytest.approx(one["estimate"], rel=1e-6)
    assert est["std_error"] == pytest.approx(one["se_cr1"], rel=1e-6)
    for ours, theirs in (
        ("estimate", "rate_ratio"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
        ("p_value", "p_cr1"),
    ):
        assert row[ours] == pytest.approx(one[theirs], rel=1e-6)
    assert answer.count_result.diagnostics.theta == pytest.approx(one["theta"], rel=1e-5)
    assert answer.count_result.diagnostics.comparison["llf_negbin"] == pytest.approx(one["loglik"], rel=1e-8)
    assert (row["n_obs"], row["n_wards"]) == (one["nobs"], one["wards"])
    # CR2 asked for: R's error to 1e-6. clubSandwich's Satterthwaite df for this glm.nb move with the
    # parameterisation of the same model (28.13 with the demeaned score, 28.2 with the raw score, 27.9 without an
    # intercept), so they are compared to 1%; ours is 28.32 (28.31 with the ward indicators, up to the next note);
    # at 8 and 10 wards they agree to 1e-6 (counts_cr2, reverse_causation). With the indicators, one ward's null eigenvalue of B_g comes out at 7e-12; judged
    # against the largest (clustering._inverse_sqrt_psd), the full fit's error is R's too
    # (tests/stats/test_cr2_null_eigenvalue.py); absorbed, the ward's own block is exact.
    cr2 = ab.fit_within_counts(data, lag=1, cluster_se="CR2").estimates.set_index("term").loc[f"{SCORE}_lag1_within"]
    assert cr2["std_error"] == pytest.approx(one["se_cr2"], rel=1e-6)
    assert cr2["df"] == pytest.approx(one["df_cr2"], rel=1e-2)
    row = answer.table.set_index("direction").loc[ASSAULTS_FIRST]
    assert (row["n_obs"], row["n_wards"]) == (two["nobs"], two["wards"])
    for ours, theirs in (("estimate", "estimate"), ("df", "df"), ("p_value", "p_value"), ("ci_low", "ci_low")):
        assert row[ours] == pytest.approx(theirs_0 := two[theirs][0], rel=1e-6), (ours, theirs_0)
    t = fit_within_linear(reverse_data(data, SCORE, "assaults_on_staff"), SCORE, two["terms"])
    for ours, theirs in (("estimate", "estimate"), ("std_error", "se"), ("df", "df"), ("p_value", "p_value")):
        np.testing.assert_allclose(t[ours], two[theirs], rtol=1e-6)
