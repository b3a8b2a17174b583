"""Poisson and NB2 fits with a ward intercept per ward, the ward block absorbed (see `absorbed`): the IRLS steps
on the terms' within-ward deviations, statsmodels' start and convergence rule, and the negative binomial's alpha by
the same profile search as the full fit (`families.profile_alpha`)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from analysis._lazy import lazy_module
from analysis.stats.counts.families import nb_loglik, profile_alpha

# statsmodels is imported on first use (analysis._lazy): a page drawn from kept answers needs none of it
sm_families = lazy_module("statsmodels.genmod.families")

TOL, MAXITER = 1e-10, 200  # as fit_poisson and _glm_nb call statsmodels' GLM.fit


def ward_means(A: np.ndarray, codes: np.ndarray, G: int, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Weighted ward means of each column of A (G x K, or G for a vector), each ward's summed weight (G))."""
    W = np.bincount(codes, weights=w, minlength=G)
    if A.ndim == 1:
        return np.bincount(codes, weights=w * A, minlength=G) / W, W
    sums = np.column_stack([np.bincount(codes, weights=w * A[:, j], minlength=G) for j in range(A.shape[1])])
    return sums / W[:, None], W


def within(A: np.ndarray, codes: np.ndarray, G: int, w: np.ndarray) -> np.ndarray:
    """A less its weighted ward means (each row's deviation from its own ward's weighted mean)."""
    means, _ = ward_means(A, codes, G, w)
    return A - means[codes]


@dataclass
class AbsorbedFit:
    """A Poisson or NB2 fit with ward intercepts: `beta` (the terms, K), `ward_effect` (each ward's intercept on
    the log scale, G), `mu`, `alpha` (0 for Poisson), `llf`, `k` (parameters counted for AIC: terms, wards and
    NB's alpha), `bread_weights` (the IRLS weights of the last step, from which statsmodels' covariance comes),
    `pearson_chi2` and `df_resid` (as statsmodels' GLMResults), `converged`."""

    family: str
    beta: np.ndarray
    ward_effect: np.ndarray
    mu: np.ndarray
    alpha: float
    llf: float
    k: int
    bread_weights: np.ndarray
    pearson_chi2: float
    df_resid: float
    converged: bool = True

    @property
    def aic(self) -> float:
        return -2 * self.llf + 2 * self.k

    @property
    def glm(self) -> SimpleNamespace:
        """The two figures `dispersion_test` reads from a statsmodels fit."""
        return SimpleNamespace(pearson_chi2=self.pearson_chi2, df_resid=self.df_resid)


def _step(Z, y, offset, codes, G, alpha, eta, mu):
    """One IRLS step with the ward intercepts absorbed: (beta, ward intercepts, weights used)."""
    w = mu / (1 + alpha * mu)
    t = eta - offset + (y - mu) / mu
    zbar, _ = ward_means(Z, codes, G, w)
    tbar, _ = ward_means(t, codes, G, w)
    Zt = Z - zbar[codes]
    Zw = Zt * w[:, None]
    # einsum, not BLAS: with a handful of columns BLAS's threads cost more than the sums (and spin on a busy machine)
    beta = np.linalg.solve(np.einsum("ij,ik->jk", Zw, Zt), np.einsum("ij,i->j", Zw, t - tbar[codes]))
    return beta, tbar - np.einsum("gk,k->g", zbar, beta), w


def _linear(Z: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Z @ beta as a sum over the few columns (see `_step`)."""
    return np.einsum("ij,j->i", Z, beta)


def _irls(Z, y, offset, codes, G, alpha, eta, mu, absolute: bool, tol=TOL, maxiter=MAXITER):
    """IRLS from (eta, mu). absolute=True: statsmodels' rule (stop when the deviance changes by at most tol,
    the first deviance that of the start); False: `families._irls`'s (no coefficient, ward intercepts included,
    moves by more than tol, relative or absolute below 1)."""
    family = sm_families.Poisson() if alpha == 0 else sm_families.NegativeBinomial(alpha=alpha)
    dev_old = float(family.deviance(y, mu)) if absolute else np.inf
    beta, a, w, converged = np.full(Z.shape[1], np.nan), np.full(G, np.nan), mu, False
    for _ in range(maxiter):
        old = np.concatenate([beta, a])
        try:
            beta, a, w = _step(Z, y, offset, codes, G, alpha, eta, mu)
        except np.linalg.LinAlgError:
            nan = np.full_like(mu, np.nan)
            return np.full(Z.shape[1], np.nan), np.full(G, np.nan), nan, nan, w, False
        eta = a[codes] + _linear(Z, beta) + offset
        mu = np.exp(eta)
        if absolute:
            dev = float(family.deviance(y, mu))
            done = abs(dev - dev_old) <= tol
            dev_old = dev
        else:
            new = np.concatenate([beta, a])
            done = bool(np.all(np.abs(new - old) <= tol * np.maximum(1.0, np.abs(new))))
        if done:
            converged = True
            break
    return beta, a, eta, mu, w, converged


def _finish(family: str, Z, y, codes, G, beta, a, mu, w, alpha, llf, converged) -> AbsorbedFit:
    K = Z.shape[1]
    return AbsorbedFit(
        family=family,
        beta=beta,
        ward_effect=a,
        mu=mu,
        alpha=alpha,
        llf=llf,
        k=K + G + (family == "negbin"),
        bread_weights=w,
        pearson_chi2=float(np.sum((y - mu) ** 2 / (mu + alpha * mu**2))),
        df_resid=float(len(y) - K - G),
        converged=converged,
    )


def fit_poisson_absorbed(Z: np.ndarray, y: np.ndarray, offset: np.ndarray, codes: np.ndarray, G: int) -> AbsorbedFit:
    """Poisson with log(exposure) `offset`, a ward intercept per ward (codes 0..G-1) and the terms Z (no constant):
    `families.fit_poisson` on the design with ward indicators, without them."""
    mu = (y + y.mean()) / 2  # statsmodels' start (Poisson.starting_mu); then its rule from where that converged
    _, _, eta, mu, _, _ = _irls(Z, y, offset, codes, G, 0.0, np.log(mu), mu, absolute=False)
    beta, a, eta, mu, w, ok = _irls(Z, y, offset, codes, G, 0.0, eta, mu, absolute=True)
    llf = float(sm_families.Poisson().loglike(y, mu))
    return _finish("poisson", Z, y, codes, G, beta, a, mu, w, 0.0, llf, ok)


def fit_negbin_absorbed(
    Z: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray,
    codes: np.ndarray,
    G: int,
    start: AbsorbedFit | None = None,
    alpha: float | None = None,
) -> AbsorbedFit:
    """NB2 by maximum likelihood with ward intercepts: `families.fit_negbin` (the same profile search,
    `families.profile_alpha`, each alpha's IRLS warm-started from the last; then statsmodels' rule at the chosen
    alpha from the search's fit there), without the ward indicators. `alpha` given: no search, the fit at that
    alpha from the Poisson estimates.

    The search finds the root of the likelihood's slope, which rounding barely moves, so the two fits' alphas
    agree to about 1e-10 (relative); at the same alpha every figure agrees to rounding."""
    if start is None:
        start = fit_poisson_absorbed(Z, y, offset, codes, G)
    last = {"beta": start.beta, "a": start.ward_effect}

    def refit(alpha: float) -> np.ndarray:
        eta = last["a"][codes] + _linear(Z, last["beta"]) + offset
        beta, a, _, mu, _, _ = _irls(Z, y, offset, codes, G, alpha, eta, np.exp(eta), absolute=False)
        if np.all(np.isfinite(beta)) and np.all(np.isfinite(a)):
            last["beta"], last["a"] = beta, a
        return mu

    if alpha is None:
        alpha = profile_alpha(refit, y, start.mu)
    refit(float(alpha))
    eta = last["a"][codes] + _linear(Z, last["beta"]) + offset  # statsmodels' rule from the search's fit there
    beta, a, eta, mu, w, ok = _irls(Z, y, offset, codes, G, alpha, eta, np.exp(eta), absolute=True)
    return _finish("negbin", Z, y, codes, G, beta, a, mu, w, float(alpha), nb_loglik(y, mu, alpha), ok)
