"""The Overview's ward table counts over the months it says: the last 12, or every month of a shorter period.

Issue 13: one ward and Oct 2025 to Mar 2026 chosen, the caption said "last 12 months (Apr 2025 to Mar 2026)"
while the row held six months' figures.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data.filters import Filters
from analysis.overview.wards import ward_table, window_length, window_words
from analysis.panel.build import build_panel
from tests.conftest import WARDS, mini_tables


@pytest.fixture(scope="module")
def tables():
    t = mini_tables(WARDS, pd.period_range("2024-04", "2026-03", freq="M"), seed=4)
    t["ward_months"]["month"] = pd.to_datetime(t["ward_months"]["month"])
    return t


def _table(tables, filters: Filters) -> pd.DataFrame:
    return ward_table(build_panel(filters.apply(tables)))


def test_a_six_month_period_counts_and_names_those_six_months(tables):
    chosen = Filters(wards=("W03",), start=pd.Timestamp("2025-10-01"), end=pd.Timestamp("2026-03-01"))
    t = _table(tables, chosen)
    wm = tables["ward_months"]
    six = wm[(wm["ward_id"] == "W03") & (wm["month"] >= "2025-10-01")]
    assert t.loc[0, "assaults_on_staff_12m"] == six["assaults_on_staff"].sum()
    assert t.loc[0, "occupied_bed_days_12m"] == six["occupied_bed_days"].sum()
    assert t.attrs["window_label"] == "Oct 2025 to Mar 2026"
    assert t.attrs["window_months"] == 6
    assert window_words(t.attrs) == "the 6 months shown (Oct 2025 to Mar 2026)"
    assert window_length(t.attrs) == "6 months"


def test_a_longer_period_keeps_its_last_12_months(tables):
    t = _table(tables, Filters(wards=("W03",)))
    assert t.attrs["window_label"] == "Apr 2025 to Mar 2026" and t.attrs["window_months"] == 12
    assert window_words(t.attrs) == "the last 12 months (Apr 2025 to Mar 2026)"
    assert window_length(t.attrs) == "12 months"
