"""The period filter follows the data's months within one browser session (ui/filters.py).

A session that opened the Overview on one stored month, then imported the listing's 60 months, kept the period
clipped to that one month ("Months 1") until a new session. Now a change of the data's first or last month resets
the period to the new full range, keeping only a from= or to= the URL names within it."""

from __future__ import annotations

import os

import pandas as pd

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.store.database import Store
from tests.app.helpers import start


def _import(months: int | None, name: str) -> None:
    """Wards and surveys with the first `months` months of the sample's ward_months (all when None)."""
    tables = load_sample().tables
    keep = {k: tables[k] for k in ("wards", "coproduction_responses", "events") if k in tables}
    wm = tables["ward_months"]
    firsts = sorted(wm["month"].unique())
    if months is not None:
        wm = wm[wm["month"].isin(firsts[:months])]
    keep["ward_months"] = wm[["ward_id", "month", "occupied_bed_days", "assaults_on_staff"]]
    s = Store(os.environ["COPRODUCTION_DATABASE_URL"])
    try:
        s.import_tables(keep, name, name)
    finally:
        s.close()


def _months(at) -> str:
    return {m.label: m.value for m in at.metric}["Months"]


def _all_months() -> int:
    return pd.read_csv(SAMPLE_DIR / "ward_months.csv")["month"].nunique()


def test_after_an_import_widens_the_data_the_same_session_shows_every_month(real_sample):
    _import(1, "one_month.xlsx")
    at = start()  # the Overview
    assert not at.exception, at.exception
    assert _months(at) == "1"
    _import(None, "sixty_months.xlsx")
    at.run()  # the same session
    assert not at.exception, at.exception
    assert _months(at) == str(_all_months())
    assert "from" not in at.query_params and "to" not in at.query_params  # the whole range: nothing to share


def test_a_from_month_the_link_names_is_kept_when_the_data_widen(real_sample):
    _import(12, "first_year.xlsx")
    at = start({"from": "2021-07"})  # the sample starts in April 2021
    assert not at.exception, at.exception
    assert _months(at) == "9"
    _import(None, "sixty_months.xlsx")
    at.run()
    assert not at.exception, at.exception
    assert _months(at) == str(_all_months() - 3)  # from July 2021 to the new last month
    assert at.query_params["from"] in ("2021-07", ["2021-07"]) and "to" not in at.query_params
