"""An incident listing as it comes: every awkward shape and every reason a row is not counted, with its message."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from analysis.data.importers import (
    ImportRefused,
    import_listing,
    inspect_listing,
    listing_combinations,
    suggest_profile,
)

from .helpers import PROFILE, WARDS, census_csv, listing_csv, row, xlsx

CENSUS = census_csv()


def run(listing: bytes, name: str = "listing.csv", census: bytes = CENSUS, **kw):
    return import_listing(
        listing, PROFILE, census=census, wards=WARDS, listing_name=name, census_name="census.csv", **kw
    )


def counts(result) -> dict:
    wm = result.ward_months.set_index("ward_id")
    return {w: (int(wm.at[w, "assaults_on_staff"]), int(wm.at[w, "self_harm"])) for w in wm.index}


BASIC = [
    row(1, "01/04/2024"),
    row(2, "02/04/2024", loc="Skye"),
    row(3, "03/04/2024", loc="Skye", cat="Self harm", sub="Cutting"),
]


@pytest.mark.parametrize("depth", [0, 1, 3, 7])
def test_title_rows_at_any_depth_are_skipped_and_said(depth):
    title = ["Incident listing report", "Run date: 01/05/2024", "", "Filters: all", "", "x", "y"][:depth]
    result = run(listing_csv(BASIC, title=title))
    assert counts(result) == {"W01": (1, 0), "W02": (1, 1)}
    assert result.layout.header_row == depth + 1
    assert result.listing.rows_read == 3
    if depth:
        assert f"the header was found on row {depth + 1}" in " ".join(result.notes)


def test_a_two_row_header_with_merged_cells_in_a_workbook():
    # "Incident" is merged over the date and time columns in the band above the header; "Ref" is merged down.
    band = ["Ref", "Incident", None, "Where", "What", None, None, None]
    lower = [None, "Date", "Time", "Location", "Category", "Sub category", "Status", "Description"]
    data = [[1, dt.datetime(2024, 4, 1), "0930", "Iona", "Violence", "Assault on staff", "Approved", "text"]]
    book = xlsx([["Listing of incidents"], band, lower, *data], merges=["A2:A3", "B2:C2", "E2:G2"])
    layout = inspect_listing(book, "listing.xlsx")
    assert layout.columns[:3] == ["Ref", "Date", "Time"]
    assert layout.header_row == 3
    profile = suggest_profile(layout)
    assert profile.columns["reference"] == "Ref" and profile.columns["date"] == "Date"
    result = import_listing(
        book,
        replace(PROFILE, columns=dict(profile.columns)),
        census=CENSUS,
        wards=WARDS,
        listing_name="listing.xlsx",
        census_name="census.csv",
    )
    assert counts(result)["W01"] == (1, 0)


def test_a_header_cell_merged_across_two_columns_names_both():
    header = ["Ref", "Incident date", "Time", "Location", None, "Category", "Sub category", "Status"]
    data = [[1, "01/04/2024", "", "Iona", "dayroom", "Violence", "Assault on staff", "Approved"]]
    book = xlsx([header, *data], merges=["D1:E1"])
    layout = inspect_listing(book, "l.xlsx")
    assert layout.columns[3:5] == ["Location", "Location (2)"]
    assert "merged cells" in " ".join(layout.notes)


def test_dates_in_three_formats_text_and_workbook():
    rows = [
        row(1, "01/04/2024"),  # dd/mm/yyyy text
        row(2, "2024-04-02"),  # ISO
        row(3, "45385"),  # an Excel serial (3 April 2024) written as a number
        row(4, "4/4/2024 13:05"),  # day first, one digit, with a time
    ]
    result = run(listing_csv(rows))
    assert counts(result)["W01"] == (4, 0)
    days = sorted(result.incidents["date"].dt.day.repeat(result.incidents["incidents"]))
    assert days == [1, 2, 3, 4]
    book = xlsx(
        [
            PROFILE_HEADER,
            [1, dt.datetime(2024, 4, 5, 10, 30), None, "Iona", "Violence", "Assault on staff", "Approved", "x"],
            [2, 45388, dt.time(9, 15), "Iona", "Violence", "Assault on staff", "Approved", "x"],
        ]
    )
    result = run(book, "listing.xlsx")
    assert counts(result)["W01"] == (2, 0)
    assert sorted(result.incidents["date"].dt.day) == [5, 6]


PROFILE_HEADER = ["Ref", "Incident date", "Time", "Location", "Category", "Sub category", "Status", "Description"]


def test_times_missing_or_written_two_ways_still_count():
    rows = [row(1, "01/04/2024", time=""), row(2, "01/04/2024", time="0930"), row(3, "01/04/2024", time="21:05")]
    result = run(listing_csv(rows))
    assert counts(result)["W01"] == (3, 0)
    assert result.listing.rows_counted == 3


def test_unreadable_date_rejected_duplicate_unmapped_and_nothing_each_have_their_reason():
    rows = [
        row(1, "01/04/2024"),  # counted
        row(2, "31/02/2024"),  # no such date
        row(3, "02/04/2024", status="Rejected"),
        row(1, "01/04/2024"),  # the same reference again
        row(4, "02/04/2024", loc="Nowhere ward"),  # a location never seen
        row(5, "02/04/2024", cat="Estates", sub="Broken window"),  # a category never seen
        row(6, "02/04/2024", cat="Medication", sub="Wrong dose"),  # counts as nothing
        row(7, "02/06/2024"),  # no census that month
        row(8, "03/04/2024", loc="Iona - dayroom"),  # finer than a ward: mapped to Iona
    ]
    result = run(listing_csv(rows))
    rec = result.listing
    assert rec.rows_read == 9 and rec.rows_counted == 2 and rec.adds_up
    assert rec.counts() == {
        "unreadable_date": 1,
        "rejected_status": 1,
        "duplicate_reference": 1,
        "unmapped_location": 1,
        "unmapped_category": 1,
        "counts_as_nothing": 1,
        "outside_bed_day_months": 1,
    }
    rows_out = rec.excluded_rows()
    assert list(rows_out["row"]) == [3, 4, 5, 6, 7, 8, 9]  # spreadsheet rows, in file order
    assert rows_out.loc[rows_out["row"] == 6, "location"].item() == "Nowhere ward"
    assert "Description" not in rows_out.columns and "calm" not in rows_out.to_csv()
    assert rec.excluded["duplicate_reference"]["reference"].tolist() == ["1"]
    assert "9 rows read, 2 counted and 7 excluded" in rec.sentence()
    assert result.dropped_columns == ["Description"]
    loc = result.combinations.locations
    assert loc.iloc[0]["location"] == "Nowhere ward" and not loc.iloc[0]["mapped"]  # unmapped first
    cat = result.combinations.categories
    assert (cat.iloc[0]["category"], cat.iloc[0]["sub_category"]) == ("Estates", "Broken window")
    assert cat.iloc[0]["measure"] is None and not cat.iloc[0]["mapped"]
    assert cat.loc[cat["category"] == "Medication", "measure"].item() == ""  # counts as nothing


def test_combinations_list_every_location_and_category_with_row_counts():
    rows = [row(1, "01/04/2024"), row(2, "01/04/2024"), row(3, "01/04/2024", loc="Annexe")]
    found = listing_combinations(listing_csv(rows), PROFILE, "l.csv", wards=WARDS)
    assert found.locations[["location", "rows", "ward_id", "mapped"]].values.tolist() == [
        ["Annexe", 1, "", False],
        ["Iona", 2, "W01", True],
    ]
    assert found.statuses[["status", "rows", "excluded"]].values.tolist() == [["Approved", 3, False]]


def test_an_incident_on_a_day_with_no_census_is_counted_and_said():
    census = census_csv(skip={("W01", "2024-04-10")})
    result = run(listing_csv([row(1, "10/04/2024")]), census=census)
    assert counts(result)["W01"] == (1, 0)
    assert "fall on days with no census row" in " ".join(result.notes)
    assert result.bed_days.census_gaps[["ward_id", "days_with_census", "days"]].values.tolist() == [["W01", 29, 30]]
    assert result.ward_months.set_index("ward_id").at["W01", "occupied_bed_days"] == 29 * 8


def test_windows_1252_with_a_bom_reads_its_accents():
    rows = [row(1, "01/04/2024", loc="Tìr nan Òg"), row(2, "01/04/2024", loc="Iona", text="café — “quoted”")]
    data = b"\xef\xbb\xbf" + listing_csv(rows, title=["Report"], encoding="cp1252")
    wards = pd.concat([WARDS, pd.DataFrame({"ward_id": ["W03"], "ward_name": ["Tìr nan Òg"], "beds": [10]})])
    result = import_listing(
        data,
        PROFILE,
        census=census_csv(wards=("W01", "W02", "W03")),
        wards=wards,
        listing_name="l.csv",
        census_name="c.csv",
    )
    assert result.layout.encoding == "cp1252-bom"
    assert result.ward_months.set_index("ward_id").at["W03", "assaults_on_staff"] == 1
    assert "Windows-1252" in " ".join(result.notes)


def test_semicolons_and_decimal_commas():
    rows = [row(1, "45383,5"), row(2, "02/04/2024", time="0,5")]  # an Excel serial with a time of day
    census = census_csv(delimiter=";", occupied="8,0")
    result = run(listing_csv(rows, delimiter=";"), census=census)
    assert result.layout.delimiter == ";" and result.layout.decimal_comma
    assert counts(result)["W01"] == (2, 0)
    assert result.ward_months.set_index("ward_id").at["W01", "occupied_bed_days"] == 240


def test_a_patient_identifier_column_refuses_the_file():
    header = ["Ref", "NHS Number", "Incident date", "Location", "Category", "Sub category", "Status"]
    with pytest.raises(ImportRefused, match="the column 'NHS Number' looks like a patient identifier"):
        run(
            listing_csv(
                [["1", "943 476 5919", "01/04/2024", "Iona", "Violence", "Assault on staff", "Approved"]], header=header
            )
        )


def test_an_nhs_number_in_a_mapped_column_refuses_the_file():
    with pytest.raises(ImportRefused, match="looks like a CHI or NHS number"):
        run(listing_csv([row("943 476 5919", "01/04/2024")]))


def test_a_missing_mapped_column_and_no_bed_days_are_refused():
    header = ["Ref", "Incident date", "Time", "Where", "Category", "Sub category", "Status", "Description"]
    with pytest.raises(ImportRefused, match="no column for the profile's location"):
        run(listing_csv(BASIC, header=header))
    with pytest.raises(ImportRefused, match="bed days are needed"):
        import_listing(listing_csv(BASIC), PROFILE, listing_name="l.csv")


def test_stored_columns_are_kept_for_the_ward_months_an_import_replaces():
    result = run(listing_csv(BASIC))
    stored = pd.DataFrame(
        {
            "ward_id": ["W01"],
            "month": [pd.Timestamp("2024-04-01")],
            "occupied_bed_days": [1.0],
            "assaults_on_staff": [9],
            "staff_hours_per_patient_day": [7.5],
        }
    )
    wm = result.tables(stored)["ward_months"].set_index("ward_id")
    assert wm.at["W01", "assaults_on_staff"] == 1  # the import's
    assert wm.at["W01", "occupied_bed_days"] == 240  # the import's
    assert wm.at["W01", "staff_hours_per_patient_day"] == 7.5  # kept
    assert pd.isna(wm.at["W02", "staff_hours_per_patient_day"])


def test_windows_1252_found_only_past_the_part_checked_first_is_read_again(monkeypatch):
    import analysis.data.importers.tables as tables

    monkeypatch.setattr(tables, "HEAD_CHECK", 200)  # the accent sits far below the first 200 bytes
    rows = [row(i, "01/04/2024") for i in range(1, 40)] + [row(99, "01/04/2024", loc="Tìr nan Òg")]
    wards = pd.concat([WARDS, pd.DataFrame({"ward_id": ["W03"], "ward_name": ["Tìr nan Òg"], "beds": [10]})])
    result = import_listing(
        listing_csv(rows, encoding="cp1252"),
        PROFILE,
        census=census_csv(wards=("W01", "W02", "W03")),
        wards=wards,
        listing_name="l.csv",
    )
    assert result.layout.encoding == "cp1252"
    assert result.ward_months.set_index("ward_id").at["W03", "assaults_on_staff"] == 1


def test_a_parquet_extract_counts_as_its_csv(tmp_path):
    rows = [*BASIC, row(4, "31/02/2024"), row(1, "01/04/2024")]
    frame = pd.DataFrame(
        rows, columns=["Ref", "Incident date", "Time", "Location", "Category", "Sub category", "Status", "Description"]
    )
    path = tmp_path / "listing.parquet"
    frame.to_parquet(path)
    from_csv, from_parquet = run(listing_csv(rows)), run(path.read_bytes(), "listing.parquet")
    on_disk = import_listing(path, PROFILE, census=CENSUS, wards=WARDS, census_name="census.csv")
    for result in (from_parquet, on_disk):
        assert counts(result) == counts(from_csv)
        assert result.listing.counts() == from_csv.listing.counts()
        assert (
            result.listing.excluded_rows()["row"].tolist()
            == from_csv.listing.excluded_rows()["row"].tolist()
            == [
                5,
                6,
            ]
        )
    assert from_parquet.layout.encoding == "parquet" and from_parquet.dropped_columns == ["Description"]
