"""Segmented-regression building blocks for interrupted time series (talking groups).

Per ward: outcome ~ time + post + months_since_start (level change = post, slope change =
months_since_start), OLS or Poisson with a log(exposure) offset, autocorrelation checked with
Durbin-Watson, Ljung-Box and (OLS) Breusch-Godfrey, Newey-West HAC errors when asked or needed.
Pooled (stepped wedge): ward fixed effects + one effect per calendar month (the hospital-wide
trend, whatever its shape) + post + months_since_start, CR1 cluster-robust by ward with t(G-1),
the same convention as analysis/counts (R: sandwich::vcovCL(type = "HC1")).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.diagnostic import acorr_breusch_godfrey, acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson

ALPHA = 0.05
MIN_SIDE = 3  # months needed on each side of the start for a per-ward line


def months_between(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """Whole calendar months from `earlier` to `later` (NaN when either is missing)."""
    return ((later.dt.year - earlier.dt.year) * 12 + (later.dt.month - earlier.dt.month)).astype(float)


def segment_terms(month: pd.Series, start: pd.Series) -> pd.DataFrame:
    """post (1 from the start month) and months_since_start (0 before; wards never started: 0)."""
    since = months_between(month, start)
    post = (since >= 0).astype(float)
    return pd.DataFrame({"post": post, "months_since_start": since.clip(lower=0).fillna(0.0) * post},
                        index=month.index)


def tidy(names, est, se, df: float | None) -> pd.DataFrame:
    est, se = np.asarray(est, float), np.asarray(se, float)
    dist = stats.t(df) if df else stats.norm
    q = dist.ppf(0.975)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    return pd.DataFrame({"term": list(names), "estimate": est, "std_error": se, "ci_low": est - q * se,
                         "ci_high": est + q * se, "p_value": 2 * dist.sf(np.abs(z))})


def add_ratios(est: pd.DataFrame) -> pd.DataFrame:
    return est.assign(rate_ratio=np.exp(est["estimate"]), rr_ci_low=np.exp(est["ci_low"]),
                      rr_ci_high=np.exp(est["ci_high"]))


def cr1_vcov(X: np.ndarray, scores: np.ndarray, bread: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """CR1 sandwich: G/(G-1) x (N-1)/(N-K) x bread meat bread (R vcovCL type HC1)."""
    n, k = X.shape
    g_ids = np.unique(groups)
    G = len(g_ids)
    meat = np.zeros((k, k))
    for g in g_ids:
        s = scores[groups == g].sum(axis=0)
        meat += np.outer(s, s)
    return (G / (G - 1)) * ((n - 1) / (n - k)) * bread @ meat @ bread


def fit_pooled(y, X: pd.DataFrame, groups, kind: str, offset=None):
    """OLS or Poisson GLM with CR1 errors by ward; returns (params, vcov, fitted mean, fit)."""
    Xa = X.to_numpy(float)
    if kind == "linear":
        res = sm.OLS(y, X).fit()
        bread = np.linalg.pinv(Xa.T @ Xa)
        scores = Xa * np.asarray(res.resid)[:, None]
    else:
        res = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(tol=1e-10, maxiter=200)
        mu = np.asarray(res.fittedvalues)
        bread = np.linalg.pinv(Xa.T @ (Xa * mu[:, None]))
        scores = Xa * (y - mu)[:, None]
    return res.params, cr1_vcov(Xa, scores, bread, np.asarray(groups)), np.asarray(res.fittedvalues), res


def autocorrelation(resid: np.ndarray, maxlags: int, ols_res=None) -> dict:
    """Durbin-Watson, Ljung-Box (and Breusch-Godfrey for OLS) on a single series' residuals, in words."""
    r = np.asarray(resid, float)
    lags = max(1, min(maxlags, len(r) // 4))
    out = {"durbin_watson": float(durbin_watson(r)), "lags_tested": lags}
    lb = acorr_ljungbox(r, lags=[lags])
    out["ljung_box_p"] = float(lb["lb_pvalue"].iloc[-1])
    tests = [out["ljung_box_p"]]
    if ols_res is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out["breusch_godfrey_p"] = float(acorr_breusch_godfrey(ols_res, nlags=lags)[1])
        tests = [out["breusch_godfrey_p"]]
    found = min(tests) < ALPHA
    out["autocorrelated"] = bool(found)
    dw = out["durbin_watson"]
    if found:
        out["words"] = (f"Neighbouring months are correlated (Durbin-Watson {dw:.2f}; test p = {min(tests):.3f}), "
                        "so plain standard errors would be too small.")
    else:
        out["words"] = (f"No clear correlation between neighbouring months (Durbin-Watson {dw:.2f}; "
                        f"test p = {min(tests):.3f}).")
    return out


def fit_segmented(d: pd.DataFrame, y: str, kind: str, exposure: str | None, hac: bool | None, maxlags: int):
    """One ward's segmented regression. hac=None uses Newey-West errors only when autocorrelation is found."""
    X = sm.add_constant(d[["time", "post", "months_since_start"]].astype(float), has_constant="add")
    yv = d[y].to_numpy(float)
    if kind == "linear":
        plain = sm.OLS(yv, X).fit()
        ac = autocorrelation(plain.resid, maxlags, plain)
        use_hac = ac["autocorrelated"] if hac is None else bool(hac)
        res = sm.OLS(yv, X).fit(cov_type="HAC", cov_kwds={"maxlags": maxlags}) if use_hac else plain
        df = res.df_resid
        se_text = (f"Newey-West (HAC, {maxlags} lags) standard errors" if use_hac else "ordinary standard errors")
    else:
        off = np.log(d[exposure].to_numpy(float))
        plain = sm.GLM(yv, X, family=sm.families.Poisson(), offset=off).fit(scale="X2")
        ac = autocorrelation(plain.resid_pearson, maxlags)
        use_hac = ac["autocorrelated"] if hac is None else bool(hac)
        if use_hac:
            res = sm.GLM(yv, X, family=sm.families.Poisson(), offset=off).fit(
                cov_type="HAC", cov_kwds={"maxlags": maxlags})
        else:
            res = plain
        df = None
        se_text = (f"Newey-West (HAC, {maxlags} lags) standard errors" if use_hac
                   else f"quasi-Poisson standard errors (dispersion {float(plain.scale):.2f})")
    est = tidy(X.columns, res.params, res.bse, df)
    if kind == "count":
        est = add_ratios(est)
    return est, res, ac, se_text, use_hac
