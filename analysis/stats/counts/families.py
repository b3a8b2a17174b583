"""Poisson and negative binomial (NB2) fits with an offset, and the over-dispersion test that chooses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis._lazy import lazy_attr, lazy_module
from analysis.stats.counts.prepare import Design

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
optimize, stats = lazy_module("scipy.optimize"), lazy_module("scipy.stats")
gammaln = lazy_attr("scipy.special", "gammaln")
sm_families = lazy_module("statsmodels.genmod.families")
GLM = lazy_attr("statsmodels.genmod.generalized_linear_model", "GLM")

# Below this alpha the NB is a Poisson for any practical purpose (variance inflation < 1e-6 * mu^2).
ALPHA_FLOOR = 1e-8


@dataclass
class Fit:
    family: str  # "poisson" or "negbin"
    glm: object  # statsmodels GLMResults at the final alpha (NB: alpha held fixed, as MASS::glm.nb)
    alpha: float  # 0 for Poisson; NB2 variance = mu + alpha * mu^2 (R's theta = 1 / alpha)
    llf: float
    k: int  # parameters counted for AIC (NB includes alpha)

    @property
    def aic(self) -> float:
        return -2 * self.llf + 2 * self.k

    @property
    def mu(self) -> np.ndarray:
        return np.asarray(self.glm.fittedvalues)


def fit_poisson(d: Design) -> Fit:
    res = GLM(d.y, d.X, family=sm_families.Poisson(), offset=d.offset).fit(tol=1e-10, maxiter=200)
    return Fit("poisson", res, 0.0, float(res.llf), d.X.shape[1])


def nb_loglik(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """Full NB2 log-likelihood (the same quantity as R's logLik for glm.nb)."""
    theta = 1.0 / alpha
    return float(
        np.sum(
            gammaln(y + theta)
            - gammaln(theta)
            - gammaln(y + 1)
            + theta * np.log(theta / (theta + mu))
            + y * np.log(mu / (theta + mu))
        )
    )


def _loglik_of(y: np.ndarray):
    """`nb_loglik` for one y at many alphas (the profile search's ~20): the same sum, bit for bit, with the
    log-gamma terms in y worked out once per distinct count (a few dozen) instead of once per ward-month."""
    values, back = np.unique(y, return_inverse=True)
    log_y_factorial = gammaln(values + 1)[back]

    def loglik(mu: np.ndarray, alpha: float) -> float:
        theta = 1.0 / alpha
        return float(
            np.sum(
                gammaln(values + theta)[back]
                - gammaln(theta)
                - log_y_factorial
                + theta * np.log(theta / (theta + mu))
                + y * np.log(mu / (theta + mu))
            )
        )

    return loglik


def _glm_nb(d: Design, alpha: float, start=None):
    fam = sm_families.NegativeBinomial(alpha=alpha)
    return GLM(d.y, d.X, family=fam, offset=d.offset).fit(start_params=start, tol=1e-10, maxiter=200)


def _irls_nb(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray,
    alpha: float,
    beta: np.ndarray,
    tol: float = 1e-10,
    maxiter: int = 200,
) -> tuple[np.ndarray, np.ndarray]:
    """NB2 log-link IRLS at fixed alpha from `beta` (statsmodels' rule: relative change in deviance <= tol).

    The linear predictor and mean at the end of one iteration are the next one's start, and the deviance's terms
    in y alone are worked out once (the same numbers, computed once instead of every iteration)."""
    dev_old = np.inf
    positive, y_theta, one_ay = y > 0, y + 1 / alpha, 1 + alpha * y
    eta = X @ beta + offset
    mu = np.exp(eta)
    for _ in range(maxiter):
        w = mu / (1 + alpha * mu)
        Xw = X * w[:, None]
        try:
            beta = np.linalg.solve(X.T @ Xw, Xw.T @ (eta - offset + (y - mu) / mu))
        except np.linalg.LinAlgError:
            return np.full_like(beta, np.nan), np.full_like(mu, np.nan)
        eta = X @ beta + offset
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = np.where(positive, y * np.log(y / mu), 0.0)
        dev = 2 * np.sum(t1 - y_theta * np.log(one_ay / (1 + alpha * mu)))
        if abs(dev - dev_old) <= tol * (abs(dev) + tol):
            break
        dev_old = dev
    return beta, mu


def fit_negbin(d: Design, start=None) -> Fit:
    """NB2 by maximum likelihood: alpha maximises the profile likelihood (beta refitted by IRLS at each alpha).

    This is what MASS::glm.nb converges to; the final GLM at the chosen alpha gives the same
    coefficients and the same (expected-information) standard errors as R.
    """
    if start is None:
        start = fit_poisson(d).glm.params.to_numpy()
    X = d.X.to_numpy(float)
    last = {"beta": np.asarray(start, float)}
    loglik = _loglik_of(d.y)

    def negll(log_alpha: float) -> float:
        # A bare numpy IRLS, warm-started from the previous alpha's beta: the profile search needs ~20 fits
        # and building a statsmodels GLM each time cost 85% of fit_counts. The final fit below stays GLM.
        a = float(np.exp(log_alpha))
        beta, mu = _irls_nb(X, d.y, d.offset, a, last["beta"])
        if np.all(np.isfinite(beta)):
            last["beta"] = beta
        return -loglik(mu, a)

    # A moment guess brackets the search; the bounded search is robust when alpha runs to 0.
    lo, hi = np.log(ALPHA_FLOOR), np.log(1e3)
    opt = optimize.minimize_scalar(negll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-9, "maxiter": 500})
    alpha = float(np.exp(opt.x))
    res = _glm_nb(d, alpha, start)
    return Fit("negbin", res, alpha, nb_loglik(d.y, np.asarray(res.fittedvalues), alpha), d.X.shape[1] + 1)


@dataclass
class Dispersion:
    alpha: float
    lr_statistic: float
    p_value: float  # chi-bar-squared: half the chi-square(1) tail, because alpha = 0 is on the boundary
    pearson_ratio: float  # Pearson chi-square / residual df under Poisson: about 1 when Poisson fits
    chosen: str
    reason: str

    def as_dict(self) -> dict:
        return {
            "alpha": self.alpha,
            "theta": (1 / self.alpha) if self.alpha > ALPHA_FLOOR * 10 else float("inf"),
            "lr_statistic": self.lr_statistic,
            "p_value": self.p_value,
            "pearson_ratio": self.pearson_ratio,
            "test": "likelihood-ratio test of alpha = 0 (boundary: half chi-square(1) p-value)",
        }


def dispersion_test(pois: Fit, nb: Fit, level: float = 0.05) -> Dispersion:
    lr = max(0.0, 2 * (nb.llf - pois.llf))
    p = 0.5 * stats.chi2.sf(lr, 1) if lr > 0 else 1.0
    ratio = float(pois.glm.pearson_chi2 / max(pois.glm.df_resid, 1))
    if p < level:
        chosen = "negbin"
        reason = (
            f"The counts vary more from month to month than a Poisson model allows (about {ratio:.1f} times "
            f"as much; likelihood-ratio test p {_p(p)}), so a negative binomial model was used."
        )
    else:
        chosen = "poisson"
        reason = (
            f"The counts vary about as much as a Poisson model expects (variance ratio {ratio:.1f}; "
            f"likelihood-ratio test for extra variation p {_p(p)}), so the simpler Poisson model was used."
        )
    return Dispersion(nb.alpha, lr, float(p), ratio, chosen, reason)


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"
