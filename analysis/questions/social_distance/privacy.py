"""What the charts and downloads may show of the ward-quarters: whole quarters only, and enough returns each.

A mean over a quarter cut by the period would change when the period moves by a month and give back one month's
returns, so only whole quarters are shown (`whole_quarters`, counted out by `partial_quarters`, said by
`partial_note`). A ward-quarter whose mean (or the closeness beside it) rests on fewer returns than the
small-number rule allows is withheld (`scatter_points`, said by `withheld_note`). Only what is shown and leaves
the app is held back: the links and sentences still use every ward-quarter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.questions.social_distance.measures import CLOSENESS
from analysis.text import plural, plural_word

# The returns behind each subscale mean, counted per ward-quarter by `wave_table` (a mean of one staff member's
# returns is that person's answer). The closeness measures come from the co-production panel, not from returns.
RETURNS: dict[str, str] = {
    "staff_safety": "n_staff_safety",
    "patient_safety": "n_patient_safety",
    "staff_boundaries": "n_staff_boundaries",
}


def min_returns(rule) -> int:
    """The fewest returns a shown mean may rest on: the small-number rule's threshold (a count of `rule.high`
    or fewer is hidden, so a mean of that many returns is withheld too)."""
    return int(rule.high) + 1


def whole_quarters(waves: pd.DataFrame) -> pd.DataFrame:
    """The ward-quarters wholly in the period (all three months), the only ones whose means are shown.

    Why: a mean over a quarter cut by the period changes when the period moves by a month, and the difference
    of the two (with the returns each rests on) is the mean of that one month's returns, however few. Whole
    quarters only, every shown mean is the same whichever month the period starts, so differencing two periods
    can only ever give back a whole ward-quarter's mean, which is itself shown only when enough returns make it.
    """
    if "whole_quarter" not in waves.columns:
        return waves
    return waves[waves["whole_quarter"].astype(bool)]


def partial_quarters(waves: pd.DataFrame, outcome: str) -> int:
    """How many ward-quarters with `outcome` and closeness are left out for being only partly in the period."""
    if "whole_quarter" not in waves.columns:
        return 0
    d = waves.dropna(subset=[outcome, CLOSENESS])
    return int((~d["whole_quarter"].astype(bool)).sum())


def partial_note(n_partial: int) -> str:
    """Why ward-quarters cut by the period are missing from the charts and downloads ('' when none are)."""
    if not n_partial:
        return ""
    return (
        f"{plural(n_partial, 'ward-quarter')} only partly in the period {plural_word(n_partial, 'is', 'are')} not "
        "shown here or in the downloads: this page shows whole quarters only (January to March, April to June, "
        "July to September, October to December), so comparing two periods a month apart cannot reveal one "
        "month's returns. The sentences above still use them."
    )


def _enough(d: pd.DataFrame, n_cols: list[str], rule) -> pd.Series:
    """Rows whose means each rest on at least `min_returns(rule)` returns (a count not known passes: the
    co-production scores table gives none)."""
    keep = pd.Series(True, index=d.index)
    for c in n_cols:
        if c in d.columns:
            keep &= d[c].isna() | (d[c] >= min_returns(rule))
    return keep


def scatter_points(waves: pd.DataFrame, outcome: str, rule) -> tuple[pd.DataFrame, int]:
    """The ward-quarters a chart of `outcome` against closeness may show, each with `n_returns` (the returns its
    mean rests on), and how many were withheld because their mean (or the closeness beside it) rests on fewer
    than `min_returns(rule)`. Quarters only partly in the period are left out first (`whole_quarters`; counted by
    `partial_quarters`).

    Only what is shown and leaves the app is withheld: `closeness_link` still fits every ward-quarter."""
    d = whole_quarters(waves).dropna(subset=[outcome, CLOSENESS])
    cols = ["ward_id", "ward_name", "quarter", CLOSENESS, outcome]
    close_ok = _enough(d, [f"n_{CLOSENESS}"], rule)
    n_col = RETURNS.get(outcome)
    if n_col is None or n_col not in d.columns:
        return d.loc[close_ok, cols].assign(n_returns=np.nan).reset_index(drop=True), int((~close_ok).sum())
    d = d[cols].assign(n_returns=d[n_col].fillna(0).astype(int))
    keep = (d["n_returns"] >= min_returns(rule)) & close_ok
    return d[keep].reset_index(drop=True), int((~keep).sum())


def withheld_note(n_withheld: int, rule) -> str:
    """Why some ward-quarters are missing from a chart, its download and its pictures ('' when none are)."""
    if not n_withheld:
        return ""
    its = plural_word(n_withheld, "its mean rests", "their means rest")
    it = plural_word(n_withheld, "it", "them")
    return (
        f"{plural(n_withheld, 'ward-quarter')} not shown here or in the downloads: {its} on fewer than "
        f"{plural(min_returns(rule), 'return')}, so one person's answers could be read from {it} (the small-number "
        "rule). The fitted line and the sentences above still use every return."
    )
