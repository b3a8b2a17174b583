"""Agreement between patients and staff on the same ward, measured on pairs of ward-quarter means.

Quarters, because patients and staff are often surveyed in different months of a quarter. Per ward
(`agreement`): the mean gap (staff minus patient) with a t-interval over its quarters, and Bland-Altman limits
of agreement (mean gap +/- 1.96 SD). Across wards, `agreement_summary` adds the hospital-wide limits and ICC(2,1)
(two-way random, absolute agreement; Shrout and Fleiss 1979) of ward-level patient vs staff means: absolute
agreement, because a ward where staff rate co-production 20 points above patients is exactly the disagreement
the product must show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis._lazy import lazy_module

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
stats = lazy_module("scipy.stats")


def quarter_pairs(ward_month_scores: pd.DataFrame, value: str = "overall") -> pd.DataFrame:
    """Ward-quarter means of patient and staff scores where both exist (survey months only)."""
    s = ward_month_scores
    if "months_carried" in s.columns:
        s = s[s["months_carried"].fillna(0) == 0]
    s = s.dropna(subset=[value])
    q = pd.to_datetime(s["month"]).dt.to_period("Q")
    wide = s.assign(quarter=q).pivot_table(
        index=["ward_id", "quarter"], columns="respondent", values=value, aggfunc="mean"
    )
    if not {"patient", "staff"} <= set(wide.columns):
        return pd.DataFrame(columns=["ward_id", "quarter", "patient", "staff", "gap"])
    wide = wide[["patient", "staff"]].dropna().reset_index()
    wide["gap"] = wide["staff"] - wide["patient"]
    wide.columns.name = None
    return wide


def agreement(ward_month_scores: pd.DataFrame, value: str = "overall", level: float = 0.95) -> pd.DataFrame:
    """Per ward: mean patient and staff score, gap (staff minus patient) with t CI, limits of agreement.

    Input is long ward-month scores (ward_id, month, respondent, `value`, optionally months_carried).
    The CI needs 2 or more paired quarters; the limits need 3 or more.
    """
    pairs = quarter_pairs(ward_month_scores, value)
    cols = [
        "ward_id",
        "n_quarters",
        "mean_patient",
        "mean_staff",
        "gap",
        "gap_ci_low",
        "gap_ci_high",
        "loa_low",
        "loa_high",
    ]
    if not len(pairs):
        return pd.DataFrame(columns=cols)
    g = pairs.groupby("ward_id", sort=True)
    out = pd.DataFrame(
        {
            "n_quarters": g.size(),
            "mean_patient": g["patient"].mean(),
            "mean_staff": g["staff"].mean(),
            "gap": g["gap"].mean(),
            "sd": g["gap"].std(ddof=1),
        }
    )
    n = out["n_quarters"].astype(float)
    t = stats.t.ppf(0.5 + level / 2, (n - 1).where(n >= 2))
    half = t * out["sd"] / np.sqrt(n)
    out["gap_ci_low"], out["gap_ci_high"] = out["gap"] - half, out["gap"] + half
    ok = n >= 3
    out["loa_low"] = (out["gap"] - 1.96 * out["sd"]).where(ok)
    out["loa_high"] = (out["gap"] + 1.96 * out["sd"]).where(ok)
    return out.reset_index()[cols]


def icc_2_1(x: np.ndarray) -> float:
    """ICC(2,1), two-way random effects, absolute agreement, single rater (Shrout and Fleiss 1979).

    `x` is targets (rows) by raters (columns), complete.
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    if n < 2 or k < 2:
        return np.nan
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    msr, msc, mse = ss_rows / (n - 1), ss_cols / (k - 1), ss_err / ((n - 1) * (k - 1))
    denom = msr + (k - 1) * mse + k * (msc - mse) / n
    return float((msr - mse) / denom) if denom > 0 else np.nan


def agreement_summary(ward_month_scores: pd.DataFrame, value: str = "overall") -> dict:
    """Hospital-wide agreement: mean gap, limits of agreement over ward-quarters, ICC(2,1) of ward means."""
    pairs = quarter_pairs(ward_month_scores, value)
    per_ward = pairs.groupby("ward_id")[["patient", "staff"]].mean() if len(pairs) else pd.DataFrame()
    n = len(pairs)
    gap = float(pairs["gap"].mean()) if n else np.nan
    sd = float(pairs["gap"].std(ddof=1)) if n >= 2 else np.nan
    return {
        "n_wards": len(per_ward),
        "n_ward_quarters": int(n),
        "mean_gap": gap,
        "loa_low": gap - 1.96 * sd,
        "loa_high": gap + 1.96 * sd,
        "icc_2_1": icc_2_1(per_ward.to_numpy()) if len(per_ward) >= 2 else np.nan,
        "note": "Gap is staff minus patient score (points on 0 to 100); limits of agreement are mean gap "
        "+/- 1.96 SD over ward-quarters; ICC(2,1) is absolute agreement of ward-level means.",
    }
