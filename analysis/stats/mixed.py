"""Linear model with a random intercept per ward, fitted by REML (the model lme4::lmer fits).

The variance ratio lambda = ward variance / residual variance is the only parameter that needs
a search: for a given lambda the fixed effects and residual variance have closed forms, because
each ward's covariance (I + lambda J) has a closed-form inverse. The profiled REML likelihood is
maximised over log(lambda) and at the boundary lambda = 0, so the answer is exact and fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize


@dataclass
class RandomInterceptFit:
    params: np.ndarray  # fixed effects
    ward_variance: float
    residual_variance: float
    reml_loglik: float
    converged: bool


def _sums(X: np.ndarray, y: np.ndarray, groups: np.ndarray):
    codes, inverse = np.unique(groups, return_inverse=True)
    G = len(codes)
    n_g = np.bincount(inverse, minlength=G).astype(float)
    Xs = np.zeros((G, X.shape[1]))
    np.add.at(Xs, inverse, X)
    ys = np.bincount(inverse, weights=y, minlength=G)
    return n_g, Xs, ys


def _profile(lam: float, XtX, Xty, yty, n_g, Xs, ys, N: int, p: int):
    """-REML log-likelihood at lambda, with beta and sigma^2 profiled out."""
    c = lam / (1.0 + n_g * lam)  # H_g^{-1} = I - c_g J
    A = XtX - (Xs * c[:, None]).T @ Xs
    b = Xty - (Xs * c[:, None]).T @ ys
    beta = np.linalg.solve(A, b)
    q = yty - np.sum(c * ys**2) - 2 * beta @ b + beta @ A @ beta
    sigma2 = q / (N - p)
    sign, logdet_a = np.linalg.slogdet(A)
    ll = -0.5 * ((N - p) * (np.log(2 * np.pi * sigma2) + 1) + np.sum(np.log1p(n_g * lam)) + logdet_a)
    return -ll, beta, sigma2


def fit_random_intercept(y: np.ndarray, X: np.ndarray, groups: np.ndarray) -> RandomInterceptFit:
    """REML fit of y = X beta + u_ward + e; raises ValueError when X is rank deficient."""
    y = np.asarray(y, float)
    X = np.asarray(X, float)
    N, p = X.shape
    if np.linalg.matrix_rank(X) < p:
        raise ValueError("the predictors are collinear (one is a combination of the others)")
    n_g, Xs, ys = _sums(X, y, groups)
    args = (X.T @ X, X.T @ y, y @ y, n_g, Xs, ys, N, p)
    res = optimize.minimize_scalar(
        lambda t: _profile(np.exp(t), *args)[0],
        bounds=(-25.0, 12.0),
        method="bounded",
        options={"xatol": 1e-10, "maxiter": 500},
    )
    best_t, converged = res.x, bool(res.success)
    at_zero = _profile(0.0, *args)[0]
    lam = 0.0 if at_zero <= res.fun else float(np.exp(best_t))
    nll, beta, sigma2 = _profile(lam, *args)
    return RandomInterceptFit(beta, lam * sigma2, float(sigma2), float(-nll), converged)


def gls_vcov(X: np.ndarray, groups: np.ndarray, tau2: float, sigma2: float) -> np.ndarray:
    """(X' V^-1 X)^-1 at the REML variance estimates: the fixed-effect covariance lme4 reports.

    statsmodels' MixedLM bse_fe inverts the joint Hessian of all parameters instead, which differs slightly.
    """
    # V_g = sigma2 I + tau2 J, so V_g^-1 = (I - c_g J) / sigma2 with c_g = tau2 / (sigma2 + n_g tau2).
    X = np.asarray(X, float)
    n_g, S, _ = _sums(X, np.zeros(len(X)), np.asarray(groups))
    c = tau2 / (sigma2 + n_g * tau2)
    info = (X.T @ X - (S * c[:, None]).T @ S) / sigma2
    return np.linalg.inv(info)
