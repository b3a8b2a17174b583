"""A CSV listing upload is measured like a workbook before anything reads it: its records and cells counted
against the upload's limits (limits.py), a huge file refused with limits.py's own words after reading only as
far as the limit."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis.data.importers import starter_profile, tables
from analysis.data.limits import Limits, cells_message, rows_message
from analysis.data.readers import Budget
from analysis.data.worker import UploadRefused, import_listing_bounded, inspect_listing_bounded

HEADER = "ID,Incident date,Location (exact),Type,Category,Sub category,Approval status,Description\n"


def listing_csv(rows: int) -> bytes:
    line = '{i},01/04/2024,Iona,Patient safety incident,Violence,Assault on staff,Approved,"said ""no"", left"\n'
    return (HEADER + "".join(line.format(i=i) for i in range(rows))).encode()


def census_csv() -> bytes:
    return b"Ward code,Census date,Occupied beds at midnight\nW01,01/04/2024,10\n"


@pytest.fixture
def nothing_parses_here(monkeypatch):
    """The app process's readers fail if called: whatever is read must be read in the worker."""

    def never(*a, **k):
        raise AssertionError("a listing upload was parsed in the app's own process")

    from analysis.data.importers import engine

    monkeypatch.setattr(tables, "open_file", never)
    monkeypatch.setattr(engine, "_open", never)


def test_a_csv_listing_with_more_rows_than_the_limit_is_refused_before_it_is_read(nothing_parses_here):
    small = Limits(rows=100)
    with pytest.raises(UploadRefused) as got:
        inspect_listing_bounded(listing_csv(150), "incidents.csv", limits=small)
    assert got.value.limit and got.value.file_name == "incidents.csv"
    assert str(got.value) == rows_message(small)  # the template upload's own words
    with pytest.raises(UploadRefused) as got:
        import_listing_bounded(
            ("incidents.csv", listing_csv(150)), starter_profile("datix"), census=("c.csv", census_csv()), limits=small
        )
    assert str(got.value) == rows_message(small)
    layout = inspect_listing_bounded(listing_csv(90), "incidents.csv", limits=small)  # 91 records: read
    assert "Location (exact)" in layout.columns


def test_a_csv_listing_with_more_cells_than_the_limit_is_refused(nothing_parses_here):
    small = Limits(cells=400)
    with pytest.raises(UploadRefused) as got:
        inspect_listing_bounded(listing_csv(60), "incidents.csv", limits=small)  # 61 records x 8 cells
    assert str(got.value) == cells_message(small)
    layout = inspect_listing_bounded(listing_csv(40), "incidents.csv", limits=small)  # 328 cells: read
    assert "Description" in layout.columns


def test_counting_stops_at_the_first_record_past_the_limit(monkeypatch):
    monkeypatch.setattr(tables, "MEASURE_CHUNK", 4096)  # a file of many chunks
    budget = Budget(Limits(rows=10))
    data = listing_csv(100_000)
    with pytest.raises(Exception, match="more than 10 rows"):
        tables.measure_text(data, budget)
    assert budget.rows == 11  # not the 100,001 records of the file


CELLS = st.lists(st.sampled_from(["a", "b", " ", ",", ";", '"', "\n", "\r\n", "é"]), max_size=6).map("".join)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(CELLS, min_size=1, max_size=5), min_size=1, max_size=12),
    st.sampled_from([",", ";"]),
    st.sampled_from(["\n", "\r\n"]),
    st.integers(1, 9),
)
def test_records_and_cells_are_counted_as_the_csv_module_reads_them(rows, sep, end, chunk):
    """Quoted cells holding separators, quotes and line ends, CRLF line ends, any chunk boundary: the same rows
    and cells as the loader's own reading (the csv module). (A lone carriage return is not a line end here.)"""
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator=end).writerows([["h1", "h2", "h3"], ["x", "y", "z"], *rows])
    data = out.getvalue().encode("utf-8")
    assume(tables._delimiter(data.decode("utf-8")) == sep)  # the separator the engine reads it with
    read = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=sep))
    budget = Budget(Limits(rows=10**9, cells=10**9))
    tables.MEASURE_CHUNK, before = chunk, tables.MEASURE_CHUNK
    try:
        tables.measure_text(data, budget)
    finally:
        tables.MEASURE_CHUNK = before
    assert (budget.rows, budget.cells) == (len(read), sum(len(r) for r in read))
