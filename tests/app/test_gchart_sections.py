"""The g-chart (days between assaults) beside the u-chart, on the ward profile and the Assaults page: drawn for a
ward with fewer than one assault a month when the dates are loaded, and what would enable it when they are not."""

from __future__ import annotations

import os

from analysis.data.dataset import load_sample
from analysis.store.database import Store
from tests.app.helpers import start, texts

FEW = "W07"  # Islay: 22 assaults on staff in 60 months
MANY = "W01"  # Iona: about three a month


def _charts(at) -> list[str]:
    return [str(c.proto.spec) for c in at.get("plotly_chart")]


def test_ward_profile_shows_the_g_chart_for_a_ward_with_few_assaults(real_sample):
    at = start(query_params={"profile_ward": FEW}, page="ward_profile")
    assert not at.exception, at.exception
    said = texts(at)
    assert "Days between assaults on staff" in said
    assert "Islay (W07) went 81 days between assaults on average over 21 gaps" in said
    assert "upper limit is 536 days" in said
    assert any("Days between assaults on staff: Islay (W07)" in spec for spec in _charts(at))
    at.radio(key=f"gchart_measure_assaults_on_staff_{FEW}").set_value("bed_days").run()
    assert not at.exception, at.exception
    assert "occupied bed days between assaults on average" in texts(at)


def test_no_g_chart_for_a_ward_with_many_assaults(real_sample):
    at = start(query_params={"profile_ward": MANY}, page="ward_profile")
    assert not at.exception, at.exception
    assert "Days between assaults on staff" not in texts(at)


def test_without_dates_the_page_says_what_would_enable_it(real_sample):
    s = Store(os.environ["COPRODUCTION_DATABASE_URL"])
    s.import_tables(load_sample().tables, "hospital.xlsx", "h0")  # counts only: no incident dates
    s.close()
    at = start(query_params={"profile_ward": FEW}, page="ward_profile")
    assert not at.exception, at.exception
    said = texts(at)
    assert "needs the date of each one" in said and "From your incident system" in said
    assert "between assaults on average" not in said


def test_assaults_page_shows_the_g_chart_for_one_ward(real_sample):
    at = start(page="assaults")
    assert not at.exception, at.exception
    assert "Days between assaults on staff" not in texts(at)  # the whole hospital: the u-chart alone
    at.selectbox(key="a_ward").set_value(FEW).run()
    assert not at.exception, at.exception
    assert "W07 Islay went 81 days between assaults on average" in texts(at)
