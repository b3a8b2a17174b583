"""Residual summaries by ward and by month, and expected rates per 1,000 occupied bed days at chosen scores."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis._lazy import lazy_module
from analysis.stats.counts.prepare import Design

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
stats = lazy_module("scipy.stats")


def pearson_residuals(y: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
    return (y - mu) / np.sqrt(mu + alpha * mu**2)


def residual_summaries(
    d: Design, mu: np.ndarray, alpha: float, ward: str, month: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pearson residuals summarised by ward and by month: a ward or month far from 0 is poorly described."""
    r = pearson_residuals(d.y, mu, alpha)
    frame = pd.DataFrame(
        {
            ward: d.data[ward].to_numpy(),
            month: d.data[month].to_numpy(),
            "observed": d.y,
            "expected": mu,
            "pearson": r,
            "abs_pearson": np.abs(r),  # the largest by a grouped max, not a Python function per ward and month
        }
    )
    agg = {
        "n": ("pearson", "size"),
        "observed": ("observed", "sum"),
        "expected": ("expected", "sum"),
        "mean_pearson": ("pearson", "mean"),
        "sd_pearson": ("pearson", "std"),
        "max_abs_pearson": ("abs_pearson", "max"),
    }
    by_ward = frame.groupby(ward, sort=True).agg(**agg).reset_index()
    by_month = frame.groupby(month, sort=True).agg(**agg).reset_index()
    return by_ward, by_month


def expected_rates(
    d: Design,
    params: pd.Series,
    vcov: np.ndarray,
    df,
    at: tuple[float, ...],
    per: float,
    raw_scores: pd.Series,
) -> pd.DataFrame:
    """Expected rate per 1,000 occupied bed days at each score, other inputs at their averages.

    With the within/between split there are two readings: an average ward in a month when its
    score is at that level (within), and a ward whose usual score is at that level (between).
    `df` is the t reference's degrees of freedom: a number, a function of the combination x (the
    Satterthwaite degrees of freedom of x'beta under CR2), or None for a normal reference.
    """
    means = d.X.mean(axis=0)
    grand = float(raw_scores.mean()) / per
    b = params.reindex(d.X.columns).to_numpy(float)
    rows = []
    for score in at:
        s = score / per
        for basis, values in _scenarios(d.predictor_terms, s, grand, means).items():
            x = means.copy()
            for term, v in values.items():
                x[term] = v
            xv = x.to_numpy(float)
            eta = float(xv @ b)
            se = float(np.sqrt(max(xv @ vcov @ xv, 0.0)))
            nu = df(xv) if callable(df) else df
            q = stats.t.ppf(0.975, nu) if nu else stats.norm.ppf(0.975)
            rows.append(
                {
                    "score": score,
                    "basis": basis,
                    "rate_per_1000_obd": 1000 * np.exp(eta),
                    "ci_low": 1000 * np.exp(eta - q * se),
                    "ci_high": 1000 * np.exp(eta + q * se),
                }
            )
    return pd.DataFrame(rows)


def _scenarios(terms: dict[str, str], s: float, grand: float, means: pd.Series) -> dict[str, dict[str, float]]:
    within = next((t for t, r in terms.items() if r == "within"), None)
    between = next((t for t, r in terms.items() if r == "between"), None)
    single = next((t for t, r in terms.items() if r == "single"), None)
    if single:
        return {"all ward-months at this score": {single: s}}
    out = {}
    if within:
        values = {within: s - grand}
        if between:
            values[between] = float(means[between])
        out["an average ward in a month at this score (within ward)"] = values
    if between:
        out["a ward whose usual score is this (between wards)"] = {between: s, within: 0.0}
    return out


def family_comparison(pois, nb, disp) -> dict:
    """Poisson against negative binomial (fits with `aic` and `llf`; `disp` the dispersion test), for the
    diagnostics."""
    return {
        "aic_poisson": pois.aic,
        "aic_negbin": nb.aic,
        "llf_poisson": pois.llf,
        "llf_negbin": nb.llf,
        "lr_statistic": disp.lr_statistic,
        "lr_p_value": disp.p_value,
        "note": "Lower AIC fits better; the likelihood-ratio test compares Poisson with negative binomial.",
    }
