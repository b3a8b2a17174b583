"""analysis/stats/its.py: the sparse pooled fit and vectorised CR1 equal the dense statsmodels reference (1e-8),
fresh survey rows, and the recovery CR1/GLS covariances equal their per-ward loop definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.questions.recovery.model import fit_weighted
from analysis.questions.talking_groups.model import _pooled_design
from analysis.stats.its import cluster_sums, cr1_vcov, fit_pooled, fit_pooled_sparse, fresh_survey_rows
from analysis.stats.mixed import gls_vcov

TOL = 1e-8


def small_panel(seed: int = 3, n_wards: int = 7, n_months: int = 30) -> pd.DataFrame:
    """An unbalanced stepped-wedge panel (some ward-months missing), co-production and assault counts."""
    rng = np.random.default_rng(seed)
    starts = [8, 12, 15, 20, None, None, 5][:n_wards]
    rows = []
    for w in range(n_wards):
        a, lr = rng.normal(45, 5), rng.normal(np.log(0.005), 0.3)
        for m in range(n_months):
            if rng.random() < 0.1:
                continue  # missing month
            post = starts[w] is not None and m >= starts[w]
            obd = float(rng.integers(250, 400))
            rows.append(
                {
                    "ward_id": f"W{w}",
                    "month": pd.Timestamp("2022-01-01") + pd.DateOffset(months=m),
                    "talking_groups_start": (
                        pd.Timestamp("2022-01-01") + pd.DateOffset(months=starts[w])
                        if starts[w] is not None
                        else pd.NaT
                    ),
                    "y": a + 0.2 * m + 3 * post + rng.normal(0, 3),
                    "occupied_bed_days": obd,
                    "count": float(rng.poisson(obd * np.exp(lr - 0.2 * post))),
                }
            )
    d = pd.DataFrame(rows)
    d["talking_groups_start"] = d["talking_groups_start"].astype("datetime64[ns]")
    return d


def loop_cr1(X, scores, bread, groups):
    """The definition: sum over wards of outer(score sums), scaled G/(G-1) x (N-1)/(N-K)."""
    n, k = X.shape
    meat = np.zeros((k, k))
    ids = np.unique(groups)
    for g in ids:
        s = scores[groups == g].sum(axis=0)
        meat += np.outer(s, s)
    G = len(ids)
    return G / (G - 1) * (n - 1) / (n - k) * bread @ meat @ bread


@pytest.mark.parametrize("slope", [False, True])
@pytest.mark.parametrize("kind,y", [("linear", "y"), ("count", "count")])
def test_sparse_pooled_fit_equals_dense_statsmodels_fit(kind, y, slope):
    d = small_panel()
    Xs, names = _pooled_design(d, slope)
    X = pd.DataFrame(Xs.toarray(), columns=names)
    groups = d["ward_id"].to_numpy()
    yv = d[y].to_numpy(float)
    off = np.log(d["occupied_bed_days"].to_numpy(float)) if kind == "count" else None
    b_dense, V_dense, mu_dense, _ = fit_pooled(yv, X, groups, kind, off)
    b, V, mu = fit_pooled_sparse(yv, Xs, groups, kind, off)
    np.testing.assert_allclose(b, np.asarray(b_dense), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(V, V_dense, rtol=1e-6, atol=TOL * np.abs(V_dense).max())
    np.testing.assert_allclose(np.sqrt(np.diag(V)), np.sqrt(np.diag(V_dense)), rtol=TOL)
    np.testing.assert_allclose(mu, mu_dense, rtol=TOL)


def test_linear_cr1_equals_statsmodels_cluster_errors():
    d = small_panel(5)
    Xs, names = _pooled_design(d, True)
    codes = pd.factorize(d["ward_id"])[0]
    ref = sm.OLS(d["y"].to_numpy(), Xs.toarray()).fit(cov_type="cluster", cov_kwds={"groups": codes})
    b, V, _ = fit_pooled_sparse(d["y"].to_numpy(), Xs, d["ward_id"].to_numpy(), "linear")
    np.testing.assert_allclose(b, ref.params, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(np.sqrt(np.diag(V)), ref.bse, rtol=TOL)


def test_vectorised_cluster_sums_equal_the_loop():
    rng = np.random.default_rng(1)
    X, groups = rng.normal(size=(200, 4)), rng.choice(list("edcba"), 200)
    scores, bread = X * rng.normal(size=200)[:, None], np.linalg.inv(X.T @ X)
    np.testing.assert_allclose(cr1_vcov(X, scores, bread, groups), loop_cr1(X, scores, bread, groups), rtol=1e-12)
    S = cluster_sums(scores, groups)
    assert S.shape == (5, 4)
    np.testing.assert_allclose(S[0], scores[groups == "a"].sum(axis=0), rtol=1e-12)


def test_recovery_weighted_and_gls_covariances_equal_their_definitions():
    rng = np.random.default_rng(2)
    n = 120
    groups = rng.choice([f"W{i}" for i in range(8)], n)
    X = pd.DataFrame({"const": 1.0, "x": rng.normal(size=n), "z": rng.normal(size=n)})
    w = rng.integers(3, 12, n).astype(float)
    y = X["x"].to_numpy() + rng.normal(size=n)
    got = fit_weighted(y, X, groups, w).set_index("term")["std_error"]
    res = sm.WLS(y, X, weights=w).fit()
    Xa = X.to_numpy()
    V = loop_cr1(Xa, Xa * (w * np.asarray(res.resid))[:, None], np.linalg.inv(Xa.T @ (Xa * w[:, None])), groups)
    np.testing.assert_allclose(got.to_numpy(), np.sqrt(np.diag(V)), rtol=1e-10)
    info = np.zeros((3, 3))
    for g in np.unique(groups):  # V_g = sigma2 I + tau2 J, inverted directly
        Xg = Xa[groups == g]
        info += Xg.T @ np.linalg.inv(2.0 * np.eye(len(Xg)) + 0.7 * np.ones((len(Xg),) * 2)) @ Xg
    np.testing.assert_allclose(gls_vcov(Xa, groups, 0.7, 2.0), np.linalg.inv(info), rtol=1e-10)


def test_fresh_survey_rows_drop_carried_months_only_for_survey_outcomes():
    p = pd.DataFrame(
        {
            "coproduction_patient_months_carried": [0, 1, 2, np.nan, 0],
            "coproduction_staff_months_carried": [0, 0, 1, 0, 2],
        }
    )
    assert fresh_survey_rows(p, "coproduction_patient_overall").tolist() == [True, False, False, True, True]
    assert fresh_survey_rows(p, "coproduction_staff_reduced_social_distance").tolist() == [
        True,
        True,
        False,
        True,
        False,
    ]
    assert fresh_survey_rows(p, "coproduction_overall").tolist() == [True, False, False, True, False]
    assert fresh_survey_rows(p, "assaults_on_staff").all() and fresh_survey_rows(p, "recovery_qpr_15").all()


def test_reported_block_equals_the_full_covariance_and_singular_designs_fall_back_to_pinv():
    from analysis.stats.its import solve_psd

    d = small_panel(9)
    Xs, _ = _pooled_design(d, True)
    off = np.log(d["occupied_bed_days"].to_numpy(float))
    b, V, _ = fit_pooled_sparse(d["count"].to_numpy(), Xs, d["ward_id"].to_numpy(), "count", off)
    b3, V3, _ = fit_pooled_sparse(d["count"].to_numpy(), Xs, d["ward_id"].to_numpy(), "count", off, report=[0, 1, 2])
    np.testing.assert_allclose(b3, b, rtol=1e-12)
    np.testing.assert_allclose(V3, V[:3, :3], rtol=1e-10)
    A = np.array([[2.0, 2.0], [2.0, 2.0]])  # singular: the minimum-norm solution, as pinv gives
    np.testing.assert_allclose(solve_psd(A, np.array([4.0, 4.0])), [1.0, 1.0])


# The ward effects absorbed (analysis.stats.its.Absorbed): the same fit as the full dummy system.


def _absorbed_against_full(d, y, kind, slope, groups=None):
    from analysis.questions.talking_groups.model import _ward_block

    Xs, names = _pooled_design(d, slope)
    n_terms = 3 if slope else 2
    g = d["ward_id"].to_numpy() if groups is None else groups
    off = np.log(d["occupied_bed_days"].to_numpy(float)) if kind == "count" else None
    yv = d[y].to_numpy(float)
    keep = list(range(n_terms))
    b, V, mu = fit_pooled_sparse(yv, Xs, g, kind, off, report=keep)
    b_a, V_a, mu_a = fit_pooled_sparse(yv, Xs, g, kind, off, report=keep, absorb=_ward_block(names, n_terms))
    return (b, V, mu), (b_a, V_a, mu_a)


@pytest.mark.parametrize("slope", [False, True])
@pytest.mark.parametrize("kind,y", [("linear", "y"), ("count", "count")])
def test_absorbed_ward_effects_give_the_dummy_fit(kind, y, slope):
    (b, V, mu), (b_a, V_a, mu_a) = _absorbed_against_full(small_panel(), y, kind, slope)
    np.testing.assert_allclose(b_a, b, rtol=1e-9, atol=1e-9)  # every coefficient, ward effects included
    np.testing.assert_allclose(V_a, V, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(mu_a, mu, rtol=1e-10)


def test_absorbed_with_clusters_that_are_not_the_wards():
    d = small_panel(4)
    services = np.where(d["ward_id"].isin(["W0", "W1", "W2"]), "A", np.where(d["ward_id"] == "W6", "C", "B"))
    (b, V, _), (b_a, V_a, _) = _absorbed_against_full(d, "count", "count", True, groups=services)
    np.testing.assert_allclose(b_a, b, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(V_a, V, rtol=1e-9, atol=1e-12)


def test_absorbed_block_must_be_indicators_and_reported_columns_kept():
    import scipy.sparse as sp

    from analysis.stats.its import Absorbed

    d = small_panel()
    Xs, names = _pooled_design(d, False)
    with pytest.raises(ValueError, match="indicators"):
        Absorbed(Xs, 0, 2)  # post is not an indicator block with one 1 a row alongside const
    with pytest.raises(ValueError, match="kept"):
        fit_pooled_sparse(d["y"].to_numpy(), Xs, d["ward_id"].to_numpy(), "linear", report=[0, 2], absorb=(2, 8))
    assert sp.issparse(Absorbed(Xs, 2, 8).B)


def test_identified_with_absorbed_wards_agrees_with_the_full_gram():
    from analysis.questions.talking_groups.model import _identified, _ward_block

    d = small_panel()
    for slope in (False, True):
        Xs, names = _pooled_design(d, slope)
        n = 3 if slope else 2
        assert _identified(Xs, n) and _identified(Xs, n, _ward_block(names, n))
    together = d.assign(talking_groups_start=pd.Timestamp("2022-06-01"))  # everyone starts together: not identified
    for slope in (False, True):
        Xs, names = _pooled_design(together, slope)
        n = 3 if slope else 2
        assert not _identified(Xs, n) and not _identified(Xs, n, _ward_block(names, n))
