"""Linear model with a random intercept per ward, fitted by REML (the model lme4::lmer fits).

The variance ratio lambda = ward variance / residual variance is the only parameter that needs
a search: for a given lambda the fixed effects and residual variance have closed forms, because
each ward's covariance (I + lambda J) has a closed-form inverse. The profiled REML likelihood is
maximised over log(lambda) and at the boundary lambda = 0, so the answer is exact and fast.

`satterthwaite` adds lmerTest's small-sample inference: Satterthwaite degrees of freedom for any
combination of the fixed effects and the F test of several at once (checked against lmerTest in
tests/questions/coproduction/test_group_ftest.py, on tests/reference/existence_ftest/).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis._lazy import lazy_module
from analysis.stats.grouping import group_codes

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
optimize = lazy_module("scipy.optimize")
special = lazy_module("scipy.special")
stats = lazy_module("scipy.stats")


@dataclass
class RandomInterceptFit:
    params: np.ndarray  # fixed effects
    ward_variance: float
    residual_variance: float
    reml_loglik: float
    converged: bool


def _sums(X: np.ndarray, y: np.ndarray, groups: np.ndarray):
    """Rows per ward, ward sums of X's columns and of y (wards in sorted order; hashed codes, one bincount per
    column: the same sums, in the same order, as np.unique and np.add.at, in linear time)."""
    inverse, G = group_codes(groups)
    n_g = np.bincount(inverse, minlength=G).astype(float)
    Xs = np.zeros((G, X.shape[1]))
    for j in range(X.shape[1]):
        Xs[:, j] = np.bincount(inverse, weights=X[:, j], minlength=G)
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


def reml_deviance(y: np.ndarray, X: np.ndarray, groups: np.ndarray, tau2: float, sigma2: float) -> float:
    """-2 x the REML log-likelihood at ward variance `tau2` and residual variance `sigma2` (fixed effects
    profiled out by GLS): what lme4 and lmerTest evaluate as the REML deviance."""
    y, X = np.asarray(y, float), np.asarray(X, float)
    n_g, Xs, ys = _sums(X, y, np.asarray(groups))
    return _deviance((X.T @ X, X.T @ y, y @ y, n_g, Xs, ys, *X.shape), tau2, sigma2)


def _deviance(args, tau2: float, sigma2: float) -> float:
    """`reml_deviance` from the sums (X'X, X'y, y'y, n_g, ward sums of X and y, N, p)."""
    XtX, Xty, yty, n_g, Xs, ys, N, p = args
    lam = tau2 / sigma2
    c = lam / (1.0 + n_g * lam)
    A = XtX - (Xs * c[:, None]).T @ Xs
    b = Xty - (Xs * c[:, None]).T @ ys
    beta = np.linalg.solve(A, b)
    q = yty - np.sum(c * ys**2) - b @ beta
    logdet_a = np.linalg.slogdet(A)[1]
    return float((N - p) * np.log(2 * np.pi * sigma2) + np.sum(np.log1p(n_g * lam)) + logdet_a + q / sigma2)


def _richardson(f, h: float, levels: int = 4) -> float:
    """Richardson extrapolation of a central-difference estimate f(h) (error a series in h^2)."""
    table = [f(h / 2**k) for k in range(levels)]
    for m in range(1, levels):
        table = [(4**m * table[k + 1] - table[k]) / (4**m - 1) for k in range(len(table) - 1)]
    return float(table[0])


def _second_difference(f, x: np.ndarray, a: np.ndarray, b: np.ndarray, f0: float) -> float:
    """d2f / (da db) at x along steps a and b (vectors), by central differences with Richardson extrapolation."""
    if a is b:
        return _richardson(lambda t: (f(x + t * a) - 2 * f0 + f(x - t * a)) / t**2, 1.0)
    return _richardson(
        lambda t: (f(x + t * (a + b)) - f(x + t * (a - b)) - f(x - t * (a - b)) + f(x - t * (a + b))) / (4 * t * t),
        1.0,
    )


def _hessian(f, x: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Numerical Hessian of f at x (central differences with Richardson extrapolation, as numDeriv)."""
    k = len(x)
    H = np.zeros((k, k))
    e = list(np.eye(k) * steps)  # e[i]: a step along coordinate i
    f0 = f(x)
    for i in range(k):
        for j in range(i + 1):
            H[i, j] = H[j, i] = _second_difference(f, x, e[i], e[j], f0) / (steps[i] * steps[j])
    return H


@dataclass
class Satterthwaite:
    """Satterthwaite degrees of freedom for a random-intercept REML fit (what lmerTest computes).

    vcov : (X'V^-1X)^-1 at the REML estimates (the fixed-effect covariance lme4 reports);
    jacobian : its derivatives with respect to the ward SD and the residual SD (two p x p matrices);
    varpar_vcov : the asymptotic covariance of those two SDs, 2 x the inverse Hessian of the REML deviance.
    """

    vcov: np.ndarray
    jacobian: tuple[np.ndarray, np.ndarray]
    varpar_vcov: np.ndarray

    def df(self, c: np.ndarray) -> float:
        """Degrees of freedom of c'beta: 2 (c'Vc)^2 / (g' A g), g the gradient of c'Vc in the two SDs."""
        c = np.asarray(c, float)
        g = np.array([c @ J @ c for J in self.jacobian])
        var = float(c @ self.vcov @ c)
        denom = float(g @ self.varpar_vcov @ g)
        if np.isnan(denom):
            return float("nan")
        return 2 * var**2 / denom if denom > 0 else float("inf")

    def f_test(self, L: np.ndarray, beta: np.ndarray) -> tuple[float, int, float, float]:
        """The F test of L beta = 0 with Satterthwaite denominator degrees of freedom (lmerTest's contestMD):
        (F, numerator df, denominator df, p-value)."""
        L = np.atleast_2d(np.asarray(L, float))
        VL = L @ self.vcov @ L.T
        d, P = np.linalg.eigh(VL)
        order = np.argsort(d)[::-1]
        d, P = d[order], P[:, order]
        pos = d > max(np.sqrt(np.finfo(float).eps) * d[0], 0)
        PtL = (P.T @ L)[pos]
        d = d[pos]
        q = len(d)
        F = float(np.sum((PtL @ beta) ** 2 / d) / q)
        nu = np.array([self.df(row) for row in PtL])
        if q == 1:
            df2 = float(nu[0])
        elif np.all(np.abs(np.diff(nu)) < 1e-8):
            df2 = float(np.mean(nu))
        elif np.any(nu <= 2):
            df2 = 2.0
        else:
            E = float(np.sum(nu / (nu - 2)))
            df2 = 2 * E / (E - q)
        return F, q, df2, float(stats.f.sf(F, q, df2))


def satterthwaite(y: np.ndarray, X: np.ndarray, groups: np.ndarray, fit: RandomInterceptFit) -> Satterthwaite:
    """Satterthwaite's approximation for the fixed effects of a random-intercept REML fit (lmerTest's method).

    The variance parameters are the two standard deviations (ward, residual), as lmerTest's; the Jacobian
    of the fixed-effect covariance is exact, the Hessian of the REML deviance numerical (central
    differences with Richardson extrapolation). At a ward variance of zero the deviance is even in the
    ward SD, so the same formulas hold there.
    """
    y, X, groups = np.asarray(y, float), np.asarray(X, float), np.asarray(groups)
    su, se = float(np.sqrt(max(fit.ward_variance, 0.0))), float(np.sqrt(fit.residual_variance))
    tau2, sigma2 = su**2, se**2
    V = gls_vcov(X, groups, tau2, sigma2)
    n_g, S, ys = _sums(X, y, groups)
    c = tau2 / (sigma2 + n_g * tau2)  # V_g^-1 = (I - c_g J) / sigma2
    ward_part = (S * ((1 - c * n_g) ** 2)[:, None]).T @ S / sigma2**2  # X'V^-1 Z Z'V^-1 X
    resid_part = (X.T @ X - (S * (2 * c - n_g * c**2)[:, None]).T @ S) / sigma2**2  # X'V^-2 X
    jac = (2 * su * V @ ward_part @ V, 2 * se * V @ resid_part @ V)

    sums = (X.T @ X, X.T @ y, y @ y, n_g, S, ys, *X.shape)

    def dev(sd: np.ndarray) -> float:
        return _deviance(sums, sd[0] ** 2, sd[1] ** 2)

    steps = np.array([1e-2 * max(su, 1e-3 * se), 1e-2 * se])
    H = _hessian(dev, np.array([su, se]), steps)
    try:
        A = 2 * np.linalg.inv(H)
    except np.linalg.LinAlgError:  # a flat likelihood: no degrees of freedom can be given (NaN, said in words)
        A = np.full((2, 2), np.nan)
    return Satterthwaite(V, jac, A)


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(120)


def _range_cdf(w: np.ndarray, k: int) -> np.ndarray:
    """P(range of k independent standard normals <= w), for each w: k * int phi(z) [Phi(z) - Phi(z - w)]^(k-1) dz."""
    z, wz = 9.0 * _GL_NODES, 9.0 * _GL_WEIGHTS  # Gauss-Legendre on [-9, 9]: phi is below 1e-17 outside
    inner = np.clip(special.ndtr(z[None, :]) - special.ndtr(z[None, :] - np.asarray(w, float)[:, None]), 0, None)
    return k * (inner ** (k - 1) * (np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi))[None, :]) @ wz


def studentized_range_cdf(q: float, k: int, df: float) -> float:
    """P(Q <= q) for the studentized range of k means with df degrees of freedom (R's ptukey).

    The range's distribution integrated over s = sqrt(chi-square(df) / df) on the log scale, both integrals
    by 120-point Gauss-Legendre: agrees with scipy.stats.studentized_range.cdf to about 1e-13 in a
    millisecond (scipy's own quantile function takes half a second and is good to about 1e-4).
    """
    if not np.isfinite(df) or df > 1e6:
        return float(_range_cdf(np.array([q]), k)[0])
    a, b = np.log(stats.chi.ppf([1e-15, 1 - 1e-15], df) / np.sqrt(df))
    u = 0.5 * (b - a) * _GL_NODES + 0.5 * (b + a)
    wu = 0.5 * (b - a) * _GL_WEIGHTS
    s = np.exp(u)
    log_density = (  # the density of log s
        (df / 2) * np.log(df) - special.gammaln(df / 2) - (df / 2 - 1) * np.log(2) + df * u - df * s**2 / 2
    )
    return float(np.sum(wu * np.exp(log_density) * _range_cdf(q * s, k)))


def studentized_range_quantile(level: float, k: int, df: float) -> float:
    """The `level` quantile of the studentized range of k means with df degrees of freedom (R's qtukey)."""
    lo = np.sqrt(2) * stats.t.ppf(0.5 + level / 2, df) * 0.999  # the range of k >= 2 means is at least one pair's
    hi = np.sqrt(2) * stats.t.ppf(1 - (1 - level) / (k * (k - 1)), df) * 1.001  # Bonferroni over the pairs
    return float(optimize.brentq(lambda q: studentized_range_cdf(q, k, df) - level, lo, hi, xtol=1e-12, rtol=1e-12))
