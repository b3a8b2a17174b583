"""Count models with ward fixed effects absorbed: question 2's model with a ward's own intercept, in time linear in wards.

`fit_counts(..., errors="fixed_effects")` puts one indicator column per ward in the design, and each step of its
iterations (IRLS) solves the (wards + terms)^2 normal equations: about the cube of the wards (13 s at 200 wards,
minutes at 1,000). The ward block of X'WX is diagonal (each row belongs to one ward), so it can be absorbed
(the Frisch-Waugh-Lovell theorem, applied to each weighted least-squares step): with weights w, the terms'
columns Z and the working response t each have their weighted ward means taken off, the terms' coefficients b
solve the small K x K system of the demeaned columns, and each ward's intercept is its weighted mean of
t - Z b. That is the same step the full system takes, so the same iterations from the same start reach the same
estimates; the negative binomial's alpha is chosen by the same profile likelihood search
(`analysis.stats.counts.families.fit_negbin`), and the final fits repeat statsmodels' IRLS (its start, its
convergence rule and the weights its covariance uses), so the figures agree with the full fit to rounding.

The standard errors are the same cluster-robust ones, worked out for the terms' block only: the terms' rows of
(X'WX)^-1 are (Z~'WZ~)^-1 Z~' (Z~: the weighted within-ward deviations), so CR1's sandwich needs only the
ward sums of Z~ times each row's score, and CR2's per-ward adjustment and Satterthwaite degrees of freedom
(`analysis.stats.counts.clustering.cr2`) need each ward's own block of the hat matrix, which is
h h' (1 1' / W_g + Z~_g M Z~_g') (W_g: the ward's summed weights, M = (Z~'WZ~)^-1). Nothing is ever
wards x wards. `fit_within_counts` is `fit_counts(..., errors="fixed_effects")` on this fit: the same
ModelResult, with the estimates of the terms (the ward intercepts, a nuisance, are not listed) and no expected
rates (an "average ward" needs the intercepts' covariance). When the terms' within-ward columns are collinear
(the full fit would then leave out a ward indicator instead) it falls back to `fit_counts`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd

from analysis._lazy import lazy_module
from analysis.stats.counts import caveats as cv
from analysis.stats.counts.clustering import CR2_BELOW, ClusterErrors, _df_from, _inverse_sqrt_psd, tidy
from analysis.stats.counts.describe import (
    adjustment_codings,
    caveat_list,
    data_sentence,
    headline_sentence,
    interval_note,
    method_text,
)
from analysis.stats.counts.diagnostics import family_comparison, residual_summaries
from analysis.stats.counts.families import ALPHA_FLOOR, dispersion_test, nb_loglik, profile_alpha
from analysis.stats.counts.prepare import DataProblem, Design, prepare
from analysis.stats.counts.spec import CLUSTER_SE, CountModelSpec
from analysis.stats.results import CountDiagnostics, Headline, ModelResult
from analysis.text import plural, plural_word

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
optimize = lazy_module("scipy.optimize")
sm_families = lazy_module("statsmodels.genmod.families")

__all__ = ["AbsorbedFit", "absorbed_errors", "fit_negbin_absorbed", "fit_poisson_absorbed", "fit_within_counts"]

TOL, MAXITER = 1e-10, 200  # as fit_poisson and _glm_nb call statsmodels' GLM.fit
COLLINEAR = 1e-8  # a term whose within-ward column is this short (relative to the column) is carried by the wards


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


def _within_rank_ok(Z: np.ndarray, codes: np.ndarray, G: int) -> bool:
    """Whether the terms' within-ward columns are clearly independent (the full design then keeps every ward
    indicator): each column, scaled by its own length, keeps at least COLLINEAR of it against the others."""
    if Z.shape[1] == 0:
        return False
    norms = np.sqrt((Z**2).sum(axis=0))
    if np.any(norms == 0):
        return False
    Zs = within(Z, codes, G, np.ones(len(Z))) / norms
    return bool(np.linalg.svd(Zs, compute_uv=False).min() > COLLINEAR)


def fit_within_counts(
    panel: pd.DataFrame,
    outcome: str = "assaults_on_staff",
    exposure: str = "occupied_bed_days",
    predictor: str = "coproduction_patient_overall",
    lag: int = 0,
    adjust: tuple[str, ...] | list[str] = (),
    family: str = "auto",
    ward: str = "ward_id",
    month: str = "month",
    per: float = 10.0,
    cluster_se: str = "auto",
) -> ModelResult:
    """`fit_counts(..., errors="fixed_effects", zeros=False)` with the ward intercepts absorbed: the same model,
    choice of family, estimates, errors, degrees of freedom and sentence, in time linear in wards.

    The estimates list the terms only (not the ward intercepts) and the diagnostics give no expected rates;
    everything else is as `fit_counts` gives it. When the terms' within-ward columns are collinear it is
    `fit_counts` itself.

    Examples
    --------
    >>> from analysis.data.dataset import load_sample
    >>> from analysis.panel.build import build_panel
    >>> r = fit_within_counts(build_panel(load_sample().tables), lag=1)
    >>> r.ok, r.family, r.estimates["term"].tolist()
    (True, 'negbin', ['coproduction_patient_overall_lag1_within'])
    """
    from analysis.stats.counts.fit import _cannot_fit, fit_counts

    spec = CountModelSpec(
        outcome=outcome,
        exposure=exposure,
        predictor=predictor,
        lag=lag,
        adjust=tuple(adjust),
        family=family,
        errors="fixed_effects",
        ward=ward,
        month=month,
        per=per,
        zeros=False,
        cluster_se=cluster_se,
    )
    warns: list[str] = []
    try:
        d = prepare(panel, spec, ward_indicators=False)
        d = _drop_zero_wards(d, panel, spec, warns)
        k = d.X.shape[1] - 1 + d.n_wards  # the full design's columns: the terms and one per ward
        if len(d.y) <= k + 1:
            raise DataProblem(f"only {len(d.y)} usable ward-months, too few for {k} model terms.")
        if d.y.sum() == 0:
            raise DataProblem(f"there were no {outcome.replace('_', ' ')} at all in the months analysed.")
        Z = d.X.drop(columns="const").to_numpy(float)
        if not _within_rank_ok(Z, d.groups, d.n_wards):
            return fit_counts(panel, **_counts_kwargs(spec))
        return _fit(d, spec, warns)
    except (DataProblem, np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
        reason = str(exc) if isinstance(exc, DataProblem) else f"the model could not be fitted ({exc})."
        return _cannot_fit(spec, reason, warns)


def _counts_kwargs(spec: CountModelSpec) -> dict:
    names = ("outcome", "exposure", "predictor", "lag", "adjust", "family", "errors", "ward", "month", "per")
    return {n: getattr(spec, n) for n in names} | {"zeros": False, "cluster_se": spec.cluster_se}


def _drop_zero_wards(d: Design, panel: pd.DataFrame, spec: CountModelSpec, warns: list[str]) -> Design:
    """`fit._drop_zero_wards` without the ward indicators: a ward with none of the outcome in any month is left out."""
    ward, outcome = spec.ward, spec.outcome
    totals = d.data.groupby(ward)[outcome].sum()
    zero = [str(w) for w in totals.index[totals == 0]]
    if not zero:
        return d
    warns.append(
        f"{plural_word(len(zero), 'Ward')} {', '.join(zero)} had no {outcome.replace('_', ' ')} in any month, "
        "so a within-ward (fixed effects) comparison learns nothing from "
        f"{plural_word(len(zero), 'it', 'them')}; left out."
    )
    d2 = prepare(panel[~panel[ward].astype(str).isin(zero)], spec, ward_indicators=False)
    d2.dropped["ward with no incidents at all (fixed effects)"] = int(d.data[ward].astype(str).isin(zero).sum())
    return d2


def _fit(d: Design, spec: CountModelSpec, warns: list[str]) -> ModelResult:
    """`fit._fit` for ward fixed effects with cluster-robust errors, on the absorbed fits."""
    from analysis.stats.counts.fit import _row, _se_words

    family, outcome, predictor, per = spec.family, spec.outcome, spec.predictor, spec.per
    for reason, n in d.dropped.items():
        warns.append(f"{plural(n, 'ward-month')} left out: {reason}.")
    warns += d.notes
    G, codes = d.n_wards, d.groups
    names = [c for c in d.X.columns if c != "const"]
    Z = d.X[names].to_numpy(float)
    pois = fit_poisson_absorbed(Z, d.y, d.offset, codes, G)
    nb = fit_negbin_absorbed(Z, d.y, d.offset, codes, G, start=pois)
    for f in (pois, nb):  # what statsmodels warns of in fit_counts (it does not warn when IRLS runs out of steps)
        if np.allclose(f.mu - d.y, 0):
            cv.add(warns, cv.SEPARATION)
    disp = dispersion_test(pois, nb)
    chosen = disp.chosen if family == "auto" else family
    fit = nb if chosen == "negbin" else pois
    if family == "auto":
        choice_text = disp.reason
    else:
        choice_text = (
            f"The {'negative binomial' if chosen == 'negbin' else 'Poisson'} model was chosen by the user. "
            + disp.reason.replace("was used", "would be chosen automatically")
        )
    if chosen == "negbin" and nb.alpha < ALPHA_FLOOR * 100:
        warns.append(
            "The counts show no extra variation, so the negative binomial model is the same as a Poisson model here."
        )

    params = pd.Series(fit.beta, index=names)
    model_V = model_vcov_absorbed(fit, Z, codes, G)
    if G < 2:
        V, se_kind, df, ce_df_method = model_V, "model", None, ""
        se_text = "model-based standard errors (one ward: no clustering possible), normal reference"
    else:
        ce = absorbed_errors(fit, Z, d.y, codes, G, spec.cluster_se)
        V, se_kind, ce_df_method = ce.vcov, ce.kind, ce.df_method
        df = ce.term_df()
        se_text = _se_words(ce, G, spec.cluster_se, dict(zip(params.index, df)), d.predictor_terms)
    if not np.all(np.isfinite(np.diag(V))) or np.any(np.diag(V) < 0):
        cv.add(warns, cv.HESSIAN)
    if not np.all(np.isfinite(params.to_numpy(float))):
        cv.add(warns, cv.NOT_CONVERGED)

    est = tidy(params, V, df, d.predictor_terms, per)
    terms = {role: t for t, role in d.predictor_terms.items()}
    main = _row(est, terms.get("within"))
    label = "rate ratio per 10-point rise" if per == 10 else f"rate ratio per {per:g}-point rise"
    from analysis.panel.measures import MEASURES, step_words

    if predictor in MEASURES:
        label = f"rate ratio {step_words(predictor, per)}"
    headline = None if main is None else Headline(f"{label} (within ward)", main[0], main[1], main[2], main[3])

    df_by_term = dict(zip(est["term"], est["df"]))
    head_df = df_by_term.get(terms.get("within"))
    caveats = caveat_list(G, spec.errors, se_kind, head_df)
    note = interval_note(G, f"{se_kind} {ce_df_method}", tuple(d.predictor_terms.values()))
    if note:
        caveats.append(note)
    body = headline_sentence(spec, G, d.n_months, main, None, None)
    fit_warn = [w for w in warns if w in (cv.NOT_CONVERGED, cv.HESSIAN, cv.SEPARATION, cv.SINGULAR)]
    sentence = " ".join(s for s in [data_sentence(G, d.n_months), body, *caveats, *fit_warn] if s)

    by_ward, by_month = residual_summaries(d, fit.mu, fit.alpha, spec.ward, spec.month)
    diagnostics = CountDiagnostics(
        family_choice=choice_text,
        dispersion=disp.as_dict(),
        comparison=family_comparison(pois, nb, disp),
        alpha=fit.alpha,
        theta=(1 / fit.alpha) if fit.alpha > 0 else math.inf,
        model_based_se=dict(zip(names, np.sqrt(np.diag(model_V)))),
        standard_errors=se_kind,
        degrees_of_freedom={t: (None if not math.isfinite(v) else float(v)) for t, v in df_by_term.items()},
        interval_note=note,
        expected_rates=None,
        formula=d.formula,
        n_dropped=dict(d.dropped),
        n_months=d.n_months,
        lag=spec.lag,
        per=per,
        split=spec.split,
        errors=spec.errors,
        adjust=list(spec.adjust),
        **adjustment_codings(spec),
        between=None,
        residuals_by_ward=by_ward,
        residuals_by_month=by_month,
        zeros=None,
    )
    method = method_text(chosen, outcome, spec.exposure, True, se_text)
    return ModelResult(
        question=spec.question,
        outcome=outcome,
        predictor=predictor,
        formula=d.formula,
        family=chosen,
        method=method,
        n_wards=G,
        n_obs=len(d.y),
        estimates=est,
        headline=headline,
        sentence=sentence,
        caveats=caveats,
        warnings=warns,
        diagnostics=diagnostics,
    )
