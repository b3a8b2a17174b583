"""Cluster-robust errors by ward for the terms of a fit with the ward intercepts absorbed (see `absorbed`): the
model-based covariance, CR1, and CR2 with Satterthwaite degrees of freedom, each worked out from the terms' block
and each ward's own block of the hat matrix, never wards x wards."""

from __future__ import annotations

import numpy as np

from analysis.stats.counts.absorbed_fit import AbsorbedFit, ward_means, within
from analysis.stats.counts.clustering import CR2_BELOW, ClusterErrors, _df_from, _inverse_sqrt_psd
from analysis.stats.counts.spec import CLUSTER_SE


def model_vcov_absorbed(fit: AbsorbedFit, Z: np.ndarray, codes: np.ndarray, G: int) -> np.ndarray:
    """The terms' block of the model-based covariance (statsmodels' cov_params: (X'WX)^-1 at the last step's
    weights), (Z~'WZ~)^-1."""
    w = fit.bread_weights
    Zt = within(Z, codes, G, w)
    return np.linalg.inv(np.einsum("ij,ik->jk", Zt * w[:, None], Zt))


def absorbed_errors(
    fit: AbsorbedFit, Z: np.ndarray, y: np.ndarray, codes: np.ndarray, G: int, choice: str = "auto"
) -> ClusterErrors:
    """Cluster-robust errors by ward for the terms, as `clustering.cluster_errors(..., fixed_effects=True)` gives
    them for the full fit: CR2 with Satterthwaite degrees of freedom below `CR2_BELOW` wards (or when asked),
    else CR1 (G/(G-1) x (N-1)/(N-K), K counting the ward intercepts) with t(G-1)."""
    if choice not in CLUSTER_SE:
        raise ValueError(f"cluster_se must be one of {CLUSTER_SE}")
    mu, alpha = fit.mu, fit.alpha
    if choice == "CR2" or (choice == "auto" and G < CR2_BELOW):
        return cr2_absorbed(Z, mu, mu + alpha * mu**2, y - mu, codes, G)
    M = model_vcov_absorbed(fit, Z, codes, G)
    Zt = within(Z, codes, G, fit.bread_weights)
    e = (y - mu) / (1 + alpha * mu)  # the score's factor: (y - mu) h / v for the log link
    S = np.column_stack([np.bincount(codes, weights=Zt[:, j] * e, minlength=G) for j in range(Z.shape[1])])
    n, k = len(y), Z.shape[1] + G
    V = (G / (G - 1)) * ((n - 1) / (n - k)) * M @ np.einsum("gj,gk->jk", S, S) @ M
    return ClusterErrors(V, "CR1", lambda c: float(G - 1), "G-1")


def cr2_absorbed(
    Z: np.ndarray, h: np.ndarray, v: np.ndarray, r: np.ndarray, codes: np.ndarray, G: int
) -> ClusterErrors:
    """`clustering.cr2` for the terms Z of a GLM with a ward intercept per ward, without the wards' columns.

    h = dmu/deta, v = V(mu) (the working variance), r = y - mu, all at the estimates. With w = h^2 / v and
    Z~ = Z less its w-weighted ward means, M = (Z~'WZ~)^-1 is the terms' block of the full (U'WU)^-1, a ward's
    block of U M U' is h h' (1 1' / W_g + Z~_g M Z~_g'), and the terms' rows of M U_g' W_g are M Z~_g' diag(h / v);
    each ward's adjustment A_g is built from that block exactly as `cr2` builds it. The Satterthwaite P matrix
    of c'beta (c on the terms) is diag(c'S_g Theta_g S_g'c - t_g^2 / W_g) - Q~ M Q~', t_g = h_g'S_g'c and
    Q~_g = Z~_g' diag(h_g) S_g'c: the same matrix as the full design's (the wards' part of the quadratic form
    reduces to t_g^2 / W_g), worked out in O(G K^2)."""
    w = h**2 / v
    Zt = within(Z, codes, G, w)
    _, W = ward_means(h, codes, G, w)
    M = np.linalg.inv(np.einsum("ij,ik->jk", Zt * w[:, None], Zt))
    K = Z.shape[1]
    meat = np.zeros((K, K))
    order = np.argsort(codes, kind="stable")
    wards = np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)
    STS, hT, ZhT = np.zeros((G, K, K)), np.zeros((G, K)), np.zeros((G, K, K))
    for rows in wards:
        g = codes[rows[0]]
        hg, vg, Zg = h[rows], v[rows], Zt[rows]
        d = np.sqrt(vg)
        H = np.outer(hg, hg) * (1 / W[g] + Zg @ M @ Zg.T)
        B = d[:, None] * (np.diag(vg) - H) * d[None, :]
        A = d[:, None] * _inverse_sqrt_psd(B) * d[None, :]
        meat_g = Zg.T @ ((hg / vg) * (A @ r[rows]))
        meat += np.outer(meat_g, meat_g)
        T = A @ ((hg / vg)[:, None] * Zg) @ M  # S_g' restricted to the terms: n_g x K
        STS[g] = (T * vg[:, None]).T @ T
        hT[g] = hg @ T
        ZhT[g] = Zg.T @ (hg[:, None] * T)
    V = M @ meat @ M

    def df_of(c: np.ndarray) -> float:
        t = hT @ c
        return _df_from(np.einsum("i,gij,j->g", c, STS, c) - t**2 / W, ZhT @ c, M)

    return ClusterErrors(V, "CR2", df_of)


def cr2_absorbed_linear(Z: np.ndarray, r: np.ndarray, codes: np.ndarray, G: int) -> ClusterErrors:
    """`cr2_absorbed` for a linear model (h = v = 1), every ward at once: no matrix as large as a ward's rows.

    Z~_g (the ward's deviations from its means, orthogonal to 1) spans at most K directions, so
    B_g = I - 1 1' / n_g - Z~_g M Z~_g' is 0 along 1, 1 away from 1 and Z~_g, and 1 - lambda along the
    eigenvectors of Z~_g M Z~_g' (lambda: the eigenvalues of M^(1/2) C_g M^(1/2), C_g = Z~_g'Z~_g). Its
    pseudo-inverse root (`clustering._inverse_sqrt_psd`'s rule: an eigenvalue at or under 1e-12 gives 0) is
    I - 1 1' / n_g + Z~_g N_g Z~_g' with N_g = M^(1/2) R diag(phi) R' M^(1/2), phi = ((1 - lambda)^(-1/2) - 1) /
    lambda; the meat, S_g Theta_g S_g' and Z~_g'S_g' then follow in K x K pieces, G of them in one array."""
    ones = np.ones(len(r))
    Zt = within(Z, codes, G, ones)
    K = Z.shape[1]
    M = np.linalg.inv(np.einsum("ij,ik->jk", Zt, Zt))
    C = np.stack(
        [
            np.stack([np.bincount(codes, weights=Zt[:, j] * Zt[:, k], minlength=G) for k in range(K)], axis=-1)
            for j in range(K)
        ],
        axis=1,
    )  # G x K x K
    Zr = np.column_stack([np.bincount(codes, weights=Zt[:, j] * r, minlength=G) for j in range(K)])  # G x K
    vals, vecs = np.linalg.eigh(M)
    root = (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T  # M^(1/2)
    lam, R = np.linalg.eigh(root @ C @ root)  # G x K, G x K x K
    rest = 1 - lam
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(rest > 1e-12, np.abs(rest) ** -0.5, 0.0)
        phi = np.where(lam > 1e-12, (f - 1) / lam, 0.0)
    N = root @ (R * phi[:, None, :]) @ np.swapaxes(R, 1, 2) @ root  # G x K x K
    E = np.eye(K) + N @ C  # A_g Z~_g = Z~_g E_g
    meat_g = np.einsum("gkj,gk->gj", E, Zr)  # Z~_g' A_g r_g = E_g' Z~_g' r_g (C and N symmetric)
    V = M @ np.einsum("gj,gk->jk", meat_g, meat_g) @ M
    T = E @ M  # S_g' on the terms is Z~_g T_g
    STS = np.swapaxes(T, 1, 2) @ C @ T
    ZT = C @ T

    def df_of(c: np.ndarray) -> float:
        return _df_from(np.einsum("i,gij,j->g", c, STS, c), ZT @ c, M)

    return ClusterErrors(V, "CR2", df_of)
