"""ui.gchart: the sample hospital's incident dates come from its raw listing, cut to the view's wards and months."""

from __future__ import annotations

import pandas as pd

from analysis.data.dataset import load_sample
from analysis.data.filters import Filters
from ui.frame import View
from ui.gchart import dates_for, incident_date_table


def test_sample_dates_are_read_from_the_raw_listing_and_cut_to_the_view(monkeypatch):
    monkeypatch.delenv("COPRODUCTION_SAMPLE_DIR", raising=False)
    data = load_sample()
    whole = dates_for(View(dataset=data, filters=Filters(), data=data))
    wm = data.tables["ward_months"]
    assert int(whole.loc[whole["measure"] == "assaults_on_staff", "incidents"].sum()) == int(
        wm["assaults_on_staff"].sum()
    )
    cut = Filters(wards=("W07",), start=pd.Timestamp("2025-04-01"))
    some = dates_for(View(dataset=data, filters=cut, data=data))
    assert set(some["ward_id"]) == {"W07"}
    assert some["date"].min() >= pd.Timestamp("2025-04-01")
    w07 = wm[(wm["ward_id"] == "W07") & (wm["month"] >= "2025-04-01")]
    assert int(some.loc[some["measure"] == "assaults_on_staff", "incidents"].sum()) == int(
        w07["assaults_on_staff"].sum()
    )


def test_incident_date_table_counts_per_day_without_references():
    one_per_row = pd.DataFrame(
        {
            "ward_id": ["W01", "W01", "W02"],
            "measure": ["assaults_on_staff"] * 3,
            "date": pd.to_datetime(["2024-01-02 10:00", "2024-01-02 23:00", "2024-01-05 00:00"]),
        }
    )
    got = incident_date_table(one_per_row)
    assert got.columns.tolist() == ["ward_id", "date", "measure", "incidents"]
    assert got["incidents"].tolist() == [2, 1]
    summed = incident_date_table(one_per_row.assign(incidents=[1, 3, 2]))
    assert summed["incidents"].tolist() == [4, 2]
    assert incident_date_table(one_per_row.iloc[:0]).empty
