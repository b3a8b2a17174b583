"""Poisson and negative binomial (NB2) fits with an offset, and the over-dispersion test that chooses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis._lazy import lazy_attr, lazy_module
from analysis.stats.counts.prepare import Design

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
optimize, stats = lazy_module("scipy.optimize"), lazy_module("scipy.stats")
gammaln = lazy_attr("scipy.special", "gammaln")
digamma = lazy_attr("scipy.special", "digamma")
sm_families = lazy_module("statsmodels.genmod.families")
GLM = lazy_attr("statsmodels.genmod.generalized_linear_model", "GLM")

# Below this alpha the NB is a Poisson for any practical purpose (variance inflation < 1e-6 * mu^2).
ALPHA_FLOOR = 1e-8
ALPHA_CEILING = 1e3  # variance 1,000 mu^2: far past any ward's counts


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
    """Poisson GLM with log(exposure) offset: statsmodels' fit, started where a bare numpy IRLS from statsmodels' own
    start has converged (`_irls`). Its rule is strict (stop when the deviance changes by at most 1e-10), so it
    ends at the same estimates to rounding, after one or two of its iterations instead of six to nine."""
    X = d.X.to_numpy(float)
    start, _ = _irls(X, d.y, d.offset, 0.0, np.log((d.y + d.y.mean()) / 2))  # statsmodels' Poisson.starting_mu
    model = GLM(d.y, d.X, family=sm_families.Poisson(), offset=d.offset)
    res = model.fit(start_params=start if np.all(np.isfinite(start)) else None, tol=1e-10, maxiter=200)
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


def _irls(
    X: np.ndarray, y: np.ndarray, offset: np.ndarray, alpha: float, eta: np.ndarray, tol: float = 1e-10, maxiter=200
) -> tuple[np.ndarray, np.ndarray]:
    """(beta, mu) of the NB2 log-link GLM at fixed alpha (alpha 0: Poisson) by IRLS from the linear predictor `eta`,
    until no coefficient moves by more than `tol` (relative, or absolute below 1). Not finite when a step fails.

    Bare numpy: the profile search refits about ten times, and statsmodels' GLM costs several times more per step.
    Stopping on the coefficients needs no deviance (two logarithms a row), and a start at a neighbouring alpha's
    estimates stops after one step."""
    beta = np.full(X.shape[1], np.nan)
    mu = np.exp(eta)
    for _ in range(maxiter):
        w = mu / (1 + alpha * mu)
        Xw = X * w[:, None]
        try:
            new = np.linalg.solve(X.T @ Xw, Xw.T @ (eta - offset + (y - mu) / mu))
        except np.linalg.LinAlgError:
            return np.full_like(beta, np.nan), np.full_like(mu, np.nan)
        eta = X @ new + offset
        mu = np.exp(eta)
        done = bool(np.all(np.abs(new - beta) <= tol * np.maximum(1.0, np.abs(new))))
        beta = new
        if done:
            break
    return beta, mu


def _score_of(y: np.ndarray):
    """d loglik / d log(alpha) of the NB2 at fixed mu, for one y at many alphas.

    With theta = 1 / alpha it is -theta * sum(psi(y + theta) - psi(theta) - log(1 + alpha mu) + (mu - y) / (theta + mu)).
    For counts psi(y + theta) - psi(theta) is the finite sum of 1 / (theta + k) over k < y, which keeps every term
    exact as alpha runs to 0 (the terms are O(alpha) and cancel to O(alpha^2) there)."""
    values, back = np.unique(y, return_inverse=True)
    counts = bool(values.size) and values[0] >= 0 and values[-1] <= 1e6 and np.array_equal(values, np.round(values))
    top = int(values[-1]) if counts else 0

    def score(mu: np.ndarray, alpha: float) -> float:
        theta = 1.0 / alpha
        if counts:
            steps = np.concatenate([[0.0], np.cumsum(1.0 / (theta + np.arange(top)))])
            psi_gap = steps[values.astype(np.int64)]
        else:
            psi_gap = digamma(values + theta) - digamma(theta)
        return float(-theta * np.sum(psi_gap[back] - np.log1p(alpha * mu) + (mu - y) / (theta + mu)))

    return score


def profile_alpha(refit, y: np.ndarray, mu0: np.ndarray) -> float:
    """The alpha in [ALPHA_FLOOR, ALPHA_CEILING] that maximises the NB2 profile likelihood.

    `refit(alpha)` returns the fitted means with beta refitted at that alpha (each caller warm-starts it from the
    last). The maximum is where the likelihood's slope in log alpha (beta held at its fit: at the fit the slope in
    beta is 0) is zero: that root is bracketed by stepping out from the moment estimate
    sum((y - mu)^2 - mu) / sum(mu^2) at the Poisson means `mu0`, and found by Brent's root finder to 1e-12 in
    log alpha, in about ten refits. A slope of the same sign at a bound puts alpha at that bound. The slope is
    exact where the likelihood is flat near its maximum, so the root does not wander with rounding as a search
    on the likelihood's value does. Should a refit fail (a slope not finite), the bounded search on the
    likelihood's value (`_search_by_value`) decides."""
    score = _score_of(y)
    lo, hi = float(np.log(ALPHA_FLOOR)), float(np.log(ALPHA_CEILING))
    seen: dict[float, float] = {}

    def slope(log_alpha: float) -> float:
        if log_alpha not in seen:
            a = float(np.exp(log_alpha))
            seen[log_alpha] = score(refit(a), a)
        return seen[log_alpha]

    with np.errstate(all="ignore"):
        spread = float(np.sum(mu0**2))
        moment = float(np.sum((y - mu0) ** 2 - mu0)) / spread if spread > 0 else 0.0
    x = min(max(np.log(moment), lo), hi) if np.isfinite(moment) and moment > 0 else float(np.log(1e-4))
    gx, step = slope(x), 0.5
    if gx == 0:
        return float(np.exp(x))
    while np.isfinite(gx):
        x1 = min(max(x + (step if gx > 0 else -step), lo), hi)
        g1 = slope(x1)
        if not np.isfinite(g1):
            break
        if (g1 > 0) != (gx > 0):
            a, b = sorted((x, x1))
            return float(np.exp(optimize.brentq(slope, a, b, xtol=1e-12, maxiter=200)))
        if x1 in (lo, hi):
            return ALPHA_FLOOR if x1 == lo else ALPHA_CEILING
        x, gx, step = x1, g1, 2 * step
    return _search_by_value(refit, y)


def _search_by_value(refit, y: np.ndarray) -> float:
    """The bounded search over log alpha on minus the profile log-likelihood (used when a refit fails)."""
    loglik = _loglik_of(y)

    def negll(log_alpha: float) -> float:
        a = float(np.exp(log_alpha))
        return -loglik(refit(a), a)

    lo, hi = np.log(ALPHA_FLOOR), np.log(ALPHA_CEILING)
    opt = optimize.minimize_scalar(negll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-9, "maxiter": 500})
    return float(np.exp(opt.x))


def fit_negbin(d: Design, start=None) -> Fit:
    """NB2 by maximum likelihood: alpha maximises the profile likelihood (beta refitted at each alpha,
    `profile_alpha`), then statsmodels' GLM at that alpha, started from the search's estimates there.

    This is what MASS::glm.nb converges to; the final GLM at the chosen alpha gives the same
    coefficients and the same (expected-information) standard errors as R.
    """
    if start is None:
        start = fit_poisson(d).glm.params.to_numpy()
    X = d.X.to_numpy(float)
    start = np.asarray(start, float)
    last = {"beta": start}

    def refit(alpha: float) -> np.ndarray:
        beta, mu = _irls(X, d.y, d.offset, alpha, X @ last["beta"] + d.offset)  # warm: from the last alpha's fit
        if np.all(np.isfinite(beta)):
            last["beta"] = beta
        return mu

    alpha = profile_alpha(refit, d.y, np.exp(X @ start + d.offset))
    refit(alpha)
    res = _glm_nb(d, alpha, last["beta"])
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
