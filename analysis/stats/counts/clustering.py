"""Standard errors that respect ward clustering: CR2 or CR1 sandwiches with their degrees of freedom, and GEE.

Below `CR2_BELOW` wards (30) the default is CR2, the bias-reduced cluster-robust sandwich of Bell and
McCaffrey (2002), with Satterthwaite degrees of freedom for each coefficient and each combination of
them (Pustejovsky and Tipton 2018): the same as R's clubSandwich::coef_test(fit, vcov = "CR2",
test = "Satterthwaite"). Each ward's residuals are scaled up by about (I - H_gg)^(-1/2), undoing the
shrinkage a ward's own influence on the fit causes, and the degrees of freedom say how many wards'
worth of information an estimate really rests on (fewer than G-1 when a few wards dominate it, as for
a ward-level term). From 30 wards CR1 is used, the sandwich scaled by G/(G-1) x (N-1)/(N-K) (R's
sandwich::vcovCL(fit, cluster = ~ward_id, type = "HC1")), where the two agree closely and CR1 is far
cheaper with hundreds of wards, still with Satterthwaite degrees of freedom: with t(G-1) the
between-ward interval held the truth in only 90% of simulated 30-ward hospitals, because a ward-level
term rests on about a third of the wards' worth of information (benchmarks/coverage.py prints the study
at 6 to 30 wards). cluster_se="CR1" gives the classic CR1 with t(G-1) for comparison. GEE uses its robust
(sandwich) errors with t(G-1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._lazy import lazy_module
from analysis.stats.counts.prepare import Design
from analysis.stats.counts.spec import CLUSTER_SE
from analysis.stats.grouping import group_codes

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
stats = lazy_module("scipy.stats")


def cluster_vcov(glm_res, groups: np.ndarray) -> np.ndarray:
    """CR1 cluster-robust covariance of a GLM fit (scale fixed at 1, as for Poisson and NB)."""
    scores = np.asarray(glm_res.model.score_obs(np.asarray(glm_res.params, dtype=float), scale=1.0))
    bread = np.asarray(glm_res.cov_params()) / float(glm_res.scale)
    n, k = scores.shape
    S = cluster_sums(scores, groups)
    G = S.shape[0]
    adj = (G / (G - 1)) * ((n - 1) / (n - k))
    return adj * bread @ (S.T @ S) @ bread


CR2_BELOW = 30  # wards: CR2 with Satterthwaite df below this, CR1 with t(G-1) from here up


@dataclass(frozen=True)
class ClusterErrors:
    """A covariance of the coefficients, what it is, and the degrees of freedom of any combination of them.

    vcov : the covariance matrix (K x K); kind : "CR2", "CR1", "GEE" or "model";
    df_of : function of a contrast vector c (length K) -> the t reference's degrees of freedom for c'beta
        (None: a normal reference); df_method : "Satterthwaite" or "G-1" (or "" for a normal reference).
    """

    vcov: np.ndarray
    kind: str
    df_of: Callable[[np.ndarray], float | None]
    df_method: str = "Satterthwaite"

    def df(self, c: np.ndarray) -> float | None:
        """Degrees of freedom for the combination c'beta (a coefficient when c is a unit vector)."""
        return self.df_of(np.asarray(c, float))

    def term_df(self) -> np.ndarray:
        """Degrees of freedom of each coefficient (NaN for a normal reference)."""
        k = self.vcov.shape[0]
        out = [self.df(np.eye(k)[j]) for j in range(k)]
        return np.array([np.nan if v is None else v for v in out], float)


def cluster_errors(glm_res, groups: np.ndarray, choice: str = "auto", fixed_effects: bool = False) -> ClusterErrors:
    """Cluster-robust errors by ward for a Poisson or NB2 GLM fit, as `choice` says.

    "auto": CR2 with Satterthwaite degrees of freedom below `CR2_BELOW` wards; from there CR1 with
    Satterthwaite degrees of freedom (t(G-1) with ward fixed effects, where every ward-level term is absorbed
    and the design has a column per ward). "CR2": CR2, Satterthwaite. "CR1": CR1 with t(G-1), the classic
    choice (R's sandwich::vcovCL type "HC1" with a t(G-1) reference), kept for comparison.
    """
    if choice not in CLUSTER_SE:
        raise ValueError(f"cluster_se must be one of {CLUSTER_SE}")
    G = group_codes(groups)[1]
    if choice == "CR2" or (choice == "auto" and G < CR2_BELOW):
        return cr2(glm_res, groups)
    V = cluster_vcov(glm_res, groups)
    if choice == "CR1" or fixed_effects:
        return ClusterErrors(V, "CR1", lambda c: float(G - 1), "G-1")
    return ClusterErrors(V, "CR1", _working_model(glm_res, groups).cr1_df, "Satterthwaite")


def _inverse_sqrt_psd(B: np.ndarray, tol: float = 1e-12, rel: float = 1e-10) -> np.ndarray:
    """B^(-1/2) of a symmetric positive semi-definite matrix; eigenvalues at or under `tol`, or under `rel` times
    the largest, give 0 (a pseudo-inverse, as clubSandwich's matrix_power, for a ward whose own fixed effect fits
    it exactly). Relative too: such a null eigenvalue is rounding of the size of the largest times 1e-14 (7e-12 for
    a ward of 26 months at 45 wards), which an absolute 1e-12 took for a real one."""
    vals, vecs = np.linalg.eigh(B)
    inv = np.zeros_like(vals)
    keep = vals > max(tol, rel * float(vals.max(initial=0.0)))
    inv[keep] = vals[keep] ** -0.5
    return (vecs * inv) @ vecs.T


@dataclass(frozen=True)
class _WorkingModel:
    """A GLM fit in clubSandwich's terms: U = diag(dmu/deta) X, v = V(mu) (the working variance,
    Theta = diag(v), weights W = diag(1/v)), r = y - mu, M = (U'WU)^-1, ward codes and row order by ward."""

    U: np.ndarray
    v: np.ndarray
    r: np.ndarray
    M: np.ndarray
    codes: np.ndarray
    G: int

    def wards(self) -> list[np.ndarray]:
        order = np.argsort(self.codes, kind="stable")
        return np.split(order, np.flatnonzero(np.diff(self.codes[order])) + 1)

    def cr1_df(self, c: np.ndarray) -> float:
        """Satterthwaite degrees of freedom of c'beta for a sandwich whose adjustment is one number for every
        ward (CR0, CR1: the number cancels), without a loop over wards: clubSandwich's
        coef_test(fit, vcov = "CR1", test = "Satterthwaite")."""
        w = self.M @ c
        z = self.U @ w / self.v  # row i: U_i' W_i M c
        diag = np.bincount(self.codes, weights=z * (self.U @ w), minlength=self.G)
        Q = np.column_stack(
            [np.bincount(self.codes, weights=self.U[:, j] * z, minlength=self.G) for j in range(self.U.shape[1])]
        )
        return _df_from(diag, Q, self.M)


DENSE_BELOW = 500  # wards: below this P is built (at most 2 MB); from here its trace and norm come from Q'Q


def _df_from(diag: np.ndarray, Q: np.ndarray, M: np.ndarray) -> float:
    """(tr P)^2 / ||P||_F^2 with P = diag(diag) - Q M Q': Satterthwaite under the working model.

    From `DENSE_BELOW` wards P (G x G: 25 million cells at 5,000 wards) is never built: with R = Q M Q'
    (M symmetric), tr P = sum(diag) - sum_g R_gg and ||P||_F^2 = sum(diag^2) - 2 sum_g diag_g R_gg + tr(M A M A),
    A = Q'Q (||R||_F^2 = tr(R R') = tr(M Q'Q M Q'Q)): the same figure in O(G K^2). Below it, and when P is so
    near zero that the difference would lose its digits, the definition (`_df_from_dense`) decides."""
    if len(diag) < DENSE_BELOW:
        return _df_from_dense(diag, Q, M)
    QM = Q @ M
    r_diag = np.einsum("gk,gk->g", QM, Q)
    MA = M @ (Q.T @ Q)
    trace = np.sum(diag) - np.sum(r_diag)
    both = diag @ diag + np.sum(MA * MA.T)
    frobenius = both - 2 * (diag @ r_diag)
    if not frobenius > 1e-9 * both:
        return _df_from_dense(diag, Q, M)
    return float(trace**2 / frobenius)


def _df_from_dense(diag: np.ndarray, Q: np.ndarray, M: np.ndarray) -> float:
    """`_df_from` by its definition, building the G x G matrix P (for the tests)."""
    P = np.diag(diag) - Q @ M @ Q.T
    return float(np.trace(P) ** 2 / np.sum(P * P))


def _working_model(glm_res, groups: np.ndarray) -> _WorkingModel:
    model = glm_res.model
    X = np.asarray(model.exog, float)
    beta = np.asarray(glm_res.params, float)
    offset = getattr(model, "offset", None)
    eta = X @ beta + (np.asarray(offset, float) if offset is not None else 0.0)
    mu = model.family.link.inverse(eta)
    v = model.family.variance(mu)
    U = X * model.family.link.inverse_deriv(eta)[:, None]
    M = np.linalg.inv(U.T @ (U / v[:, None]))
    codes, G = group_codes(groups)
    return _WorkingModel(U, v, np.asarray(model.endog, float) - mu, M, codes, G)


def cr2(glm_res, groups: np.ndarray) -> ClusterErrors:
    """CR2 (Bell-McCaffrey) covariance of a GLM fit by ward, with Satterthwaite degrees of freedom.

    As clubSandwich builds it for a glm (working model: the family's own variance, inverse-variance
    weights): U = diag(dmu/deta) X, W = diag(1 / V(mu)), Theta = diag(V(mu)), r = y - mu and
    M = (U'WU)^-1. Each ward's adjustment is A_g = D_g B_g^(-1/2) D_g with D_g = Theta_g^(1/2) and
    B_g = D_g (Theta_g - U_g M U_g') D_g (a pseudo-inverse root when B_g is singular, as with a ward's own
    fixed effect), so that A_g E[r_g r_g'] A_g = Theta_g under the working model; then
    V = M [sum_g U_g' W_g A_g r_g r_g' A_g W_g U_g] M. The degrees of freedom of c'beta are
    (tr P)^2 / ||P||_F^2 with P_gh = [g = h] c'S_g Theta_g S_g'c - (U_g'S_g'c)' M (U_h'S_h'c), where
    S_g = M U_g' W_g A_g: Satterthwaite under the working model (clubSandwich's coef_test and
    linear_contrast). The scale is fixed at 1 (Poisson and NB2), as clubSandwich does for these families.
    """
    wm = _working_model(glm_res, groups)
    U, v, r, M = wm.U, wm.v, wm.r, wm.M
    K = U.shape[1]
    meat = np.zeros((K, K))
    S_theta_S, US = [], []  # per ward: S_g Theta_g S_g' (K x K) and U_g' S_g' (K x K)
    for rows in wm.wards():
        Ug, d = U[rows], np.sqrt(v[rows])
        B = d[:, None] * (np.diag(v[rows]) - Ug @ M @ Ug.T) * d[None, :]
        A = d[:, None] * _inverse_sqrt_psd(B) * d[None, :]
        S = M @ (Ug / v[rows, None]).T @ A  # K x n_g
        c = (Ug / v[rows, None]).T @ (A @ r[rows])
        meat += np.outer(c, c)
        S_theta_S.append((S * v[rows]) @ S.T)
        US.append(Ug.T @ S.T)
    V = M @ meat @ M
    STS, USt = np.array(S_theta_S), np.array(US)

    def df_of(c: np.ndarray) -> float:
        return _df_from(np.einsum("i,gij,j->g", c, STS, c), USt @ c, M)

    return ClusterErrors(V, "CR2", df_of)


def cluster_sums(scores: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per-cluster column sums of the scores (G x k), one bincount per column instead of a loop over clusters."""
    inv, G = group_codes(groups)
    return np.column_stack([np.bincount(inv, weights=scores[:, j], minlength=G) for j in range(scores.shape[1])])


def model_vcov(glm_res) -> np.ndarray:
    return np.asarray(glm_res.cov_params())


def fit_gee(d: Design, family: str, alpha: float):
    """GEE with exchangeable working correlation by ward; NB family uses alpha from the NB fit, held fixed."""
    # imported here: GEE is a researcher's option, and its module is a tenth of a second at start-up
    from statsmodels.genmod import cov_struct
    from statsmodels.genmod import families as sm_families
    from statsmodels.genmod.generalized_estimating_equations import GEE

    fam = sm_families.Poisson() if family == "poisson" else sm_families.NegativeBinomial(alpha=alpha)
    model = GEE(d.y, d.X, groups=d.groups, family=fam, offset=d.offset, cov_struct=cov_struct.Exchangeable())
    return model.fit(maxiter=200, params_niter=1, ctol=1e-10, ddof_scale=0)


def reference_quantile(df: float | None, level: float = 0.95) -> float:
    """The two-sided critical value: t with `df` degrees of freedom, or the normal when df is None or NaN."""
    if df is None or not np.isfinite(df):
        return float(stats.norm.ppf(0.5 + level / 2))
    return float(stats.t.ppf(0.5 + level / 2, df))


def tidy(params: pd.Series, vcov: np.ndarray, df, predictor_terms: dict[str, str], per: float) -> pd.DataFrame:
    """Tidy estimates: log scale with CI and p-value, plus rate ratios (per `per` points for co-production).

    `df` is one number for every term, one per term, or None for a normal reference; it is kept as the
    column `df` (NaN for a normal reference) so the degrees of freedom behind each interval are shown.
    """
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    est = params.to_numpy(float)
    dfs = np.broadcast_to(np.asarray(np.nan if df is None else df, float), est.shape).copy()
    q = np.array([reference_quantile(v) for v in dfs])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    normal = ~np.isfinite(dfs)
    p = np.where(normal, 2 * stats.norm.sf(np.abs(z)), 2 * stats.t.sf(np.abs(z), np.where(normal, 1.0, dfs)))
    out = pd.DataFrame(
        {
            "term": list(params.index),
            "estimate": est,
            "std_error": se,
            "ci_low": est - q * se,
            "ci_high": est + q * se,
            "p_value": p,
            "df": dfs,
        }
    )
    out["rate_ratio"] = np.exp(out["estimate"])
    out["rr_ci_low"] = np.exp(out["ci_low"])
    out["rr_ci_high"] = np.exp(out["ci_high"])
    out["unit"] = [
        f"per {per:g} points" if t in predictor_terms else ("baseline rate per bed day" if t == "const" else "per unit")
        for t in out["term"]
    ]
    return out
