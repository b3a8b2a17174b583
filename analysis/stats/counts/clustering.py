"""Standard errors that respect ward clustering: CR1 sandwich with a t(G-1) reference, and GEE.

CR1 is the cluster-robust sandwich scaled by G/(G-1) x (N-1)/(N-K), the same as R's
sandwich::vcovCL(fit, cluster = ~ward_id, type = "HC1"). With few wards (10 to 20) the normal
reference is too optimistic, so confidence intervals and p-values use a t distribution with
G-1 degrees of freedom. GEE uses its robust (sandwich) errors with the same t(G-1) reference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.stats.counts.prepare import Design


def cluster_vcov(glm_res, groups: np.ndarray) -> np.ndarray:
    """CR1 cluster-robust covariance of a GLM fit (scale fixed at 1, as for Poisson and NB)."""
    scores = np.asarray(glm_res.model.score_obs(np.asarray(glm_res.params, dtype=float), scale=1.0))
    bread = np.asarray(glm_res.cov_params()) / float(glm_res.scale)
    n, k = scores.shape
    S = cluster_sums(scores, groups)
    G = S.shape[0]
    adj = (G / (G - 1)) * ((n - 1) / (n - k))
    return adj * bread @ (S.T @ S) @ bread


def cluster_sums(scores: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per-cluster column sums of the scores (G x k), one bincount per column instead of a loop over clusters."""
    _, inv = np.unique(np.asarray(groups), return_inverse=True)
    G = int(inv.max()) + 1 if len(inv) else 0
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


def tidy(
    params: pd.Series, vcov: np.ndarray, df: float | None, predictor_terms: dict[str, str], per: float
) -> pd.DataFrame:
    """Tidy estimates: log scale with CI and p-value, plus rate ratios (per `per` points for co-production)."""
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    est = params.to_numpy(float)
    q = stats.t.ppf(0.975, df) if df else stats.norm.ppf(0.975)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    p = 2 * (stats.t.sf(np.abs(z), df) if df else stats.norm.sf(np.abs(z)))
    out = pd.DataFrame(
        {
            "term": list(params.index),
            "estimate": est,
            "std_error": se,
            "ci_low": est - q * se,
            "ci_high": est + q * se,
            "p_value": p,
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
