"""Lagged within-ward models for "which comes first?": a score against an earlier count's rate, ward by ward.

Question 2's count model (`analysis.stats.counts.fit_counts` with a lag and ward fixed effects) asks whether
assaults fall in the months after co-production rises. The reverse question, whether co-production falls in
the months after assaults rise, needs a model of the score: `fit_within_linear` is a linear model with ward
fixed effects (each ward compared only with itself) and bias-reduced cluster-robust errors by ward (CR2,
Bell-McCaffrey, with Satterthwaite degrees of freedom), the same errors the count models use below 30 wards
(`analysis.stats.counts.clustering.cr2`; R: lm with a ward factor and clubSandwich::coef_test(fit, vcov =
"CR2", test = "Satterthwaite")).

Why not a random-intercept cross-lagged panel model (RI-CLPM, Hamaker, Kuiper and Grasman 2015)? It is a
structural equation model with one row per ward and one column per wave: its variances and cross-lags are
estimated across wards, and with the 8 to 30 wards a hospital has (against 20 or more waves) it has more
parameters than wards and does not converge, or gives intervals that cannot be trusted. On the shipped sample
(12 wards, their last five quarters: 34 free parameters) lavaan 0.6.14 stops with "Model estimation FAILED"
(tests/reference/reverse_causation/riclpm_sample.R and .txt). `RICLPM_MIN_WARDS` states where it becomes
sensible; below it the symmetric lagged fixed-effects pair is the method.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.stats.counts.absorbed import _within_rank_ok, cr2_absorbed_linear, within
from analysis.stats.counts.clustering import cr2

RICLPM_MIN_WARDS = 100  # rule of thumb: SEM panels want 100+ units; hospitals have 8 to 30 wards

LINEAR_COLUMNS = ["term", "estimate", "std_error", "ci_low", "ci_high", "p_value", "df"]


def fit_within_linear(
    data: pd.DataFrame, outcome: str, predictors: list[str], ward: str = "ward_id", level: float = 0.95
) -> pd.DataFrame:
    """Linear model of `outcome` on `predictors` with ward fixed effects; CR2 errors, Satterthwaite df.

    Parameters
    ----------
    data : DataFrame
        One row per ward-month, no missing values in `outcome`, `predictors` or `ward`.
    outcome : str
        The response column (a co-production score).
    predictors : list of str
        The columns whose within-ward coefficients are wanted.
    ward : str
        The ward column; each ward has its own intercept.
    level : float
        The confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per predictor: term, estimate, std_error, ci_low, ci_high, p_value and df (Satterthwaite
        degrees of freedom of the t reference), as R's clubSandwich::coef_test on lm(outcome ~ predictors +
        factor(ward)).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"ward_id": np.repeat(["A", "B", "C", "D"], 10), "x": rng.normal(size=40)})
    >>> d["y"] = 2 * d["x"] + d["ward_id"].map({"A": 0, "B": 5, "C": 10, "D": 15}) + rng.normal(size=40)
    >>> t = fit_within_linear(d, "y", ["x"])
    >>> round(float(t.loc[0, "estimate"]), 1), round(float(t.loc[0, "df"]), 1), list(t.columns) == LINEAR_COLUMNS
    (2.1, 1.9, True)
    """
    df = data.sort_values(ward, kind="stable").reset_index(drop=True)
    codes, labels = pd.factorize(df[ward], sort=True)
    G, K = len(labels), len(predictors)
    y = df[outcome].astype(float).to_numpy()
    if len(y) <= K + G or G < 2:
        raise ValueError("too few ward-months or wards for a within-ward model")
    Z = df[predictors].astype(float).to_numpy().reshape(len(df), K)
    if not _within_rank_ok(Z, codes, G):
        return _fit_within_linear_dummies(df, outcome, predictors, ward, level)
    # the ward intercepts absorbed (Frisch-Waugh-Lovell): each ward's means taken off, then least squares on the
    # deviations; the same estimates and CR2 errors as the design with one indicator per ward, in time linear in
    # wards (that design's CR2 built a (wards + terms)^2 matrix per ward: minutes at 1,000 wards)
    ones = np.ones(len(y))
    Zt, yt = within(Z, codes, G, ones), within(y, codes, G, ones)
    beta = np.linalg.lstsq(Zt, yt, rcond=None)[0]
    ce = cr2_absorbed_linear(Z, yt - Zt @ beta, codes, G)
    return _linear_rows(predictors, beta, ce, list(range(K)), level)


def _linear_rows(predictors: list[str], params, ce, columns: list[int], level: float) -> pd.DataFrame:
    rows = []
    K = ce.vcov.shape[0]
    for p, j in zip(predictors, columns):
        est, se = float(params[j]), float(np.sqrt(ce.vcov[j, j]))
        dof = float(ce.df(np.eye(K)[j]))
        q = float(stats.t.ppf(0.5 + level / 2, dof))
        p_value = float(2 * stats.t.sf(abs(est / se), dof)) if se > 0 else float("nan")
        rows.append([p, est, se, est - q * se, est + q * se, p_value, dof])
    return pd.DataFrame(rows, columns=LINEAR_COLUMNS)


def _fit_within_linear_dummies(
    data: pd.DataFrame, outcome: str, predictors: list[str], ward: str = "ward_id", level: float = 0.95
) -> pd.DataFrame:
    """`fit_within_linear` with one indicator column per ward (statsmodels' GLM and `cr2` on the full design):
    the definition, used when the predictors' within-ward columns are collinear, and by the tests."""
    # imported here: statsmodels' GLM module is a tenth of a second at start-up, and only this model needs it
    import statsmodels.api as sm

    df = data.sort_values(ward, kind="stable").reset_index(drop=True)
    codes, labels = pd.factorize(df[ward], sort=True)
    # one indicator per ward after the first, built as one block (column by column fragments the frame)
    indicators = (codes[:, None] == np.arange(1, len(labels))[None, :]).astype(float)
    X = pd.concat(
        [
            pd.DataFrame({"const": 1.0, **{p: df[p].astype(float) for p in predictors}}, index=df.index),
            pd.DataFrame(indicators, index=df.index, columns=[f"ward={w}" for w in labels[1:]]),
        ],
        axis=1,
    )
    y = df[outcome].astype(float).to_numpy()
    if len(y) <= X.shape[1] or len(labels) < 2:
        raise ValueError("too few ward-months or wards for a within-ward model")
    res = sm.GLM(y, X, family=sm.families.Gaussian()).fit()
    ce = cr2(res, codes)
    return _linear_rows(predictors, res.params.to_numpy(), ce, [list(X.columns).index(p) for p in predictors], level)
