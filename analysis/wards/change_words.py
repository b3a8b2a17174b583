"""Year on year in words: a ward's change in assaults and in its survey score as sentences a ward manager can
repeat, which periods were compared (for a caption) and how the intervals were worked out (for researchers).

Every number is formatted by analysis/text.py. The sentences say "improving", "worse", "rising", "falling" or
"not a clear change" from whether the 95% confidence interval leaves no change out.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.text import fmt_number, percent_change, plural
from analysis.wards.change_periods import SAME_MONTHS, YEAR_BEFORE


def _gap(n_earlier: int, n_later: int) -> str:
    """' The earlier period has figures for 6 of its 12 months.' when it has fewer months than the later."""
    if 0 < n_earlier < n_later:
        return f" The earlier period has figures for {n_earlier} of its {plural(n_later, 'month')}."
    return ""


def interval_methods(row: Mapping) -> str:
    """How a ward's two intervals were worked out, with their degrees of freedom, for researchers (a row of
    `year_on_year`): 'Rate ratio: quasi-Poisson error (dispersion 1.93), t on 22 degrees of freedom. Score
    difference: Welch t on 5.2 degrees of freedom.'"""
    parts = []
    df, disp = row.get("assaults_df", np.nan), row.get("assaults_dispersion", np.nan)
    if np.isfinite(row.get("assaults_rate_ratio", np.nan)):
        if np.isfinite(df):
            parts.append(
                f"Rate ratio: quasi-Poisson error (dispersion {fmt_number(disp, 2)}), t on "
                f"{plural(int(round(df)), 'degree')} of freedom."
            )
        else:
            parts.append("Rate ratio: Poisson error (no extra spread between months), normal reference.")
    sdf = row.get("score_df", np.nan)
    if np.isfinite(row.get("score_difference", np.nan)) and np.isfinite(sdf):
        parts.append(f"Score difference: Welch t on {fmt_number(sdf, 1)} degrees of freedom.")
    return " ".join(parts)


def comparison_sentence(changes: pd.DataFrame) -> str:
    """Which periods `year_on_year` compared, in a sentence for a caption:
    'Oct 2025 to Mar 2026 against the same months a year earlier (Oct 2024 to Mar 2025), with 95% confidence
    intervals.'"""
    a = changes.attrs
    if not a.get("later"):
        return ""
    against = SAME_MONTHS if a.get("same_months") else YEAR_BEFORE
    return f"{a['later']} against {against} ({a['earlier']}), with 95% confidence intervals."


def assaults_words(r: dict, against: str = YEAR_BEFORE) -> str:
    """'Rate 23% lower than the year before (95% CI 45% lower to 5% higher): not a clear change.'
    (`against`: what the later period is compared with, "the same months a year earlier" for a short one.)"""
    if not np.isfinite(r["rate_ratio"]):
        return "Too few assaults across the two years to compare them."
    rr, lo, hi = r["rate_ratio"], r["ci_low"], r["ci_high"]
    clear = hi < 1 or lo > 1
    verdict = ("improving" if hi < 1 else "worse") if clear else "not a clear change"
    rate, low, high = (percent_change(x, more="higher", fewer="lower", same="no different") for x in (rr, lo, hi))
    change = "about the same as" if rate == "no different" else f"{rate} than"  # never "Rate no change than ..."
    return f"Rate {change} {against} (95% CI {low} to {high}): {verdict}."


def score_words(
    s: dict, later: str = "the last 12 months", earlier: str = "the 12 before", against: str = YEAR_BEFORE
) -> str:
    """'Up 6 points on the year before (95% CI -2 to +14; 4 and 4 surveys): not a clear change.'
    (`later`, `earlier`: the two periods in words; `against`: what the later is compared with.)"""
    if not np.isfinite(s["difference"]):
        return f"Too few surveys to compare the two years ({s['n_later']} in {later}, {s['n_earlier']} in {earlier})."
    d, lo, hi = s["difference"], s["ci_low"], s["ci_high"]
    clear = lo > 0 or hi < 0
    verdict = ("rising" if lo > 0 else "falling") if clear else "not a clear change"
    move = "No change" if round(d) == 0 else f"{'Up' if d > 0 else 'Down'} {fmt_number(abs(d), 0)} points"
    return (
        f"{move} on {against} (95% CI {lo:+.0f} to {hi:+.0f}; {s['n_later']} and {s['n_earlier']} surveys): {verdict}."
    )
