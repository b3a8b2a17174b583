"""The assaults page's chart over time, as it leaves the app: a month whose count is hidden says nothing else
about itself, in the CSV or in the pictures.

Before: with one month chosen the CSV's "centre" was that month's rate, so with its bed days (in the same file)
a hidden count came straight back; and the pictures drew a hidden month's limits, which give back its bed days.
A chart with more than a third of its months hidden now offers no picture (analysis.charts.published).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import SAMPLE_DIR
from analysis.disclosure.rules import RULES
from analysis.disclosure.safe_tables import read_csv_bytes
from tests.app.test_disclosure_everywhere import _drawn_arrays, captured, csv_problems, payload, run_page

__all__ = ["captured"]  # the fixture, shared with the sweep

NHS = RULES["nhs_england"]


@pytest.fixture
def one_month(monkeypatch, tmp_path):
    """The sample hospital cut to one month: the latest whose hospital total of assaults on staff the rule rounds
    (not a multiple of 5) and where some ward had 1 to 7 (March 2025 on the shipped sample)."""
    import streamlit as st

    folder = tmp_path / "one_month"
    shutil.copytree(SAMPLE_DIR, folder)
    months = pd.read_csv(folder / "ward_months.csv", dtype=str)
    n = pd.to_numeric(months["assaults_on_staff"])
    fits = n.groupby(months["month"]).agg(lambda s: s.sum() % 5 != 0 and s.between(1, NHS.high).any())
    months = months[months["month"] == fits[fits].index.max()]
    months.to_csv(folder / "ward_months.csv", index=False)
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield months.assign(
        assaults_on_staff=pd.to_numeric(months["assaults_on_staff"]),
        occupied_bed_days=pd.to_numeric(months["occupied_bed_days"]),
    )
    st.cache_data.clear()
    st.cache_resource.clear()


def _file(captured: list[dict], name: str) -> bytes:
    """The file as the last run offers it (a widget changed re-runs the page: its buttons are captured again)."""
    return payload([c for c in captured if c["file_name"] == name][-1])


def _pictures_after_last_csv(captured: list[dict]) -> list[str]:
    """The chart's pictures offered by the last run (a widget changed re-runs the page: earlier runs' buttons
    stay in the list, before the last run's CSV button, which comes before its pictures)."""
    names = [c["file_name"] for c in captured]
    last = len(names) - 1 - names[::-1].index("assaults_spc.csv")
    return [n for n in names[last:] if n in ("assaults_spc.png", "assaults_spc.svg")]


def _drawn(picture: bytes) -> np.ndarray:
    figure = json.loads(picture)["figure"]
    values = [v.dropna().to_numpy(float) for _, key, v in _drawn_arrays(figure) if key != "x"]
    return np.concatenate(values) if values else np.array([])


def test_one_month_on_one_ward_the_csv_and_pictures_say_nothing_of_its_hidden_count(one_month, captured):
    small = one_month[one_month["assaults_on_staff"].between(1, NHS.high)]
    ward, count, beds = small.iloc[0][["ward_id", "assaults_on_staff", "occupied_bed_days"]]
    rate = count / beds * 1000
    run_page("assaults", widgets={"a_ward": ward}, captured=captured)
    data = _file(captured, "assaults_spc.csv")
    assert csv_problems(data, NHS) == []
    table, _ = read_csv_bytes(data)
    assert len(table) == 1
    row = table.iloc[0].astype(str)
    assert row["count"] == "*" and row["rate"] == "*"
    for col in ("centre", "lower", "upper", "occupied_bed_days", "variation"):
        assert row[col] == "*", col  # the centre was the month's rate: with its bed days, the count
    # its one month is hidden (more than a third of its months, as the steering pack's rule): no picture at all
    assert not _pictures_after_last_csv(captured)
    assert rate > 0


def test_one_month_for_the_whole_hospital_the_centre_does_not_give_the_rounded_count_back(one_month, captured):
    """24 assaults in March 2025 are published as 25: the centre line, 24 / bed days unrounded, would say 24
    (and the limits, with the bed days, give the centre back)."""
    count, beds = one_month["assaults_on_staff"].sum(), one_month["occupied_bed_days"].sum()
    assert NHS.publish(count) != count
    run_page("assaults", captured=captured)
    table, _ = read_csv_bytes(_file(captured, "assaults_spc.csv"))
    row = table.iloc[0].astype(str)
    assert row["count"] == str(NHS.publish(count))
    assert row["centre"] == "*" and row["lower"] == "*" and row["upper"] == "*"
    drawn = _drawn(_file(captured, "assaults_spc.png"))
    assert not np.isclose(drawn, count / beds * 1000, rtol=0, atol=1e-6).any()


@pytest.mark.usefixtures("real_sample")
def test_a_small_wards_chart_over_time_leaves_only_its_published_months(captured):
    """W05 over the whole sample: most months hold 1 to 7 assaults on staff. The CSV shows the symbol in every
    figure of a hidden month; with more than a third of the months hidden (as the steering pack's rule), the
    average, limits and signals worked out from the rest would mislead, so they are left out with a note, and
    no picture is offered (the reason is on the page)."""
    at = run_page("assaults", widgets={"a_ward": "W05"}, captured=captured)
    table, _ = read_csv_bytes(_file(captured, "assaults_spc.csv"))
    hidden = table["count"].astype(str) == NHS.symbol
    assert hidden.sum() > len(table) / 3
    for col in ("lower", "upper", "centre", "occupied_bed_days", "variation"):
        assert (table.loc[hidden, col].astype(str) == NHS.symbol).all(), col
    for col in ("lower", "upper", "centre", "variation", "rule"):
        assert (table[col].astype(str) == NHS.symbol).all(), col
    assert table["note"].iloc[0].startswith("average, limits and signals left out:")
    assert not _pictures_after_last_csv(captured)
    captions = " ".join(c.value for c in at.caption)
    assert "No picture of this chart can leave the app:" in captions and "a chart of the rest would mislead" in captions
