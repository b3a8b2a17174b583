"""Reliability of the working instrument and patient-staff agreement, from a site's own returns.

Internal consistency is Cronbach's alpha per aspect with Feldt's (1965) confidence interval, which is
exact when items are parallel and normal: (1 - alpha) / (1 - alpha_true) ~ F(n - 1, (n - 1)(k - 1)).

Agreement between patients and staff is about the same ward, so it is measured on pairs of ward-quarter
means (quarters, because patients and staff are often surveyed in different months of a quarter).
Per ward: the mean gap (staff minus patient) with a t-interval over its quarters, and Bland-Altman
limits of agreement (mean gap +/- 1.96 SD). Across wards, `agreement_summary` adds the hospital-wide
limits and ICC(2,1) (two-way random, absolute agreement; Shrout and Fleiss 1979) of ward-level patient
vs staff means. Absolute agreement is chosen over consistency (ICC(3,1)) because a ward where staff
rate co-production 20 points above patients is exactly the disagreement the product must show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.panel.scoring import aspects_of, item_scores
from analysis.text import plural

ALPHA_WORDS = (
    (0.9, "excellent (0.90 or above)"),
    (0.8, "good (0.80 to 0.89)"),
    (0.7, "acceptable (0.70 or above)"),
    (0.6, "questionable (0.60 to 0.69)"),
    (0.5, "poor (0.50 to 0.59)"),
)
ALPHA_NOTE = "Bands are the usual rule of thumb (George and Mallery), not a test."


def cronbach_alpha(items_df: pd.DataFrame, level: float = 0.95) -> tuple[float, float, float, int]:
    """Cronbach's alpha of the columns of `items_df` with Feldt's CI, on complete rows: (alpha, lo, hi, n).

    NaN when fewer than 2 items or fewer than 3 complete rows, or no variance.
    """
    x = items_df.dropna().to_numpy(dtype=float)
    n, k = x.shape
    if k < 2 or n < 3:
        return (np.nan, np.nan, np.nan, int(n))
    total_var = x.sum(axis=1).var(ddof=1)
    if not total_var > 0:
        return (np.nan, np.nan, np.nan, int(n))
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - level) / 2
    lo = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    hi = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return (float(alpha), float(lo), float(hi), int(n))


def alpha_words(alpha: float) -> str:
    """Alpha in plain words."""
    if not np.isfinite(alpha):
        return "not computable"
    for cut, words in ALPHA_WORDS:
        if alpha >= cut:
            return words
    return "unacceptable (below 0.50)"


def _groups(responses: pd.DataFrame, respondent: str | None) -> list[tuple[str, pd.Index]]:
    who = responses["respondent"].astype(str)
    if respondent is not None:
        return [(respondent, responses.index[who == respondent])]
    out = [(r, responses.index[who == r]) for r in sorted(who.unique())]
    return out + [("all", responses.index)]


def reliability_table(responses: pd.DataFrame, instrument: pd.DataFrame, respondent: str | None = None) -> pd.DataFrame:
    """Alpha with 95% CI per aspect and respondent group (patients, staff, and all when `respondent` is None).

    Items are the 0..100 item scores with reverse items turned round; returns missing any of the
    aspect's items are left out of that aspect's alpha (complete cases).
    """
    items = item_scores(responses, instrument)
    present = set(responses.columns)
    rows = []
    for who, idx in _groups(responses, respondent):
        for a in aspects_of(instrument):
            cols = [str(i) for i, asp in zip(instrument["item"], instrument["aspect"]) if asp == a]
            have = [c for c in cols if c in present]
            alpha, lo, hi, n = cronbach_alpha(items.loc[idx, have])
            if len(have) < 2:
                words = (
                    f"not computable: the aspect has {plural(len(have), 'item')} "
                    "in the returns (alpha needs at least 2)"
                )
            elif not np.isfinite(alpha):
                words = f"not computable: only {n} returns answer every item of the aspect (or no spread)"
            else:
                words = alpha_words(alpha)
            rows.append(
                {
                    "aspect": a,
                    "respondent": who,
                    "alpha": alpha,
                    "ci_low": lo,
                    "ci_high": hi,
                    "n_returns": n,
                    "n_items": len(have),
                    "n_items_in_instrument": len(cols),
                    "in_words": words,
                }
            )
    return pd.DataFrame(rows)


def item_total(responses: pd.DataFrame, instrument: pd.DataFrame, respondent: str | None = None) -> pd.DataFrame:
    """Corrected item-total correlation: each item against the sum of the other items of its aspect.

    Complete cases within the aspect; NaN when the aspect has fewer than 2 items in the returns.
    """
    items = item_scores(responses, instrument)
    rows = []
    for who, idx in _groups(responses, respondent):
        for a in aspects_of(instrument):
            cols = [str(i) for i, asp in zip(instrument["item"], instrument["aspect"]) if asp == a]
            have = [c for c in cols if c in responses.columns]
            block = items.loc[idx, have].dropna()
            for c in cols:
                r = np.nan
                if c in have and len(have) >= 2 and len(block) >= 3:
                    rest = block.drop(columns=c).sum(axis=1)
                    if block[c].std() > 0 and rest.std() > 0:
                        r = float(np.corrcoef(block[c], rest)[0, 1])
                rows.append(
                    {
                        "item": c,
                        "aspect": a,
                        "respondent": who,
                        "corrected_item_total_r": r,
                        "n_returns": len(block),
                        "in_returns": c in have,
                    }
                )
    return pd.DataFrame(rows)


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
