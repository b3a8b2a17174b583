"""How a measure moves with closeness: a `Link`, and `closeness_link`, the mixed model that gives it.

`closeness_link` fits a linear model with a random intercept per ward (REML, `analysis.stats.mixed`) of a
measure on closeness per `PER` points over the ward-quarters, with a Satterthwaite t interval (lmerTest's method).
The slope mixes the within-ward change and the difference between wards; it is observational. It needs at least
`MIN_WARDS` wards and `MIN_OBS` ward-quarters; with fewer the Link has no estimate. The count models' rate
ratios (assaults, boundary-related incidents) are put in the same shape for the verdict (`model.assaults_as_link`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.questions.social_distance.measures import CLOSENESS, PER
from analysis.stats.mixed import fit_random_intercept, satterthwaite


@dataclass(frozen=True)
class Link:
    """How a measure moves per `PER` points of closeness (random intercept per ward, Satterthwaite t)."""

    outcome: str
    estimate: float
    ci_low: float
    ci_high: float
    df: float
    n_wards: int
    n_obs: int
    intercept: float = np.nan

    @property
    def ok(self) -> bool:
        return bool(np.isfinite(self.estimate) and np.isfinite(self.ci_low) and np.isfinite(self.ci_high))

    @property
    def clear(self) -> bool:
        return self.ok and (self.ci_low > 0 or self.ci_high < 0)


MIN_WARDS = 3
MIN_OBS = 8


def closeness_link(waves: pd.DataFrame, outcome: str, predictor: str = CLOSENESS, level: float = 0.95) -> Link:
    """The slope of `outcome` per 10 points of `predictor`, ward-quarters pooled with a random ward intercept."""
    d = waves.dropna(subset=[outcome, predictor])
    n_w, n = int(d["ward_id"].nunique()), len(d)
    if n_w < MIN_WARDS or n < MIN_OBS or d[predictor].std() == 0:
        return Link(outcome, np.nan, np.nan, np.nan, np.nan, n_w, n)
    x = (d[predictor].to_numpy(float) - 50.0) / PER
    X = np.column_stack([np.ones(n), x])
    y, g = d[outcome].to_numpy(float), d["ward_id"].astype(str).to_numpy()
    fit = fit_random_intercept(y, X, g)
    sat = satterthwaite(y, X, g, fit)
    c = np.array([0.0, 1.0])
    se = float(np.sqrt(c @ sat.vcov @ c))
    df = sat.df(c)
    t = stats.t.ppf(0.5 + level / 2, df) if np.isfinite(df) else np.nan
    b = float(fit.params[1])
    return Link(outcome, b, b - t * se, b + t * se, float(df), n_w, n, float(fit.params[0]))
