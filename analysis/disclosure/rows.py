"""A row whose count is hidden says nothing else about itself: the per-row figures of a chart's table.

`protect_table` hides a small count and the rate made from it, and passes every other column through. For a
table of a chart's months that is not enough: a u-chart's limits for a month are centre +/- 3 x sqrt(centre /
bed days), so they give back that month's bed days; a one-month chart's centre line is that month's rate, so
with the bed days it gives back the count; whether a month is flagged unusual says on which side of a limit
its count lies. So in a row where a count is hidden (or every count is withheld), every figure of the row
(each column but the ones that name the row: the month, the ward) is hidden too, and a figure elsewhere that
repeats a rate the rule hides or changes (a one-month segment's centre is its rate) is hidden as well.

`private_rows` says which rows show none of their own figures; `protect_rows` is the whole table as it may leave
(`protected_with_rows`: with those rows; `protected_csv`: as the stamped CSV).
`analysis.disclosure.images.protect_figure` applies the same rule to a picture. The pages reach all of this through
`ui.show.chart` (its `keep=`), and a chart over time is also worked out again from its published counts there
(`analysis.charts.published`), so that its averages and run rules say nothing of a hidden month either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.disclosure.protect import protect_table
from analysis.disclosure.rules import DisclosureError, DisclosureRule, rule_from_name
from analysis.disclosure.safe_tables import to_csv_bytes

WITHHELD = "counts withheld: too small to publish safely"
RATE_SLACK = 0.5 * 10.0**-2 + 1e-9  # a rate published at 2 decimals is not changed by that rounding alone


def hidden_rows(published: pd.DataFrame, counts: Sequence[str], symbol: str) -> np.ndarray:
    """True for each row of a protected frame where some count shows the rule's symbol (or no number)."""
    if not len(published) or not counts:
        return np.zeros(len(published), dtype=bool)
    shown = [pd.to_numeric(published[c].where(published[c].astype(str) != symbol), errors="coerce") for c in counts]
    return np.logical_or.reduce([s.isna().to_numpy() for s in shown])


def numbers(s: pd.Series) -> np.ndarray:
    """A column as floats: NaN where a cell is no number (the symbol, a label) and for a yes/no column."""
    if pd.api.types.is_bool_dtype(s):
        return np.full(len(s), np.nan)
    return pd.to_numeric(s, errors="coerce").to_numpy(float)


def changed_rates(data: pd.DataFrame, published: pd.DataFrame, rates: Sequence[str], symbol: str) -> np.ndarray:
    """The unrounded rates of `data` that publishing hides or moves by more than a rate's rounding."""
    said = []
    for name in rates:
        raw = numbers(data[name])
        pub = numbers(published[name].where(published[name].astype(str) != symbol))
        moved = np.isfinite(raw) & (np.isnan(pub) | (np.abs(pub - raw) > RATE_SLACK))
        said += raw[moved].tolist()
    return np.asarray(said, dtype=float)


def private_rows(
    data: pd.DataFrame,
    published: pd.DataFrame,
    counts: Sequence[str],
    rates: Sequence[str],
    figures: Sequence[str],
    symbol: str,
) -> np.ndarray:
    """The rows that may show none of their own `figures`: a count hidden, or a figure that repeats (to 1 part in
    a billion) a rate the rule hides or changes: a one-month segment's centre is its rate unrounded, and its
    limits with its bed days give that centre back."""
    private = hidden_rows(published, counts, symbol)
    said = changed_rates(data, published, rates, symbol)
    if len(said):
        for name in figures:
            values = numbers(data[name])
            near = np.abs(values[:, None] - said[None, :]) <= 1e-9 * np.maximum(1.0, np.abs(said[None, :]))
            private = private | near.any(axis=1)
    return private


def protected_with_rows(
    df: pd.DataFrame,
    counts: Sequence[str],
    rule: DisclosureRule | str = "nhs_england",
    rates: Mapping | None = None,
    keep: Sequence[str] = ("month",),
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """`protect_rows` and its `private_rows` (None when no safe pattern of suppression exists and the counts are
    left out)."""
    rule = rule_from_name(rule) if isinstance(rule, str) else rule
    counts = [c for c in counts if c in df.columns]
    if not counts:
        return df, np.zeros(len(df), dtype=bool)
    rates = {k: v for k, v in (rates or {}).items() if k in df.columns}
    figures = [c for c in df.columns if c not in keep and c not in counts and c not in rates]
    table = df.assign(**{c: pd.to_numeric(df[c], errors="coerce").round() for c in counts})
    try:
        safe = protect_table(table, counts, rule, rate_columns=rates).frame.copy()
    except DisclosureError:
        return df.drop(columns=counts + list(rates) + figures).assign(note=WITHHELD), None
    private = private_rows(df, safe, counts, list(rates), figures, rule.symbol)
    for name in figures:
        out = safe[name].astype(object)
        out[private] = rule.symbol
        safe[name] = out
    return safe, private


def protect_rows(
    df: pd.DataFrame,
    counts: Sequence[str],
    rule: DisclosureRule | str = "nhs_england",
    rates: Mapping | None = None,
    keep: Sequence[str] = ("month",),
) -> pd.DataFrame:
    """`df` as it may leave under `rule`: counts and rates protected (`protect_table`), and in each of the
    `private_rows` every column but the counts, the rates and `keep` (the row's name) shown as the symbol. When
    no safe pattern of suppression exists, every column but `keep` is left out and a note says why."""
    return protected_with_rows(df, counts, rule, rates, keep)[0]


def protected_csv(df: pd.DataFrame, counts, rates, rule, stamp, keep: Sequence[str] = ("month",)) -> bytes:
    """`protect_rows` written as the stamped CSV every download is (`to_csv_bytes`)."""
    return to_csv_bytes(protect_rows(df, list(counts), rule, dict(rates or {}), keep), stamp=stamp)
