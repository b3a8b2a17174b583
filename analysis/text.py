"""Words and numbers for people: UK months and dates, financial years, counts with their nouns, rates.

Every sentence, table and chart label in the product formats its numbers and dates here, so one
figure reads the same on a page, in a pack and on the command line.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd


def _ts(value) -> pd.Timestamp:
    return value if isinstance(value, pd.Timestamp) else pd.Timestamp(value)


def uk_month(value) -> str:
    """'Apr 2024' for a date, month or timestamp; '' for a missing value."""
    if value is None or (not isinstance(value, (str, dt.date)) and pd.isna(value)):
        return ""
    ts = _ts(value)
    return "" if pd.isna(ts) else ts.strftime("%b %Y")


def uk_date(value) -> str:
    """'1 Apr 2024' (no leading zero); '' for a missing value."""
    if value is None or (not isinstance(value, (str, dt.date)) and pd.isna(value)):
        return ""
    ts = _ts(value)
    return "" if pd.isna(ts) else f"{ts.day} {ts.strftime('%b %Y')}"


def financial_year(value) -> str:
    """The UK financial year (April to March) a date falls in: Mar 2025 -> '2024/25'."""
    ts = _ts(value)
    start = ts.year if ts.month >= 4 else ts.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def month_range(start, end) -> str:
    """'Apr 2021 to Mar 2026'."""
    return f"{uk_month(start)} to {uk_month(end)}"


def rate_label(per: float = 1000, denominator: str = "occupied bed days") -> str:
    """'per 1,000 occupied bed days': every rate says what it is per."""
    return f"per {fmt_number(per)} {denominator}"


def fmt_number(x, digits: int = 1) -> str:
    """Thousands separators, trailing zeros dropped: 1000 -> '1,000', 4.25 -> '4.3', 2.0 -> '2'."""
    if x is None or pd.isna(x):
        return "no value"
    x = float(x)
    if x.is_integer():
        return f"{int(x):,}"
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if digits > 0 else text


def plural(n, word: str, words: str | None = None) -> str:
    """'1 ward', '12 wards', '1,000 wards': a count with its noun, singular when it is one."""
    return f"{fmt_number(n)} {word if n == 1 else (words or word + 's')}"


def fixed(x: float, n: int = 2) -> str:
    """A number for prose with at most `n` decimals and no trailing zeros: 0.250 -> '0.25'; 'n/a' if not finite."""
    if isinstance(x, float) and not math.isfinite(x):
        return "n/a"
    s = f"{x:.{n}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s
