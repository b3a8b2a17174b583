"""Nothing lost: every row read is counted or excluded for a stated reason, and the excluded rows can be listed.

A `Reconciliation` belongs to one file (the incident listing, or the restrictive-intervention episodes). Its rows
hold only the mapped columns (reference, date, time, location, categories, severity, status; for episodes ward,
start, end and code) and the file row they came from; free-text columns never reach it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd

from analysis.text import fmt_number, plural

# Why a listing row is not counted, in the order each is tested (a row gets the first that applies).
LISTING_REASONS: dict[str, str] = {
    "unreadable_date": "Date cannot be read",
    "rejected_status": "Status does not count (rejected)",
    "duplicate_reference": "Duplicate reference (an earlier row with this reference is counted)",
    "unmapped_location": "Location not mapped to a ward",
    "unmapped_category": "Category combination not mapped",
    "counts_as_nothing": "Category counts as nothing",
    "outside_bed_day_months": "Outside the months with bed days",
}
# Why an episode of restrictive intervention is not counted.
EPISODE_REASONS: dict[str, str] = {
    "unreadable_start": "Start date cannot be read",
    "unknown_code": "Intervention type code not known",
    "ends_before_start": "Ends before it starts",
    "unmapped_location": "Ward not known",
    "no_column": "Chemical restraint other than rapid tranquillisation (no ward-month column)",
    "outside_bed_day_months": "Outside the months with bed days",
}


class LazyRows(Mapping):
    """Reason -> its excluded rows, each fetched (and kept) only when asked for: a listing of millions of rows
    is reconciled by counts, and its excluded rows are read out only for a download."""

    def __init__(self, counts: dict[str, int], fetch: Callable[[str], pd.DataFrame]) -> None:
        self._counts = dict(counts)
        self._fetch = fetch
        self._seen: dict[str, pd.DataFrame] = {}

    def __getitem__(self, reason: str) -> pd.DataFrame:
        if reason not in self._counts:
            raise KeyError(reason)
        if reason not in self._seen:
            self._seen[reason] = self._fetch(reason)
        return self._seen[reason]

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)

    def count(self, reason: str) -> int:
        return self._counts[reason]


@dataclass
class Reconciliation:
    """rows_read = rows_counted + the rows excluded, by reason.

    Attributes
    ----------
    what : str
        The file in words ("incident listing", "restrictive intervention episodes").
    rows_read : int
        Data rows read below the header (blank rows are not rows).
    rows_counted : int
        Rows that count towards a ward-month.
    excluded : dict[str, pandas.DataFrame]
        Reason key (``LISTING_REASONS`` / ``EPISODE_REASONS``) -> its rows: ``row`` (the file's row number) and
        the mapped columns only, as text as the file writes them. Every reason is present, empty when no row has
        it. Rows are read out of the engine only when a reason is looked up (`count` gives the number without).
    reasons : dict[str, str]
        Reason key -> words.
    """

    what: str
    rows_read: int
    rows_counted: int
    excluded: Mapping[str, pd.DataFrame]
    reasons: dict[str, str] = field(default_factory=dict)

    def count(self, reason: str) -> int:
        """Rows excluded for one reason (without reading them out)."""
        if isinstance(self.excluded, LazyRows):
            return self.excluded.count(reason)
        return len(self.excluded[reason])

    def counts(self) -> dict[str, int]:
        return {k: self.count(k) for k in self.excluded}

    @property
    def rows_excluded(self) -> int:
        return sum(self.counts().values())

    @property
    def adds_up(self) -> bool:
        """True when every row read is counted or excluded, once."""
        return self.rows_read == self.rows_counted + self.rows_excluded

    def summary(self) -> pd.DataFrame:
        """One row per line of the sum: ``line`` (words), ``reason`` (key, '' for totals), ``rows``."""
        lines = [("Rows read", "", self.rows_read), ("Rows counted", "", self.rows_counted)]
        lines += [(f"Excluded: {self.reasons.get(k, k)}", k, n) for k, n in self.counts().items()]
        return pd.DataFrame(lines, columns=["line", "reason", "rows"])

    def excluded_rows(self) -> pd.DataFrame:
        """Every excluded row with its reason in words (``reason`` first), for download; file order."""
        frames = [self.excluded[k].assign(reason=self.reasons.get(k, k)) for k, n in self.counts().items() if n]
        if not frames:
            return pd.DataFrame(columns=["reason", "row"])
        out = pd.concat(frames, ignore_index=True).sort_values("row", kind="stable", ignore_index=True)
        return out[["reason", *[c for c in out.columns if c != "reason"]]]

    def sentence(self) -> str:
        """'12,345 rows read: 12,001 counted and 344 excluded (...).' in words."""
        parts = [f"{plural(n, 'row')}: {self.reasons.get(k, k).lower()}" for k, n in self.counts().items() if n]
        detail = f" ({'; '.join(parts)})" if parts else ""
        check = "" if self.adds_up else " These do not add up: please report this."
        return (
            f"{self.what.capitalize()}: {plural(self.rows_read, 'row')} read, {fmt_number(self.rows_counted)} "
            f"counted and {fmt_number(self.rows_excluded)} excluded{detail}.{check}"
        )
