"""Which two periods year on year compares: the chosen period against a year earlier (`windows`).

A chosen period of 12 months or more compares its last 12 months with the 12 before them; a shorter one compares
its months with the same months a year earlier, so seasons match. `Windows` holds the first and last month of
each period and names them in words; `YEAR_BEFORE` and `SAME_MONTHS` say what the later period is compared with.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.text import period_words

WINDOW_MONTHS = 12
YEAR_BEFORE = "the year before"
SAME_MONTHS = "the same months a year earlier"


@dataclass(frozen=True)
class Windows:
    """The two periods compared: first and last month of each (first day of the month)."""

    earlier_start: pd.Timestamp
    earlier_end: pd.Timestamp
    later_start: pd.Timestamp
    later_end: pd.Timestamp

    @property
    def months(self) -> int:
        """Months in each period (12, or fewer for a short chosen period)."""
        return _months_between(self.later_start, self.later_end)

    @property
    def same_months(self) -> bool:
        """True when a period shorter than a year is compared with the same months a year earlier."""
        return self.months < WINDOW_MONTHS

    def words(self, by: str = "months") -> tuple[str, str]:
        """(later, earlier) in words, named as the period was chosen: months, quarters or years."""
        return (
            period_words(self.later_start, self.later_end, by),
            period_words(self.earlier_start, self.earlier_end, by),
        )


def _months_between(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return (b.year - a.year) * 12 + b.month - a.month + 1


def _month(value) -> pd.Timestamp:
    return pd.Timestamp(value).to_period("M").to_timestamp()


def windows(months: pd.Series, start=None, end=None) -> Windows:
    """The periods to compare for a chosen period `start` to `end` (months; None: the first or last month
    in `months`). 12 months or more: its last 12 months against the 12 before. Shorter: its months against
    the same months a year earlier.

    >>> m = pd.Series(pd.date_range("2021-04-01", "2026-03-01", freq="MS"))
    >>> w = windows(m, "2025-10", "2026-03")
    >>> w.words(), w.same_months
    (('Oct 2025 to Mar 2026', 'Oct 2024 to Mar 2025'), True)
    >>> windows(m).words("years")
    ('2025/26', '2024/25')
    """
    last = _month(end) if end is not None else _month(months.max())
    first = _month(start) if start is not None else _month(months.min())
    if _months_between(first, last) >= WINDOW_MONTHS:
        later = last - pd.DateOffset(months=WINDOW_MONTHS - 1)
        return Windows(later - pd.DateOffset(months=WINDOW_MONTHS), later - pd.DateOffset(months=1), later, last)
    year = pd.DateOffset(months=WINDOW_MONTHS)
    return Windows(first - year, last - year, first, last)
