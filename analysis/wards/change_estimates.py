"""The two estimates of year on year for one ward: a rate ratio and a difference of mean scores, each with a CI.

`rate_change` is the rate ratio of assaults per occupied bed day, later period over earlier, from a quasi-Poisson
model with a log(bed days) offset (R: glm(family = quasipoisson)); `mean_change` is the difference of mean survey
scores with a Welch t interval (R: t.test). `analysis.wards.change.year_on_year` works out the same figures for
every ward at once; these are the one-ward forms it is tested against (tests/wards/test_change.py).
"""

from __future__ import annotations

import numpy as np

from analysis._lazy import lazy_module

# scipy is imported on first use (analysis._lazy): a page drawn from kept answers does not need it
stats = lazy_module("scipy.stats")

MIN_EVENTS = 5  # fewer assaults across both years: too few to estimate a ratio
MIN_SURVEYS = 2  # survey scores needed in each year for a difference with an interval


def rate_change(counts: np.ndarray, bed_days: np.ndarray, later: np.ndarray, level: float = 0.95) -> dict:
    """Rate ratio later/earlier of monthly `counts` over `bed_days` (later: True for the later months),
    quasi-Poisson standard error scaled by max(1, Pearson dispersion).

    The interval's reference is sized to what was estimated: when the error is scaled by the dispersion (above
    1), that dispersion is estimated from the months, so the interval uses t on the residual degrees of freedom
    (months - 2), as R's summary.glm does for a quasipoisson fit; when the Poisson error stands (dispersion at or
    below 1, nothing estimated beyond the two rates) it uses the normal. ``df`` says which (inf: normal)."""
    y, e, post = (np.asarray(counts, float), np.asarray(bed_days, float), np.asarray(later, bool))
    keep = np.isfinite(y) & np.isfinite(e) & (e > 0)
    y, e, post = y[keep], e[keep], post[keep]
    a, b = y[post].sum(), y[~post].sum()
    ea, eb = e[post].sum(), e[~post].sum()
    out = {
        "events_later": a,
        "events_earlier": b,
        "bed_days_later": ea,
        "bed_days_earlier": eb,
        "months": len(y),
        "rate_ratio": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "dispersion": np.nan,
        "df": np.nan,
    }
    if not post.any() or post.all() or a == 0 or b == 0 or a + b < MIN_EVENTS:
        return out
    fitted = np.where(post, a / ea, b / eb) * e
    dispersion = float(np.sum((y - fitted) ** 2 / fitted) / (len(y) - 2)) if len(y) > 2 else np.nan
    scaled = bool(np.isfinite(dispersion) and dispersion > 1)
    se = np.sqrt(1 / a + 1 / b) * np.sqrt(dispersion if scaled else 1.0)
    df = float(len(y) - 2) if scaled else np.inf
    z = stats.t.ppf(0.5 + level / 2, df) if scaled else stats.norm.ppf(0.5 + level / 2)
    log_rr = np.log((a / ea) / (b / eb))
    return {
        **out,
        "rate_ratio": float(np.exp(log_rr)),
        "ci_low": float(np.exp(log_rr - z * se)),
        "ci_high": float(np.exp(log_rr + z * se)),
        "dispersion": dispersion,
        "std_error": float(se),
        "df": df,
    }


def mean_change(later: np.ndarray, earlier: np.ndarray, level: float = 0.95) -> dict:
    """Difference of means later - earlier with a Welch t interval (R: t.test(later, earlier))."""
    x, y = np.asarray(later, float), np.asarray(earlier, float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    out = {
        "n_later": len(x),
        "n_earlier": len(y),
        "mean_later": float(x.mean()) if len(x) else np.nan,
        "mean_earlier": float(y.mean()) if len(y) else np.nan,
        "difference": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
    }
    if len(x) < MIN_SURVEYS or len(y) < MIN_SURVEYS:
        return out
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    diff = x.mean() - y.mean()
    se = np.sqrt(vx + vy)
    if se == 0:
        return {**out, "difference": float(diff), "ci_low": float(diff), "ci_high": float(diff)}
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
    q = stats.t.ppf(0.5 + level / 2, df)
    return {
        **out,
        "difference": float(diff),
        "ci_low": float(diff - q * se),
        "ci_high": float(diff + q * se),
        "df": float(df),
    }
