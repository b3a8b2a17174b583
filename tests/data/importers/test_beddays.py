"""Bed days from a census or from spells (midnight convention, hand-counted), the beds x days check, and
restrictive interventions from MHS505-shaped episodes."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data.importers import MIDNIGHT_CONVENTION, import_listing, read_bed_days, read_interventions

from .helpers import PROFILE, WARDS, census_csv, listing_csv, row

SPELLS = b"""Ward,Admission date,Discharge date
W01,30/04/2024,02/05/2024
W01,10/05/2024,10/05/2024
W01,30/05/2024,
Skye,01/05/2024,31/05/2024
"""


def month(ts: str) -> pd.Timestamp:
    return pd.Timestamp(ts)


def test_spells_count_midnights_and_open_spells_run_to_the_last_date():
    beds = read_bed_days(SPELLS, "spells.csv", wards=WARDS, open_until=pd.Timestamp("2024-06-01"))
    assert beds.source == "spells" and beds.convention == MIDNIGHT_CONVENTION
    got = {(r.ward_id, r.month.strftime("%Y-%m")): r.occupied_bed_days for r in beds.ward_months.itertuples()}
    # W01: 30 Apr -> 2 May: the nights of 30 Apr and 1 May; 10 May same day: none; open from 30 May: the nights
    # of 30 and 31 May and 1 June (the last date). W02 (Skye by name): 1 to 31 May, 30 nights.
    assert got == {("W01", "2024-04"): 1, ("W01", "2024-05"): 3, ("W01", "2024-06"): 1, ("W02", "2024-05"): 30}
    notes = " ".join(beds.notes)
    assert "1 spell has no end" in notes and "1 Jun 2024" in notes
    assert beds.errors.empty


def test_a_spell_ending_before_it_starts_stops_the_import():
    spells = SPELLS + b"W01,20/05/2024,18/05/2024\n"
    beds = read_bed_days(spells, "spells.csv", wards=WARDS, open_until=pd.Timestamp("2024-06-01"))
    assert beds.errors["problem"].tolist() == ["the spell ends (18/05/2024) before it starts (20/05/2024)"]
    assert beds.errors["row"].tolist() == [6]
    result = import_listing(
        listing_csv([row(1, "01/05/2024")]),
        PROFILE,
        census=spells,
        wards=WARDS,
        listing_name="l.csv",
        census_name="spells.csv",
    )
    assert not result.ok
    assert "row 6: the spell ends (18/05/2024) before it starts (20/05/2024)" in result.errors[0]


def test_a_month_above_beds_times_days_is_flagged():
    beds = read_bed_days(census_csv(occupied="11"), "c.csv", wards=WARDS)  # 10 beds
    flags = beds.over_capacity
    assert flags[["ward_id", "occupied_bed_days", "capacity"]].values.tolist() == [["W01", 330, 300], ["W02", 330, 300]]
    assert "330 occupied bed days is more than its 10 beds x 30 days (300)" in " ".join(beds.notes)


def test_census_rows_that_cannot_be_read_or_repeat_a_day_are_errors():
    data = census_csv() + b"W01,01/04/2024,3\nW02,40/04/2024,8\nW02,02/04/2024,many\n"
    beds = read_bed_days(data, "c.csv", wards=WARDS)
    assert sorted(beds.errors["problem"]) == [
        "the census has 2 rows for this ward on this date",
        "the date cannot be read",
        "the number of occupied beds cannot be read",
    ]


EPISODES = b"""Ward,Start date,Start time,End date,End time,Restrictive intervention type
W01,01/04/2024,10:00,01/04/2024,10:20,01
W01,02/04/2024,11:00,02/04/2024,11:10,7
W01,03/04/2024,22:00,04/04/2024,04:30,05
W01,05/04/2024,09:00,05/04/2024,09:05,04
W01,06/04/2024,09:00,06/04/2024,09:05,14
W01,06/04/2024,09:00,06/04/2024,09:05,16
W02,07/04/2024,09:00,09/04/2024,09:00,06
W01,08/04/2024,09:00,08/04/2024,09:05,99
W01,09/04/2024,09:00,08/04/2024,09:05,05
W01,01/06/2024,09:00,01/06/2024,09:05,01
"""


def test_episodes_count_by_code_with_hours_and_clear_error_rows():
    months = pd.DataFrame({"ward_id": ["W01", "W02"], "month": [month("2024-04-01")] * 2})
    got = read_interventions(EPISODES, "e.csv", wards=WARDS, months=months)
    c = got.counts.set_index("ward_id")
    assert c.loc["W01", ["restraints", "prone_restraints", "mechanical_restraints", "seclusions"]].tolist() == [
        2,
        1,
        1,
        1,
    ]
    assert c.at["W01", "rapid_tranquillisation"] == 1
    assert c.at["W01", "seclusion_hours"] == pytest.approx(6.5)
    assert c.at["W02", "segregation_hours"] == pytest.approx(48)
    rec = got.reconciliation
    assert rec.rows_read == 10 and rec.adds_up
    assert {k: n for k, n in rec.counts().items() if n} == {
        "unknown_code": 1,
        "ends_before_start": 1,
        "no_column": 1,
        "outside_bed_day_months": 1,
    }
    unknown = rec.excluded["unknown_code"]
    assert unknown["row"].tolist() == [9] and unknown["code"].tolist() == ["99"]
    assert "intervention type code not known" in rec.sentence()


def test_episodes_join_the_ward_months_of_an_import():
    result = import_listing(
        listing_csv([row(1, "01/04/2024")]),
        PROFILE,
        census=census_csv(),
        episodes=EPISODES,
        wards=WARDS,
        listing_name="l.csv",
        census_name="c.csv",
        episodes_name="e.csv",
    )
    wm = result.ward_months.set_index("ward_id")
    assert wm.at["W01", "restraints"] == 2 and wm.at["W02", "restraints"] == 0
    assert wm.at["W02", "segregation_hours"] == pytest.approx(48)
    assert result.interventions.reconciliation.count("outside_bed_day_months") == 1
