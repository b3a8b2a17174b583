"""analysis.text.uk_months: a column of months in words, each distinct month formatted once, exactly as
`Series.map(uk_month)` gives it (values, index and dtype)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.text import uk_month, uk_months


def test_uk_months_equals_mapping_uk_month_over_a_column():
    rng = np.random.default_rng(1)
    months = pd.date_range("2016-04-01", periods=120, freq="MS")
    s = pd.Series(rng.choice(months, 5000), index=np.arange(5000) * 3)
    s.iloc[::97] = pd.NaT
    pd.testing.assert_series_equal(uk_months(s), s.map(uk_month))
    assert uk_months(s).iloc[0] == "" and uk_months(s).iloc[1] == uk_month(s.iloc[1])


def test_uk_months_takes_strings_lists_and_empty_columns():
    s = pd.Series(["2024-04-01", None, "2025-03-31"], dtype=object)
    pd.testing.assert_series_equal(uk_months(s), s.map(uk_month))
    assert uk_months(["2024-04-01", "2024-04-30"]).tolist() == ["Apr 2024", "Apr 2024"]
    assert uk_months(pd.Series([], dtype="datetime64[ns]")).tolist() == []
