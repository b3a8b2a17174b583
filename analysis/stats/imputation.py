"""Multiple imputation of missing co-production scores, and Rubin's rules, as a sensitivity analysis.

Surveys are not run every month: the panel lets a survey stand for the next few months (carry-forward,
`analysis.panel.scoring.carry_forward`). That assumes nothing changed in between. Multiple imputation asks
instead what the answer would be if the months without a survey of their own had their scores drawn from
what the rest of the data say about them, `m` times over, with the spread between the draws added to the
uncertainty.

* `draw_normal` draws one set of missing values from a Bayesian normal linear regression on the rows
  observed (R's mice.impute.norm, Rubin 1987 p. 167: sigma and the coefficients drawn from their posterior,
  then a value with its own noise), so each completed data set carries the uncertainty of the imputation.
* `impute_scores` completes the panel `m` times. The imputation model for a score holds each ward's own
  level (a ward factor), a trend over time, the ward's own surveys just before and just after the month,
  and the outcome the analysis will set against the score (an incident count's rate per 1,000 bed days, a
  recovery measure as it is, in the month the model links to the score), as an imputation model must hold
  the analysis model's outcome. Only one column is incomplete, so chained equations (MICE) reduce to this
  single step per data set; no iterations are needed. Rows without that outcome keep a missing score: the
  analysis cannot use them anyway.
* What the imputation cannot know: how much a score moves between two surveys. It is learnt from the surveys
  themselves, a survey interval apart, so imputing the months between surveys (`missing="no_survey"`, or a
  carry-forward rule of 0 months) assumes a score may change within the interval as much as from one survey
  to the next. Where a survey measures a whole quarter, carry-forward is the better model and imputation the
  cautious check.
* `rubin_pool` pools the `m` estimates by Rubin's rules with Barnard and Rubin's (1999) small-sample degrees
  of freedom: the same figures as R's mice::pool (qbar, ubar, b, t, df, riv, lambda, fmi), with the t
  interval of summary(pool(...), conf.int = TRUE).
* `fit_imputed` runs a model on each completed panel and pools its within-ward coefficient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

POOLED_COLUMNS = [
    "term",
    "m",
    "estimate",
    "ubar",
    "b",
    "t",
    "dfcom",
    "df",
    "riv",
    "lambda",
    "fmi",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
]
DEFAULT_M = 20
RIDGE = 1e-5  # mice.impute.norm's ridge: keeps the draw possible when two predictors nearly coincide


def rubin_pool(
    estimates, variances, dfcom: float = np.inf, terms: list[str] | None = None, level: float = 0.95
) -> pd.DataFrame:
    """Rubin's rules for `m` estimates of one or more coefficients, as R's mice::pool does them.

    Parameters
    ----------
    estimates, variances : array-like, shape (m,) or (m, k)
        Each completed data set's estimate and its squared standard error.
    dfcom : float
        Degrees of freedom of the complete-data analysis (inf for a normal reference).
    terms : list of str, optional
        Names of the k coefficients.
    level : float
        Confidence level of the pooled t interval.

    Returns
    -------
    DataFrame
        One row per coefficient (POOLED_COLUMNS): qbar as estimate, ubar (within-imputation variance), b
        (between), t = ubar + (1 + 1/m) b, the Barnard-Rubin df, riv, lambda, fmi, and std_error = sqrt(t) with
        the t interval and p-value.

    Examples
    --------
    >>> p = rubin_pool([1.0, 1.2, 0.8], [0.04, 0.05, 0.03], dfcom=30)
    >>> round(float(p["estimate"][0]), 3), round(float(p["t"][0]), 4), round(float(p["df"][0]), 2)
    (1.0, 0.0933, 4.06)
    """
    q = np.asarray(estimates, float)
    u = np.asarray(variances, float)
    if q.ndim == 1:
        q, u = q[:, None], u[:, None]
    m = q.shape[0]
    if m < 2:
        raise ValueError("Rubin's rules need at least two imputed data sets")
    qbar, ubar = q.mean(axis=0), u.mean(axis=0)
    b = q.var(axis=0, ddof=1)
    t = ubar + (1 + 1 / m) * b
    lam = np.maximum((1 + 1 / m) * b / t, 1e-4)  # mice's floor on lambda, for its df only
    dfold = (m - 1) / lam**2
    if np.isinf(dfcom):
        df = dfold
    else:
        dfobs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
        df = dfold * dfobs / (dfold + dfobs)
    riv = (1 + 1 / m) * b / ubar
    lam_report = (1 + 1 / m) * b / t
    fmi = (riv + 2 / (df + 3)) / (riv + 1)
    se = np.sqrt(t)
    crit = stats.t.ppf(0.5 + level / 2, df)
    out = pd.DataFrame(
        {
            "term": terms if terms is not None else [f"x{j}" for j in range(q.shape[1])],
            "m": m,
            "estimate": qbar,
            "ubar": ubar,
            "b": b,
            "t": t,
            "dfcom": dfcom,
            "df": df,
            "riv": riv,
            "lambda": lam_report,
            "fmi": fmi,
            "std_error": se,
            "ci_low": qbar - crit * se,
            "ci_high": qbar + crit * se,
            "p_value": 2 * stats.t.sf(np.abs(qbar / se), df),
        }
    )
    return out[POOLED_COLUMNS]


def draw_normal(y: np.ndarray, X: np.ndarray, missing: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw of the missing `y` from a Bayesian normal linear regression on the observed rows (mice's "norm").

    sigma* = sqrt(SSR / chi2(n_obs - k)), beta* ~ N(beta_hat, sigma*^2 (X'X + ridge)^-1), y* = X beta* + N(0,
    sigma*^2), for the rows where `missing` is True. Returns the drawn values (length: missing rows).
    """
    Xo, yo = X[~missing], y[~missing]
    n, k = Xo.shape
    if n <= k:
        raise ValueError("too few observed values to impute from")
    xtx = Xo.T @ Xo
    xtx = xtx + np.diag(np.diag(xtx)) * RIDGE
    inv = np.linalg.inv(xtx)
    beta = inv @ Xo.T @ yo
    resid = yo - Xo @ beta
    sigma = np.sqrt(resid @ resid / rng.chisquare(n - k))
    chol = np.linalg.cholesky((inv + inv.T) / 2)
    beta_star = beta + sigma * chol @ rng.standard_normal(k)
    Xm = X[missing]
    return Xm @ beta_star + sigma * rng.standard_normal(len(Xm))


MISSING = ("no_score", "no_survey")


def missing_rows(panel: pd.DataFrame, column: str, carried: str | None = None, missing: str = "no_score") -> pd.Series:
    """The ward-months to impute: "no_score", those whose `column` is missing (surveys lapsed beyond the
    carry-forward rule); "no_survey", also those carried forward from an earlier survey (`carried` names the
    column counting months carried), so that imputation replaces carry-forward."""
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {MISSING}")
    miss = panel[column].isna()
    if missing == "no_survey" and carried is not None and carried in panel:
        miss |= panel[carried].fillna(0) > 0
    return miss


def imputation_design(
    panel: pd.DataFrame,
    column: str,
    missing: np.ndarray,
    outcome: str,
    exposure: str | None = "occupied_bed_days",
    lag: int = 0,
    ward: str = "ward_id",
    month: str = "month",
) -> tuple[np.ndarray, np.ndarray]:
    """Predictors of a score in the imputation model, and which rows have them all: an intercept, a ward factor,
    time in years, the ward's survey score before and after the month (the nearest surveys of its own; the one
    when the other does not exist), and the outcome `lag` months later, as the analysis links them: a count's
    rate per 1,000 of `exposure`, or the outcome as it is when `exposure` is None (a recovery measure).
    `panel` must be sorted by ward and month."""
    key = panel[[ward, month]].copy()
    rate = pd.to_numeric(panel[outcome], errors="coerce")
    if exposure is not None:  # a count: its rate per 1,000 of the exposure
        rate = 1000 * rate / panel[exposure].where(panel[exposure] > 0)
    later = key.assign(_r=rate.to_numpy())
    later[month] = later[month] - pd.DateOffset(months=lag)
    linked = key.merge(later.drop_duplicates([ward, month]), on=[ward, month], how="left")["_r"].to_numpy()
    own = pd.to_numeric(panel[column], errors="coerce").where(~missing)
    by = own.groupby(panel[ward])
    before = by.shift(1).groupby(panel[ward]).ffill()
    after = by.shift(-1).groupby(panel[ward]).bfill()
    before, after = before.fillna(after).to_numpy(), after.fillna(before).to_numpy()
    years = ((panel[month] - panel[month].min()).dt.days / 365.25).to_numpy()
    wards = pd.get_dummies(panel[ward].astype(str), drop_first=True, dtype=float).to_numpy()
    X = np.column_stack([np.ones(len(panel)), wards, years, before, after, linked])
    return X, np.isfinite(X).all(axis=1)


def impute_scores(
    panel: pd.DataFrame,
    column: str,
    outcome: str,
    m: int = DEFAULT_M,
    seed: int = 20261204,
    carried: str | None = None,
    exposure: str | None = "occupied_bed_days",
    lag: int = 0,
    ward: str = "ward_id",
    month: str = "month",
    missing: str = "no_score",
) -> list[pd.DataFrame]:
    """`m` completed copies of `panel` (sorted by ward and month): each `column` value `missing_rows` names drawn
    by `draw_normal`, clipped to 0 to 100; rows the imputation model cannot use (no incident rate to link, no
    survey of the ward's own) keep a missing score. Imputed rows have the carried column set to 0."""
    panel = panel.sort_values([ward, month], kind="stable").reset_index(drop=True)
    miss = missing_rows(panel, column, carried, missing).to_numpy()
    X, usable = imputation_design(panel, column, miss, outcome, exposure, lag, ward, month)
    y = pd.to_numeric(panel[column], errors="coerce").to_numpy(float)
    rows = np.flatnonzero(usable)  # observed rows fit the imputation model, missing ones are drawn
    Xu, yu, mu = X[rows], y[rows], miss[rows]
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(m):
        filled = y.copy()
        filled[miss] = np.nan
        if mu.any():
            filled[rows[mu]] = np.clip(draw_normal(yu, Xu, mu, rng), 0, 100)
        done = panel.assign(**{column: filled})
        if carried is not None and carried in done:
            done[carried] = np.where(miss & np.isfinite(filled), 0.0, done[carried])
        out.append(done)
    return out


@dataclass(frozen=True)
class Imputed:
    """A model refitted on `m` imputed panels and pooled: `pooled` (rubin_pool's row for the term),
    `per_imputation` (estimate, variance, df of each fit), `n_missing` (ward-months imputed: missing, with the
    outcome the imputation links), `n_rows` (the ward-months in the panel) and `m`."""

    pooled: pd.DataFrame
    per_imputation: pd.DataFrame
    n_missing: int
    n_rows: int
    m: int


def fit_imputed(
    panel: pd.DataFrame,
    fit: Callable[[pd.DataFrame], tuple[float, float, float]],
    column: str,
    outcome: str,
    m: int = DEFAULT_M,
    seed: int = 20261204,
    carried: str | None = None,
    exposure: str | None = "occupied_bed_days",
    lag: int = 0,
    term: str = "within",
    ward: str = "ward_id",
    month: str = "month",
    missing: str = "no_score",
) -> Imputed:
    """Impute `column` `m` times (`impute_scores`), fit `fit(completed) -> (estimate, std_error, df)` on each
    and pool by Rubin's rules, with the complete-data degrees of freedom the median of the fits' own (their
    Satterthwaite degrees of freedom; inf when they are NaN: a normal reference)."""
    panels = impute_scores(panel, column, outcome, m, seed, carried, exposure, lag, ward, month, missing)
    fits = np.array([fit(p) for p in panels], float)
    dfs = fits[:, 2]
    dfcom = float(np.median(dfs)) if np.isfinite(dfs).all() else np.inf
    pooled = rubin_pool(fits[:, 0], fits[:, 1] ** 2, dfcom=dfcom, terms=[term])
    per = pd.DataFrame(
        {"imputation": np.arange(1, m + 1), "estimate": fits[:, 0], "variance": fits[:, 1] ** 2, "df": dfs}
    )
    # the ward-months imputed: missing and with the outcome the imputation links (the rest stay missing)
    n_missing = int(missing_rows(panel, column, carried, missing).sum() - panels[0][column].isna().sum())
    return Imputed(pooled, per, n_missing, len(panel), m)


def answer_change(
    imputed: tuple[float, float, float], base: tuple[float, float, float], null: float
) -> tuple[bool, str]:
    """Whether the imputed answer (estimate, CI low, CI high) differs from the `base` one (its interval clears
    `null`, no change: 1 for a rate ratio, 0 for a difference, where the base's does not, or the other way, or
    both clear it on opposite sides), and the end of the sentence saying so ('; the answer does not change.').
    """
    clear = lambda lo, hi: not (lo <= null <= hi)
    (est, lo, hi), (b_est, b_lo, b_hi) = imputed, base
    changed = clear(lo, hi) != clear(b_lo, b_hi) or (clear(lo, hi) and (est < null) != (b_est < null))
    if not changed:
        return False, "; the answer does not change."
    if clear(lo, hi) and clear(b_lo, b_hi):
        return True, "; the answer changes: with the missing months imputed the link points the other way."
    if clear(b_lo, b_hi):
        return True, (
            "; the answer changes: with the missing months imputed the interval includes no change, so the answer "
            "depends on how the months without a score are treated."
        )
    return True, "; the answer changes: with the missing months imputed the link becomes clear."
