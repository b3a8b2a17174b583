"""Multiple imputation of missing co-production scores and Rubin's rules (analysis/stats/imputation.py).

Rubin's rules are checked against R's mice::pool on FIXED completed data sets (tests/reference/mice_pooling:
completed.csv from make_data.py, R's answers in reference.json from reference.R), since imputation draws at
random and cannot be matched draw for draw; the hand-worked example checks the formulas digit by digit; the
imputation itself is checked by simulation: on hospitals with scores missing at random given the assaults
(missing more often in months with more assaults), imputing recovers the true rate ratio that the complete
cases miss.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel
from analysis.questions.assaults.imputed import _within, imputed_sensitivity
from analysis.questions.recovery import imputed as recovery_imputed
from analysis.questions.recovery.model import fit_recovery
from analysis.stats.counts import fit_counts, simulate_panel
from analysis.stats.imputation import (
    POOLED_COLUMNS,
    draw_normal,
    fit_imputed,
    impute_scores,
    missing_rows,
    rubin_pool,
)

HERE = Path(__file__).parents[1] / "reference" / "mice_pooling"
REF = json.loads((HERE / "reference.json").read_text())
RTOL = 1e-6
SCORE = "coproduction_patient_overall"


@pytest.fixture(scope="module")
def copies():
    d = pd.read_csv(HERE / "completed.csv")
    out = []
    for _, c in d.groupby("imputation"):
        X = pd.get_dummies(c["ward_id"], drop_first=True, dtype=float)
        X.insert(0, "score10", c[SCORE] / 10)
        X = sm.add_constant(X)
        fit = sm.GLM(c["assaults_on_staff"], X, family=sm.families.Poisson(), offset=np.log(c["occupied_bed_days"]))
        res = fit.fit(tol=1e-12, maxiter=100)
        out.append((res.params["score10"], res.bse["score10"], res.df_resid))
    return np.array(out)


def test_each_copy_fits_as_in_r(copies):
    np.testing.assert_allclose(copies[:, 0], REF["each"]["estimate"], rtol=RTOL)
    np.testing.assert_allclose(copies[:, 1], REF["each"]["se"], rtol=RTOL)


@pytest.mark.parametrize("case", ["dfcom_model", "dfcom_9", "dfcom_inf"])
def test_rubins_rules_match_mice_pool(copies, case):
    ref = REF[case]
    dfcom = {"dfcom_model": copies[0, 2], "dfcom_9": 9.0, "dfcom_inf": np.inf}[case]
    assert ref["dfcom"] == ("Inf" if np.isinf(dfcom) else dfcom)
    p = rubin_pool(copies[:, 0], copies[:, 1] ** 2, dfcom=dfcom, terms=["score10"]).iloc[0]
    for col in POOLED_COLUMNS[1:]:
        if col == "dfcom":
            continue
        assert p[col] == pytest.approx(ref[col], rel=RTOL), col


def test_rubins_rules_by_hand():
    """m = 3 estimates 1.0, 1.2, 0.8 with variances 0.04, 0.05, 0.03, complete-data df 30: ubar = 0.04,
    b = 0.04, t = 0.04 + (4/3) 0.04 = 0.09333, lambda = 0.05333 / 0.09333 = 4/7, dfold = 2 / (4/7)^2 = 6.125,
    dfobs = (31/33) 30 (3/7) = 12.078, df = 6.125 x 12.078 / 18.203 = 4.0640, riv = 4/3."""
    p = rubin_pool([1.0, 1.2, 0.8], [0.04, 0.05, 0.03], dfcom=30).iloc[0]
    assert p["estimate"] == pytest.approx(1.0)
    assert p["ubar"] == pytest.approx(0.04)
    assert p["b"] == pytest.approx(0.04)
    assert p["t"] == pytest.approx(0.04 + 4 / 3 * 0.04)
    assert p["lambda"] == pytest.approx(4 / 7)
    assert p["riv"] == pytest.approx(4 / 3)
    dfold, dfobs = 2 / (4 / 7) ** 2, 31 / 33 * 30 * 3 / 7
    assert p["df"] == pytest.approx(dfold * dfobs / (dfold + dfobs))
    assert p["fmi"] == pytest.approx((4 / 3 + 2 / (p["df"] + 3)) / (4 / 3 + 1))
    with pytest.raises(ValueError, match="at least two"):
        rubin_pool([1.0], [0.1])


def test_draw_normal_is_a_posterior_predictive_draw():
    """Draws for a missing row centre on its fitted value with variance sigma^2 (1 + x'(X'X)^-1 x) (plus the
    small spread of sigma itself)."""
    rng = np.random.default_rng(4)
    n = 60
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    y = 2 + 3 * X[:, 1] + rng.normal(0, 1.5, n)
    missing = np.zeros(n, bool)
    missing[:5] = True
    draws = np.array([draw_normal(y, X, missing, rng) for _ in range(4000)])
    Xo, yo = X[~missing], y[~missing]
    beta = np.linalg.lstsq(Xo, yo, rcond=None)[0]
    s2 = np.sum((yo - Xo @ beta) ** 2) / (len(yo) - 2)
    lev = np.einsum("ij,jk,ik->i", X[:5], np.linalg.inv(Xo.T @ Xo), X[:5])
    np.testing.assert_allclose(draws.mean(axis=0), X[:5] @ beta, atol=0.1)
    # E[sigma*^2] = SSR / (n - k - 2) under the chi-square draw
    expect = s2 * (len(yo) - 2) / (len(yo) - 4) * (1 + lev)
    np.testing.assert_allclose(draws.var(axis=0), expect, rtol=0.08)


def test_impute_scores_fills_only_the_missing_and_is_reproducible():
    panel = simulate_panel(6, 24, rng=1)
    panel.loc[panel.index % 5 == 0, SCORE] = np.nan
    a = impute_scores(panel, SCORE, "assaults_on_staff", m=3, seed=11)
    b = impute_scores(panel, SCORE, "assaults_on_staff", m=3, seed=11)
    miss = panel[SCORE].isna().to_numpy()
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x, y)
        assert x[SCORE].notna().all()
        assert x[SCORE].between(0, 100).all()
        np.testing.assert_array_equal(x.loc[~miss, SCORE], panel.loc[~miss, SCORE])
    assert not np.allclose(a[0].loc[miss, SCORE], a[1].loc[miss, SCORE])  # each copy its own draw


def test_no_survey_mode_replaces_carry_forward():
    panel = build_panel(load_sample().tables)
    carried = "coproduction_patient_months_carried"
    assert not missing_rows(panel, SCORE, carried).any()  # carry-forward leaves no gap in the sample
    rows = missing_rows(panel, SCORE, carried, "no_survey")
    assert rows.sum() == (panel[carried] > 0).sum() == 480
    with pytest.raises(ValueError, match="missing must be one of"):
        missing_rows(panel, SCORE, carried, "everything")


def _mar_hospital(rng):
    panel = simulate_panel(12, 36, rate_ratio_per_10=0.8, rng=rng)
    rate = 1000 * panel["assaults_on_staff"] / panel["occupied_bed_days"]
    p_missing = 1 / (1 + np.exp(-(-1.2 + 0.15 * (rate - 8))))
    panel.loc[rng.uniform(size=len(panel)) < p_missing, SCORE] = np.nan
    return panel


@pytest.mark.slow
def test_imputation_recovers_the_true_rate_ratio_on_mar_data():
    """Twelve hospitals (12 wards, 36 months, true within-ward rate ratio 0.80 per 10 points), scores missing
    more often in months with more assaults (about 30%): the complete cases understate the effect (selection on
    the outcome), the imputed answer is closer to the truth on average and its interval holds it."""

    def fit(p):
        return _within(fit_counts(p, zeros=False, family="negbin"))

    rng = np.random.default_rng(7)
    truth = np.log(0.8)
    cc, mi, covered = [], [], 0
    for s in range(12):
        panel = _mar_hospital(rng)
        cc.append(fit(panel.dropna())[0])
        p = fit_imputed(panel, fit, SCORE, "assaults_on_staff", m=10, seed=s).pooled.iloc[0]
        mi.append(p["estimate"])
        covered += p["ci_low"] <= truth <= p["ci_high"]
    assert abs(np.mean(mi) - truth) < abs(np.mean(cc) - truth)
    assert abs(np.mean(mi) - truth) < 0.06
    assert covered >= 10


def test_sensitivity_sentence_on_the_sample():
    tables = load_sample().tables
    panel = build_panel(tables)
    assert imputed_sensitivity(panel, fit_counts(panel, zeros=False)).sentence == (
        "Every ward-month in view has a score, so there is nothing to impute. A survey's scores stand for its own "
        "month and the next 3 months; after that the month is missing. A newer survey replaces an older one."
    )
    bare = build_panel(tables, carry_forward_months=0)  # no carry-forward: two months in three have no score
    s = imputed_sensitivity(bare, fit_counts(bare, zeros=False), m=5)
    assert s.sentence.startswith("With the 480 ward-months without a score imputed 5 times the rate ratio is ")
    assert s.imputed.pooled["m"].iloc[0] == 5 and s.imputed.n_missing == 480
    assert s.changed in (True, False)
    assert ("the answer does not change" in s.sentence) == (not s.changed)


def test_recovery_sensitivity_imputes_lapsed_surveys():
    """A fifth of the sample's patient survey quarters lapse: with no carry-forward, 48 ward-months with a QPR-15
    score have no co-production score; imputing them gives a close answer, said in words."""
    tables = dict(load_sample().tables)
    r = tables["coproduction_responses"]
    key = r["ward_id"] + pd.to_datetime(r["date"]).dt.to_period("Q").astype(str)
    keys = sorted(key.unique())
    gone = set(np.random.default_rng(3).choice(keys, size=len(keys) // 5, replace=False))
    tables["coproduction_responses"] = r[~key.isin(gone) | (r["respondent"] != "patient")]
    panel = build_panel(tables, carry_forward_months=0)
    s = recovery_imputed.imputed_sensitivity(panel, "QPR-15", m=10)
    assert s.imputed.n_missing == 48
    assert s.sentence.startswith("With the 48 ward-months without a score imputed 10 times the change in QPR-15 is ")
    assert s.changed is False and s.sentence.endswith("; the answer does not change.")
    p = s.imputed.pooled.iloc[0]
    assert 0 < p["lambda"] < 0.6 and p["b"] > 0  # the draws differ, and the lapsed quarters cost information
    complete = fit_recovery(panel, "QPR-15").headline
    assert abs(s.estimate - complete.estimate) < 0.5 * (complete.ci_high - complete.ci_low)
