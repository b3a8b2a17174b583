"""The one-factor maximum-likelihood factor model behind McDonald's omega, for one matrix or a stack of them.

`one_factor_ml` solves the ML stationary equations by fixed-point iteration (Joreskog 1967) for one covariance
matrix; `_omega_many` runs the same iteration on a stack of matrices at once (the bootstrap's resamples). Each
also says whether the iteration settled: items that share almost nothing drift towards a Heywood case for ever,
and an omega taken where the iteration stopped would be the step limit's, not the data's, so it is not given.
omega = (sum of loadings)^2 / ((sum of loadings)^2 + sum of unique variances); it matches lavaan's one-factor ML
fit (tests/reference/instrument_reliability).
"""

from __future__ import annotations

import numpy as np


def one_factor_ml(cov: np.ndarray, tol: float = 1e-10, max_iter: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Loadings and unique variances of a one-factor maximum-likelihood factor model of a covariance matrix.

    Solves the ML stationary equations by fixed-point iteration (Joreskog 1967): for given unique variances
    Psi the loadings come from the largest eigenpair (theta, w) of Psi^-1/2 S Psi^-1/2 as
    Psi^1/2 w (theta - 1)^1/2; then Psi = diag(S - lambda lambda'), kept above 0.5% of each item's variance
    (a Heywood case stops there).
    """
    lam, psi, _ = _one_factor_ml_settled(cov, tol, max_iter)
    return lam, psi


def _one_factor_ml_settled(cov: np.ndarray, tol: float = 1e-10, max_iter: int = 20_000):
    """`one_factor_ml`'s loadings and unique variances, and whether the iteration settled within `max_iter` steps
    (items that share almost nothing drift towards a Heywood case for ever: omega then depends on the step limit)."""
    s = np.asarray(cov, dtype=float)
    d = np.diag(s)
    floor = 0.005 * d
    try:  # start from 1 - squared multiple correlation, the usual start for the unique variances
        psi = np.clip(1 / np.diag(np.linalg.inv(s)), floor, d)
    except np.linalg.LinAlgError:
        psi = np.clip(d * 0.5, floor, None)
    lam = np.zeros_like(d)
    settled = False
    for _ in range(max_iter):
        r = 1 / np.sqrt(psi)
        vals, vecs = np.linalg.eigh(s * np.outer(r, r))
        lam = np.sqrt(psi) * vecs[:, -1] * np.sqrt(max(vals[-1] - 1.0, 0.0))
        new = np.clip(d - lam**2, floor, None)
        if np.max(np.abs(new - psi)) < tol * d.max():
            psi, settled = new, True
            break
        psi = new
    return (lam if lam.sum() >= 0 else -lam), psi, settled


def _omega_many(covs: np.ndarray, tol: float = 1e-10, max_iter: int = 2_000) -> np.ndarray:
    """Omega of each covariance matrix in a stack (B, k, k): `one_factor_ml`'s iteration run on all at once.

    A resample still moving after `max_iter` steps (a slow drift towards a Heywood case) keeps its last value."""
    return _omega_many_settled(covs, tol, max_iter)[0]


def _omega_many_settled(covs: np.ndarray, tol: float = 1e-10, max_iter: int = 2_000) -> tuple[np.ndarray, np.ndarray]:
    """`_omega_many`'s omegas and whether each settled within `max_iter` steps (False also where not computable)."""
    d = np.diagonal(covs, axis1=1, axis2=2)
    ok = np.all(d > 0, axis=1)
    out = np.full(len(covs), np.nan)
    settled = np.zeros(len(covs), dtype=bool)
    if not ok.any():
        return out, settled
    s, d = covs[ok], d[ok]
    floor = 0.005 * d
    try:
        psi = np.clip(1 / np.diagonal(np.linalg.inv(s), axis1=1, axis2=2), floor, d)
    except np.linalg.LinAlgError:
        psi = np.clip(d * 0.5, floor, None)
    lam = np.zeros_like(d)
    live = np.arange(len(s))  # matrices still iterating (each stops at its own convergence)
    for _ in range(max_iter):
        ps, dd = psi[live], d[live]
        r = 1 / np.sqrt(ps)
        vals, vecs = np.linalg.eigh(s[live] * r[:, :, None] * r[:, None, :])
        lam[live] = np.sqrt(ps) * vecs[:, :, -1] * np.sqrt(np.maximum(vals[:, -1] - 1.0, 0.0))[:, None]
        new = np.clip(dd - lam[live] ** 2, floor[live], None)
        done = np.max(np.abs(new - ps), axis=1) < tol * dd.max(axis=1)
        psi[live] = new
        live = live[~done]
        if not len(live):
            break
    common = lam.sum(axis=1) ** 2
    out[ok] = common / (common + psi.sum(axis=1))
    still = np.zeros(len(s), dtype=bool)
    still[live] = True
    settled[ok] = ~still
    return out, settled


def _omega(x: np.ndarray, tol: float = 1e-10) -> float:
    cov = np.cov(x, rowvar=False, ddof=1)
    if not np.all(np.diag(cov) > 0):
        return np.nan
    lam, psi, settled = _one_factor_ml_settled(cov, tol=tol)
    if not settled:
        return np.nan
    common = lam.sum() ** 2
    return float(common / (common + psi.sum()))
