"""Is it rising? Is it improving? Each ward's last 12 months against the 12 before, with a 95% CI.

The variation icons read a ward's latest month against its usual range; they do not say whether the
last year differs from the year before. This does, in words a ward manager can repeat:

* assaults on staff: the rate ratio of the two years (assaults per occupied bed day), from a
  quasi-Poisson model of the 24 monthly counts with a log(bed days) offset and one step between the
  years (what R's glm(family = quasipoisson) fits; checked against it in tests/reference/ward_change).
  Months vary more than a Poisson count would (staffing, admissions), so the standard error is scaled
  by the Pearson dispersion when it is above 1 (never shrunk below the Poisson error).
* co-production (and any survey score): the difference between the two years' mean survey scores
  (fresh survey months only, carried months repeat a survey), with a Welch t interval (R: t.test).
  Quarterly surveys give about 4 scores a year, so the interval is wide: the honest answer.

Observational, one ward at a time: a change can come from anything that changed on the ward.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.text import fmt_number, percent_change, uk_month

WINDOW_MONTHS = 12
MIN_EVENTS = 5  # fewer assaults across both years: too few to estimate a ratio
MIN_SURVEYS = 2  # survey scores needed in each year for a difference with an interval


def windows(months: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """(start of the year before, start of the last year, last month) for the panel's last 24 months."""
    end = pd.Timestamp(months.max())
    last = end - pd.DateOffset(months=WINDOW_MONTHS - 1)
    return last - pd.DateOffset(months=WINDOW_MONTHS), last, end


def rate_change(counts: np.ndarray, bed_days: np.ndarray, later: np.ndarray, level: float = 0.95) -> dict:
    """Rate ratio later/earlier of monthly `counts` over `bed_days` (later: True for the later months),
    quasi-Poisson standard error scaled by max(1, Pearson dispersion)."""
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
    }
    if not post.any() or post.all() or a == 0 or b == 0 or a + b < MIN_EVENTS:
        return out
    fitted = np.where(post, a / ea, b / eb) * e
    dispersion = float(np.sum((y - fitted) ** 2 / fitted) / (len(y) - 2)) if len(y) > 2 else np.nan
    se = np.sqrt(1 / a + 1 / b) * np.sqrt(max(1.0, dispersion) if np.isfinite(dispersion) else 1.0)
    z = stats.norm.ppf(0.5 + level / 2)
    log_rr = np.log((a / ea) / (b / eb))
    return {
        **out,
        "rate_ratio": float(np.exp(log_rr)),
        "ci_low": float(np.exp(log_rr - z * se)),
        "ci_high": float(np.exp(log_rr + z * se)),
        "dispersion": dispersion,
        "std_error": float(se),
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


def year_on_year(
    panel: pd.DataFrame,
    score: str = "coproduction_patient_overall",
    carried: str = "coproduction_patient_months_carried",
) -> pd.DataFrame:
    """One row per ward: assaults on staff and the survey `score`, last 12 months against the 12 before,
    each with its estimate, 95% CI and a sentence (`assaults_words`, `score_words`)."""
    cols = [
        "ward_id",
        "assaults_rate_ratio",
        "assaults_ci_low",
        "assaults_ci_high",
        "assaults_later",
        "assaults_earlier",
        "assaults_words",
        "score_difference",
        "score_ci_low",
        "score_ci_high",
        "score_mean_later",
        "score_mean_earlier",
        "score_surveys_later",
        "score_surveys_earlier",
        "score_words",
    ]
    if not len(panel):
        return pd.DataFrame(columns=cols)
    before, last, end = windows(panel["month"])
    span = panel[panel["month"] >= before]
    rows = []
    for ward, d in span.groupby("ward_id", sort=True):
        later = (d["month"] >= last).to_numpy()
        r = (
            rate_change(d["assaults_on_staff"], d["occupied_bed_days"], later)
            if {"assaults_on_staff", "occupied_bed_days"} <= set(d.columns)
            else rate_change([], [], [])
        )
        s = {
            "n_later": 0,
            "n_earlier": 0,
            "difference": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "mean_later": np.nan,
            "mean_earlier": np.nan,
        }
        if score in d.columns:
            fresh = d[d[score].notna() & ((d[carried] == 0) if carried in d.columns else True)]
            s = mean_change(fresh.loc[fresh["month"] >= last, score], fresh.loc[fresh["month"] < last, score])
        rows.append(
            {
                "ward_id": ward,
                "assaults_rate_ratio": r["rate_ratio"],
                "assaults_ci_low": r["ci_low"],
                "assaults_ci_high": r["ci_high"],
                "assaults_later": r["events_later"],
                "assaults_earlier": r["events_earlier"],
                "assaults_words": assaults_words(r),
                "score_difference": s["difference"],
                "score_ci_low": s["ci_low"],
                "score_ci_high": s["ci_high"],
                "score_mean_later": s["mean_later"],
                "score_mean_earlier": s["mean_earlier"],
                "score_surveys_later": s["n_later"],
                "score_surveys_earlier": s["n_earlier"],
                "score_words": score_words(s),
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    out.attrs = {
        "later": f"{uk_month(last)} to {uk_month(end)}",
        "earlier": f"{uk_month(before)} to {uk_month(last - pd.DateOffset(months=1))}",
    }
    return out


def assaults_words(r: dict) -> str:
    """'23% lower than the year before (95% CI 45% lower to 5% higher): not a clear change'."""
    if not np.isfinite(r["rate_ratio"]):
        return "Too few assaults across the two years to compare them."
    rr, lo, hi = r["rate_ratio"], r["ci_low"], r["ci_high"]
    clear = hi < 1 or lo > 1
    verdict = ("improving" if hi < 1 else "worse") if clear else "not a clear change"
    rate, low, high = (percent_change(x, more="higher", fewer="lower") for x in (rr, lo, hi))
    return f"Rate {rate} than the year before (95% CI {low} to {high}): {verdict}."


def score_words(s: dict) -> str:
    """'Up 6 points on the year before (95% CI -2 to +14): not a clear change'."""
    if not np.isfinite(s["difference"]):
        return (
            f"Too few surveys to compare the two years ({s['n_later']} in the last 12 months, "
            f"{s['n_earlier']} in the 12 before)."
        )
    d, lo, hi = s["difference"], s["ci_low"], s["ci_high"]
    clear = lo > 0 or hi < 0
    verdict = ("rising" if lo > 0 else "falling") if clear else "not a clear change"
    move = "No change" if round(d) == 0 else f"{'Up' if d > 0 else 'Down'} {fmt_number(abs(d), 0)} points"
    return (
        f"{move} on the year before (95% CI {lo:+.0f} to {hi:+.0f}; {s['n_later']} and {s['n_earlier']} "
        f"surveys): {verdict}."
    )
