"""Segmented-regression building blocks for interrupted time series (talking groups).

Per ward: outcome ~ time + post + months_since_start (level change = post, slope change =
months_since_start), OLS or Poisson with a log(exposure) offset, autocorrelation checked with
Durbin-Watson, Ljung-Box and (OLS) Breusch-Godfrey, Newey-West HAC errors when asked or needed.
Pooled (stepped wedge): ward fixed effects + one effect per calendar month (the hospital-wide
trend, whatever its shape) + post (+ months_since_start in the slope model), CR1 cluster-robust by
ward with t(G-1), the same convention as analysis/counts (R: sandwich::vcovCL(type = "HC1")). The
pooled design is sparse (3 non-zeros a row) and solved through its k x k cross-products, so 1,000
wards x 120 months fits in about a second; `fit_pooled` (dense, statsmodels) is the reference.

Survey outcomes are carried forward in the panel; a carried month repeats an earlier return, so the
models use only months with a fresh return (`fresh_survey_rows`), and "post" is then dated by the
survey month itself.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import linalg, stats
from statsmodels.genmod import families as sm_families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.diagnostic import acorr_breusch_godfrey, acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson
from statsmodels.tools.tools import add_constant

ALPHA = 0.05
MIN_SIDE = 3  # months needed on each side of the start for a per-ward line


def months_between(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """Whole calendar months from `earlier` to `later` (NaN when either is missing)."""
    return ((later.dt.year - earlier.dt.year) * 12 + (later.dt.month - earlier.dt.month)).astype(float)


def fresh_survey_rows(panel: pd.DataFrame, outcome: str) -> pd.Series:
    """True where `outcome` is a fresh survey return, not a value carried forward from an earlier month.

    coproduction_patient_* / coproduction_staff_* use their `_months_carried` column, coproduction_overall
    both; any other outcome (counts, recovery) is never carried, so every row is fresh.
    """
    sides = [s for s in ("patient", "staff") if outcome.startswith(f"coproduction_{s}_")]
    if outcome == "coproduction_overall":
        sides = ["patient", "staff"]
    keep = pd.Series(True, index=panel.index)
    for s in sides:
        col = f"coproduction_{s}_months_carried"
        if col in panel.columns:
            keep &= pd.to_numeric(panel[col], errors="coerce").fillna(0).to_numpy() == 0
    return keep


def segment_terms(month: pd.Series, start: pd.Series) -> pd.DataFrame:
    """post (1 from the start month) and months_since_start (0 before; wards never started: 0)."""
    since = months_between(month, start)
    post = (since >= 0).astype(float)
    return pd.DataFrame({"post": post, "months_since_start": since.clip(lower=0).fillna(0.0) * post}, index=month.index)


def tidy(names, est, se, df: float | None) -> pd.DataFrame:
    est, se = np.asarray(est, float), np.asarray(se, float)
    dist = stats.t(df) if df else stats.norm
    q = dist.ppf(0.975)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    return pd.DataFrame(
        {
            "term": list(names),
            "estimate": est,
            "std_error": se,
            "ci_low": est - q * se,
            "ci_high": est + q * se,
            "p_value": 2 * dist.sf(np.abs(z)),
        }
    )


def add_ratios(est: pd.DataFrame) -> pd.DataFrame:
    return est.assign(
        rate_ratio=np.exp(est["estimate"]), rr_ci_low=np.exp(est["ci_low"]), rr_ci_high=np.exp(est["ci_high"])
    )


def cr1_vcov(X: np.ndarray, scores: np.ndarray, bread: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """CR1 sandwich: G/(G-1) x (N-1)/(N-K) x bread meat bread (R vcovCL type HC1)."""
    n, k = X.shape
    S = cluster_sums(scores, groups)
    G = S.shape[0]
    return (G / (G - 1)) * ((n - 1) / (n - k)) * bread @ (S.T @ S) @ bread


def cluster_sums(scores, groups: np.ndarray) -> np.ndarray:
    """Per-ward column sums of the scores (G x k, dense), for a dense or sparse score matrix."""
    _, inv = np.unique(np.asarray(groups), return_inverse=True)
    G, n = int(inv.max()) + 1 if len(inv) else 0, len(inv)
    if sp.issparse(scores):
        return (sp.csr_matrix((np.ones(n), (inv, np.arange(n))), shape=(G, n)) @ scores.tocsc()).toarray()
    return np.column_stack([np.bincount(inv, weights=scores[:, j], minlength=G) for j in range(scores.shape[1])])


def fit_pooled(y, X: pd.DataFrame, groups, kind: str, offset=None):
    """OLS or Poisson GLM with CR1 errors by ward; returns (params, vcov, fitted mean, fit)."""
    Xa = X.to_numpy(float)
    if kind == "linear":
        res = OLS(y, X).fit()
        bread = np.linalg.pinv(Xa.T @ Xa)
        scores = Xa * np.asarray(res.resid)[:, None]
    else:
        res = GLM(y, X, family=sm_families.Poisson(), offset=offset).fit(tol=1e-10, maxiter=200)
        mu = np.asarray(res.fittedvalues)
        bread = np.linalg.pinv(Xa.T @ (Xa * mu[:, None]))
        scores = Xa * (y - mu)[:, None]
    return res.params, cr1_vcov(Xa, scores, bread, np.asarray(groups)), np.asarray(res.fittedvalues), res


def solve_psd(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A^-1 B for a symmetric positive (semi-)definite A: Cholesky, or the pseudo-inverse when A is singular."""
    try:
        c = linalg.cho_factor(A, check_finite=False)
        if np.min(np.abs(np.diag(c[0]))) ** 2 > 1e-12 * max(float(np.max(np.abs(np.diag(A)))), 1e-300):
            return linalg.cho_solve(c, B, check_finite=False)
    except linalg.LinAlgError:
        pass
    return np.linalg.pinv(A, hermitian=True) @ B


def fit_pooled_sparse(
    y: np.ndarray, X: sp.csr_matrix, groups, kind: str, offset=None, tol: float = 1e-10, maxiter: int = 200, report=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`fit_pooled` on a sparse design: OLS or Poisson IRLS through the k x k normal equations, CR1 by
    ward; returns (params, vcov, fitted mean). Same estimates and errors as the dense fit (tested).

    report: column indices whose covariance is wanted (default all); only those rows of the inverse
    are formed, which is what makes 1,000 wards fast."""
    y = np.asarray(y, float)
    n, k = X.shape
    idx = np.arange(k) if report is None else np.asarray(report)
    if kind == "linear":
        gram = (X.T @ X).toarray()
        beta = solve_psd(gram, X.T @ y)
        mu = X @ beta
    else:
        # statsmodels' start: mu = (y + mean y) / 2, then IRLS on the working response.
        mu = (y + y.mean()) / 2
        eta = np.log(mu)
        dev_old = np.inf
        for _ in range(maxiter):
            gram = (X.T @ X.multiply(mu[:, None]).tocsr()).toarray()
            beta = solve_psd(gram, X.T @ (mu * (eta - offset) + (y - mu)))
            eta = X @ beta + offset
            mu = np.exp(eta)
            with np.errstate(divide="ignore", invalid="ignore"):
                dev = 2 * np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu))
            if abs(dev - dev_old) <= tol * (abs(dev) + tol):  # statsmodels' convergence rule
                break
            dev_old = dev
        gram = (X.T @ X.multiply(mu[:, None]).tocsr()).toarray()
    unit = np.zeros((k, len(idx)))
    unit[idx, np.arange(len(idx))] = 1.0
    bread = solve_psd(gram, unit).T  # rows idx of (X'WX)^-1
    S = cluster_sums(X.multiply((y - mu)[:, None]), groups)
    G = S.shape[0]
    half = bread @ S.T
    return beta, (G / (G - 1)) * ((n - 1) / (n - k)) * half @ half.T, np.asarray(mu)


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
    # the page's sentence stays plain; the statistics are in `detail` for the model details
    out["detail"] = f"Durbin-Watson {dw:.2f}; autocorrelation test p = {min(tests):.3f}"
    if found:
        out["words"] = (
            "Neighbouring months are more alike than chance would make them, so plain standard errors "
            "would be too small."
        )
    else:
        out["words"] = "Neighbouring months are no more alike than chance would make them."
    return out


def fit_segmented(d: pd.DataFrame, y: str, kind: str, exposure: str | None, hac: bool | None, maxlags: int):
    """One ward's segmented regression. hac=None uses Newey-West errors only when autocorrelation is found."""
    X = add_constant(d[["time", "post", "months_since_start"]].astype(float), has_constant="add")
    yv = d[y].to_numpy(float)
    if kind == "linear":
        plain = OLS(yv, X).fit()
        ac = autocorrelation(plain.resid, maxlags, plain)
        use_hac = ac["autocorrelated"] if hac is None else bool(hac)
        res = OLS(yv, X).fit(cov_type="HAC", cov_kwds={"maxlags": maxlags}) if use_hac else plain
        df = res.df_resid
        se_text = f"Newey-West (HAC, {maxlags} lags) standard errors" if use_hac else "ordinary standard errors"
    else:
        off = np.log(d[exposure].to_numpy(float))
        plain = GLM(yv, X, family=sm_families.Poisson(), offset=off).fit(scale="X2")
        ac = autocorrelation(plain.resid_pearson, maxlags)
        use_hac = ac["autocorrelated"] if hac is None else bool(hac)
        if use_hac:
            res = GLM(yv, X, family=sm_families.Poisson(), offset=off).fit(
                cov_type="HAC", cov_kwds={"maxlags": maxlags}
            )
        else:
            res = plain
        df = None
        se_text = (
            f"Newey-West (HAC, {maxlags} lags) standard errors"
            if use_hac
            else f"quasi-Poisson standard errors (dispersion {float(plain.scale):.2f})"
        )
    est = tidy(X.columns, res.params, res.bse, df)
    if kind == "count":
        est = add_ratios(est)
    return est, res, ac, se_text, use_hac
