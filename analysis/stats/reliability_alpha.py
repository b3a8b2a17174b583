"""Cronbach's alpha with Feldt's (1965) confidence interval, and alpha in plain words.

Alpha is worked out on complete rows of item scores; Feldt's interval is exact when items are parallel and
normal: (1 - alpha) / (1 - alpha_true) ~ F(n - 1, (n - 1)(k - 1)). The words are the usual rule-of-thumb bands
(George and Mallery), not a test. The co-production aspects' table (`analysis.stats.reliability`) and any
instrument's subscales (`analysis.stats.reliability_instruments`) both take their alpha from here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis._lazy import lazy_module

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
stats = lazy_module("scipy.stats")

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
