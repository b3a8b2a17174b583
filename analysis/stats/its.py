"""Segmented-regression building blocks for interrupted time series (talking groups).

Per ward: outcome ~ time + post + months_since_start (level change = post, slope change =
months_since_start), OLS or Poisson with a log(exposure) offset, autocorrelation checked with
Durbin-Watson, Ljung-Box and (OLS) Breusch-Godfrey, Newey-West HAC errors when asked or needed.
Pooled (stepped wedge): ward fixed effects + one effect per calendar month (the hospital-wide
trend, whatever its shape) + post (+ months_since_start in the slope model), CR1 cluster-robust by
ward with t(G-1), the same convention as analysis/counts (R: sandwich::vcovCL(type = "HC1")). The
pooled design is sparse (3 non-zeros a row) and the ward effects are absorbed (`Absorbed`: their block of the
cross-products is diagonal, so only the (terms + months)^2 system is solved), so 5,000 wards x 120 months fit in
about the time 100 wards do; `fit_pooled` (dense, statsmodels) is the reference.

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


class Absorbed:
    """A sparse design split into an absorbed block of indicator columns (ward dummies: at most one 1 a row) and
    the kept columns (the rest). X'WX for the absorbed block is diagonal, so the normal equations are solved
    through the Schur complement of that diagonal: a (kept x kept) system however many wards there are, instead
    of a dense (wards + months)^2 one. Same estimates as the full system (tests/stats/test_its.py)."""

    def __init__(self, X: sp.csr_matrix, lo: int, hi: int):
        n, k = X.shape
        block = X[:, lo:hi].tocsr()
        if block.nnz and (np.any(block.data != 1.0) or np.any(np.diff(block.indptr) > 1)):
            raise ValueError("the absorbed columns must be indicators with at most one 1 in a row")
        self.lo, self.hi, self.k, self.m = lo, hi, k, hi - lo
        self.kept = np.r_[0:lo, hi:k]
        self.B = X[:, self.kept].tocsr()
        has = np.diff(block.indptr) > 0
        self.rows = np.flatnonzero(has)
        self.code = block.indices  # the absorbed column of each row that has one (rows in order)
        self.P = sp.csr_matrix((np.ones(len(self.rows)), (self.code, self.rows)), shape=(self.m, n))

    def blocks(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """D (the absorbed diagonal of X'WX), C (absorbed x kept) and E (kept x kept)."""
        Pw = self.P.multiply(w[None, :]).tocsr()
        D = np.asarray(Pw.sum(axis=1)).ravel()
        C = (Pw @ self.B).toarray()
        E = (self.B.T @ self.B.multiply(w[:, None]).tocsr()).toarray()
        return D, C, E

    def solve(self, w: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, tuple]:
        """beta with X'WX beta = X'r, and what the covariance needs (D^-1, C and S^-1's factor)."""
        D, C, E = self.blocks(w)
        Dinv = np.where(D > 0, 1.0 / np.where(D > 0, D, 1.0), 0.0)
        S = E - C.T @ (C * Dinv[:, None])
        rA, rB = self.P @ r, self.B.T @ r
        beta_B = solve_psd(S, rB - C.T @ (Dinv * rA))
        beta = np.empty(self.k)
        beta[self.kept] = beta_B
        beta[self.lo : self.hi] = Dinv * (rA - C @ beta_B)
        return beta, (Dinv, C, S)

    def bread_rows(self, idx: np.ndarray, parts: tuple) -> tuple[np.ndarray, np.ndarray]:
        """Rows `idx` (kept columns only) of (X'WX)^-1, as (kept part, absorbed part)."""
        Dinv, C, S = parts
        where = np.searchsorted(self.kept, idx)
        if np.any(self.kept[np.minimum(where, len(self.kept) - 1)] != idx):
            raise ValueError("only kept (not absorbed) columns can be reported")
        unit = np.zeros((len(self.kept), len(idx)))
        unit[where, np.arange(len(idx))] = 1.0
        rows_B = solve_psd(S, unit).T  # rows of S^-1
        return rows_B, -(rows_B @ C.T) * Dinv[None, :]


def fit_pooled_sparse(
    y: np.ndarray,
    X: sp.csr_matrix,
    groups,
    kind: str,
    offset=None,
    tol: float = 1e-10,
    maxiter: int = 200,
    report=None,
    absorb: tuple[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`fit_pooled` on a sparse design: OLS or Poisson IRLS through the k x k normal equations, CR1 by
    ward; returns (params, vcov, fitted mean). Same estimates and errors as the dense fit (tested).

    report: column indices whose covariance is wanted (default all); only those rows of the inverse
    are formed. absorb: (first, last + 1) of a block of indicator columns (the ward dummies) solved through
    their diagonal (`Absorbed`) rather than in the dense k x k system, so 5,000 wards cost about what 100 do;
    `report` must then name columns outside the block."""
    y = np.asarray(y, float)
    n, k = X.shape
    idx = np.arange(k) if report is None else np.asarray(report)
    ab = Absorbed(X, *absorb) if absorb is not None else None

    def solve(w: np.ndarray, r: np.ndarray):
        if ab is not None:
            return ab.solve(w, r)
        gram = (X.T @ X.multiply(w[:, None]).tocsr()).toarray()
        return solve_psd(gram, X.T @ r), gram

    if kind == "linear":
        beta, parts = solve(np.ones(n), y)
        mu = X @ beta
    else:
        # statsmodels' start: mu = (y + mean y) / 2, then IRLS on the working response.
        mu = (y + y.mean()) / 2
        eta = np.log(mu)
        dev_old = np.inf
        for _ in range(maxiter):
            beta, parts = solve(mu, mu * (eta - offset) + (y - mu))
            eta = X @ beta + offset
            mu = np.exp(eta)
            with np.errstate(divide="ignore", invalid="ignore"):
                dev = 2 * np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu))
            if abs(dev - dev_old) <= tol * (abs(dev) + tol):  # statsmodels' convergence rule
                break
            dev_old = dev
        if ab is not None:
            _, parts = ab.solve(mu, np.zeros(n))  # the blocks at the final mean
        else:
            parts = (X.T @ X.multiply(mu[:, None]).tocsr()).toarray()
    resid = y - mu
    _, inv = np.unique(np.asarray(groups), return_inverse=True)
    G = int(inv.max()) + 1 if len(inv) else 0
    if ab is None:
        unit = np.zeros((k, len(idx)))
        unit[idx, np.arange(len(idx))] = 1.0
        bread = solve_psd(parts, unit).T  # rows idx of (X'WX)^-1
        half = bread @ cluster_sums(X.multiply(resid[:, None]), groups).T
    else:
        bread_B, bread_A = ab.bread_rows(idx, parts)
        scores_B = cluster_sums(ab.B.multiply(resid[:, None]), groups)
        scores_A = sp.csr_matrix((resid[ab.rows], (inv[ab.rows], ab.code)), shape=(G, ab.m))
        half = bread_B @ scores_B.T + (scores_A @ bread_A.T).T
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
