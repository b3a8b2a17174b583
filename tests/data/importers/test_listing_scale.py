"""How a listing of millions of rows is held: read once, dictionary-encoded; the columns only shown with excluded
rows read again from the file when those rows are asked for (an upload's temporary copy kept until then, and
removed with the result); duplicates found by hash, then exactly on the reference's text."""

from __future__ import annotations

import gc
import tempfile

import numpy as np

from analysis.data.importers import import_listing
from analysis.data.importers import listing as lst

from .helpers import PROFILE, WARDS, census_csv, listing_csv, row

CENSUS = census_csv()


def test_a_shown_only_column_is_read_again_for_excluded_rows_and_the_copy_goes_with_the_result(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    rows = [
        row(1, "01/04/2024", time="09:15"),
        row(1, "02/04/2024", time="10:30"),  # a duplicate reference
        row(2, "31/02/2024", time="11:45"),  # an unreadable date
        row(3, "03/04/2024", loc="Annexe", time="23:59"),  # an unmapped location
    ]
    result = import_listing(listing_csv(rows), PROFILE, census=CENSUS, wards=WARDS, listing_name="l.csv")
    assert "time" in lst.SHOWN_ONLY and result.listing.rows_counted == 1
    assert [p.name.startswith("upload-") for p in tmp_path.iterdir()] == [True]  # kept while rows can be listed
    out = result.listing.excluded_rows()
    assert out["row"].tolist() == [3, 4, 5]
    assert out["time"].tolist() == ["10:30", "11:45", "23:59"]  # from the file, read again
    assert out["reference"].tolist() == ["1", "2", "3"]
    del result, out
    gc.collect()
    assert not any(p.name.startswith("upload-") for p in tmp_path.iterdir())


def test_repeated_values_are_found_exactly_whatever_their_low_bits():
    h = np.array([1, 1 + (1 << 24), 5, 7, 5, 1 + (1 << 40), 9, 9, 9], np.uint64)
    assert lst._repeated(h).tolist() == [False, False, True, False, True, False, True, True, True]
    assert not lst._repeated(np.array([], np.uint64)).any()


def test_a_later_row_of_a_reference_counts_once_whatever_else_it_holds():
    rows = [
        row("A-1", "05/04/2024", loc="Skye"),
        row("A-1", "01/04/2024", status="Rejected"),  # rejected: not a duplicate, and does not make one
        row("A-1", "02/04/2024", sub="Assault on patient"),  # the later row of A-1: a duplicate
        row("a-1", "03/04/2024"),  # another reference (the text is compared exactly)
    ]
    result = import_listing(listing_csv(rows), PROFILE, census=CENSUS, wards=WARDS, listing_name="l.csv")
    rec = result.listing
    assert rec.counts()["duplicate_reference"] == 1 and rec.counts()["rejected_status"] == 1
    assert rec.excluded["duplicate_reference"]["row"].tolist() == [4]
    wm = result.ward_months.set_index("ward_id")
    assert wm["assaults_on_staff"].to_dict() == {"W01": 1, "W02": 1}
    assert wm["assaults_on_patients"].sum() == 0


def test_a_parquet_extract_with_no_rows_or_blank_rows_reads_as_its_csv():
    import io

    import pandas as pd

    from .helpers import HEADER

    def parquet(rows) -> bytes:
        out = io.BytesIO()
        pd.DataFrame(rows, columns=HEADER).astype(str).to_parquet(out)
        return out.getvalue()

    empty = import_listing(parquet([]), PROFILE, census=CENSUS, wards=WARDS, listing_name="l.parquet")
    assert empty.listing.rows_read == 0 and empty.listing.adds_up and empty.incidents.empty
    rows = [row(1, "01/04/2024"), [""] * len(HEADER), row(3, "01/04/2024", loc="Annexe")]
    got = import_listing(parquet(rows), PROFILE, census=CENSUS, wards=WARDS, listing_name="l.parquet")
    assert got.listing.rows_read == 2 and got.listing.rows_counted == 1  # the blank row is not a row
    assert got.listing.excluded["unmapped_location"]["row"].tolist() == [4]  # the file's rows: header is row 1
