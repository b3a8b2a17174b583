"""Words and numbers for people (analysis/text.py)."""

import numpy as np
import pandas as pd
import pytest

from analysis import text


@pytest.mark.parametrize(
    "when,expected",
    [
        ("2025-03-31", "2024/25"),
        ("2025-04-01", "2025/26"),
        ("2025-03-01", "2024/25"),
        ("2000-01-15", "1999/00"),
        ("2099-12-01", "2099/00"),
        ("2024-12-31", "2024/25"),
    ],
)
def test_financial_year_starts_in_april(when, expected):
    assert text.financial_year(pd.Timestamp(when)) == expected


def test_uk_month_and_date():
    assert text.uk_month(pd.Timestamp("2024-04-01")) == "Apr 2024"
    assert text.uk_month("2024-09-15") == "Sep 2024"
    assert text.uk_month(np.datetime64("2025-01-01")) == "Jan 2025"
    assert text.uk_month(pd.NaT) == "" and text.uk_month(None) == ""
    assert text.uk_date(pd.Timestamp("2022-10-01")) == "1 Oct 2022"
    assert text.month_range("2021-04-01", "2026-03-01") == "Apr 2021 to Mar 2026"


def test_rate_label_and_numbers():
    assert text.rate_label() == "per 1,000 occupied bed days"
    assert text.rate_label(100, "patients") == "per 100 patients"
    assert text.fmt_number(1000) == "1,000" and text.fmt_number(4.26) == "4.3"
    assert text.fmt_number(2.0) == "2" and text.fmt_number(3.14159, 2) == "3.14" and text.fmt_number(None) == "no value"


def test_fmt_number_keeps_whole_digits_when_no_decimals_asked():
    from analysis.text import fmt_number

    assert fmt_number(49.5, 0) in ("50", "49")  # rounding to a whole number, never "5"
    assert fmt_number(1200.0, 0) == "1,200"
    assert fmt_number(4.25, 1) in ("4.2", "4.3")


def test_plural_counts_read_as_english():
    from analysis.text import plural

    assert [plural(1, "ward"), plural(12, "ward"), plural(1000, "ward"), plural(0, "ward")] == [
        "1 ward",
        "12 wards",
        "1,000 wards",
        "0 wards",
    ]
