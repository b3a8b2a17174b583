"""The recovery model's tidy table of estimates: one row per term with its estimate, standard error, 95%
interval and p-value, either from a given reference distribution and quantile (`_tidy`: the one-ward
least-squares fit) or from the t distribution on each term's own degrees of freedom, kept in a `df` column
(`_tidy_t`: the mixed model's Satterthwaite figures and the weighted fit's between-within ones).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis._lazy import lazy_module

# scipy is imported on first use (analysis._lazy): a page drawn from kept answers does not need it
stats = lazy_module("scipy.stats")


def _tidy(names, est, se, q, dist):
    est, se = np.asarray(est, float), np.asarray(se, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    p = 2 * dist.sf(np.abs(z))
    return pd.DataFrame(
        {
            "term": list(names),
            "estimate": est,
            "std_error": se,
            "ci_low": est - q * se,
            "ci_high": est + q * se,
            "p_value": p,
        }
    )


def _tidy_t(names, est, se, df) -> pd.DataFrame:
    """Estimates with t intervals and p-values on each term's own degrees of freedom (column `df`)."""
    est, se, df = np.asarray(est, float), np.asarray(se, float), np.asarray(df, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    q = stats.t.ppf(0.975, df)
    return pd.DataFrame(
        {
            "term": list(names),
            "estimate": est,
            "std_error": se,
            "ci_low": est - q * se,
            "ci_high": est + q * se,
            "p_value": 2 * stats.t.sf(np.abs(z), df),
            "df": df,
        }
    )
