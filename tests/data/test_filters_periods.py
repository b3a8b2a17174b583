"""Periods people use: financial years (April to March) and their quarters beside months (issue 13).

analysis/data/filters.py (`Filters.period_by`, `period_choices`, `snap`) and the words in analysis/text.py
(`quarter`, `period_words`). A period is always a span of whole months; the way it was chosen only names it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data.filters import Filters, PeriodChoice, period_choices, snap
from analysis.text import period_words, quarter

MONTHS = [f"{m:%Y-%m}" for m in pd.date_range("2024-02-01", "2026-03-01", freq="MS")]  # Feb 2024 to Mar 2026


@pytest.mark.parametrize(
    "month,expected",
    [
        ("2024-04-01", "Q1 2024/25"),
        ("2024-06-30", "Q1 2024/25"),
        ("2024-07-01", "Q2 2024/25"),
        ("2024-12-01", "Q3 2024/25"),
        ("2025-01-01", "Q4 2024/25"),
        ("2025-03-31", "Q4 2024/25"),
        ("1999-04-01", "Q1 1999/00"),
    ],
)
def test_quarters_are_financial_year_quarters(month, expected):
    assert quarter(pd.Timestamp(month)) == expected


@pytest.mark.parametrize(
    "start,end,by,expected",
    [
        ("2024-04", "2025-03", "years", "2024/25"),
        ("2023-04", "2025-03", "years", "2023/24 to 2024/25"),
        ("2024-04", "2024-06", "years", "Q1 2024/25"),  # a whole quarter, not a whole year
        ("2024-04", "2025-02", "years", "Apr 2024 to Feb 2025"),  # neither: months, never a claimed year
        ("2025-10", "2025-12", "quarters", "Q3 2025/26"),
        ("2025-10", "2026-03", "quarters", "Q3 to Q4 2025/26"),
        ("2025-01", "2025-06", "quarters", "Q4 2024/25 to Q1 2025/26"),
        ("2025-10", "2026-02", "quarters", "Oct 2025 to Feb 2026"),
        ("2025-10", "2026-03", "months", "Oct 2025 to Mar 2026"),
        ("2025-10", "2025-10", "months", "Oct 2025"),
    ],
)
def test_period_words_name_whole_steps_only(start, end, by, expected):
    assert period_words(start, end, by) == expected


def test_choices_by_month_quarter_and_year_cover_every_month_once():
    for by in ("months", "quarters", "years"):
        choices = period_choices(MONTHS, by)
        covered = [m for c in choices for m in MONTHS if c.first <= m <= c.last]
        assert covered == MONTHS, by
    assert len(period_choices(MONTHS, "months")) == len(MONTHS)
    assert [c.label for c in period_choices(MONTHS, "years")] == [
        "2023/24 (from Feb 2024)",
        "2024/25",
        "2025/26",
    ]
    q = period_choices(MONTHS, "quarters")
    assert q[0] == PeriodChoice("Q4 2023/24 (from Feb 2024)", "2024-02", "2024-03")
    assert q[1] == PeriodChoice("Q1 2024/25", "2024-04", "2024-06")
    assert q[-1] == PeriodChoice("Q4 2025/26", "2026-01", "2026-03")
    assert period_choices(MONTHS[:-1], "quarters")[-1].label == "Q4 2025/26 (to Feb 2026)"
    assert period_choices([], "quarters") == []
    with pytest.raises(ValueError):
        period_choices(MONTHS, "weeks")


def test_a_month_span_opened_by_quarter_or_year_widens_to_whole_steps():
    q = period_choices(MONTHS, "quarters")
    i, j = snap("2025-05", "2025-11", q)
    assert (q[i].label, q[j].label) == ("Q1 2025/26", "Q3 2025/26")
    assert (q[i].first, q[j].last) == ("2025-04", "2025-12")
    y = period_choices(MONTHS, "years")
    assert snap("2024-02", "2026-03", y) == (0, 2)
    assert snap("2026-03", "2024-05", y) == (1, 2)  # ends given the wrong way round: 2024/25 to 2025/26


def test_filters_name_the_period_as_chosen_and_cut_the_same_months():
    by_month = Filters(services=("rehabilitation",), start=pd.Timestamp("2025-10-01"), end=pd.Timestamp("2025-12-01"))
    by_quarter = Filters(
        services=("rehabilitation",),
        start=pd.Timestamp("2025-10-01"),
        end=pd.Timestamp("2025-12-01"),
        period_by="quarters",
    )
    assert by_month.describe() == "service rehabilitation; Oct 2025 to Dec 2025"
    assert by_quarter.describe() == "service rehabilitation; Q3 2025/26"
    assert Filters(start=pd.Timestamp("2024-04-01"), period_by="years").describe() == "2024/25 to the latest month"
    assert Filters(end=pd.Timestamp("2025-12-01"), period_by="quarters").describe() == "the start to Q3 2025/26"
    # the same cut, the same model spec and cache key: only the words differ
    assert by_quarter.to_dict() == by_month.to_dict()
    assert "period_by" not in by_quarter.to_dict()
    assert Filters.from_dict({**by_quarter.to_dict(), "period_by": "quarters"}) == by_quarter
    assert by_quarter.without_period() == Filters(services=("rehabilitation",))
    with pytest.raises(ValueError):
        Filters(period_by="fortnights")
