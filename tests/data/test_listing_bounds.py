"""The incident-listing import reads its uploads as the template upload does (analysis/data/worker.py): each
workbook measured against limits.py's limits before anything parses it, then read in a worker process within its
memory and time limits; only the engine's result comes back.

A small workbook that unpacks to more than the upload limit is refused with limits.py's own message, and the app's
process never opens it (its readers here are made to fail if called)."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from analysis.data.dataset import SAMPLE_DIR
from analysis.data.importers import ImportRefused, starter_profile
from analysis.data.limits import LIMITS, MB, Limits, cells_message, memory_message, time_message, unpacked_message
from analysis.data.worker import (
    UploadRefused,
    WorkerFailed,
    import_listing_bounded,
    inspect_listing_bounded,
    listing_combinations_bounded,
)

RAW = SAMPLE_DIR / "raw"

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)


def bomb_xlsx(unpacked: int) -> bytes:
    """A workbook of a few hundred KB whose one sheet's XML unpacks to `unpacked` bytes (the same row, repeated)."""
    row = b'<row><c t="inlineStr"><is><t>Assault on staff</t></is></c></row>' * 1000
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><worksheet><sheetData>')
            written = 0
            while written < unpacked:
                f.write(row)
                written += len(row)
            f.write(b"</sheetData></worksheet>")
    return buf.getvalue()


def listing_xlsx(rows: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["Ref", "Incident date", "Location (exact)", "Type", "Category", "Sub-category", "Approval status"])
    for i in range(rows):
        ws.append([f"R{i}", "2021-04-01", "Iona", "Patient safety incident", "Violence", "Assault on staff", "Final"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def nothing_parses_here(monkeypatch):
    """The app process's readers fail if called: whatever is read must be read in the worker."""

    def never(*a, **k):
        raise AssertionError("a listing upload was parsed in the app's own process")

    import openpyxl
    import python_calamine

    from analysis.data.importers import engine, tables

    monkeypatch.setattr(tables, "open_file", never)
    monkeypatch.setattr(engine, "_open", never)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", never)
    monkeypatch.setattr(openpyxl, "load_workbook", never)


def test_a_small_workbook_that_unpacks_past_the_limit_is_refused_unread(nothing_parses_here):
    size = LIMITS.unpacked_bytes + 5 * MB
    data = bomb_xlsx(size)
    assert len(data) < 2 * MB  # small on the wire
    with pytest.raises(UploadRefused) as got:
        inspect_listing_bounded(data, "incidents.xlsx")
    assert got.value.limit and got.value.file_name == "incidents.xlsx"
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert str(got.value) == unpacked_message(unpacked, LIMITS)  # the template upload's own words
    assert "the limit is 200 MB" in str(got.value)


def test_the_census_and_episodes_files_are_measured_too(nothing_parses_here):
    listing = (RAW / "incident_listing.csv").read_bytes()
    with pytest.raises(UploadRefused) as got:
        import_listing_bounded(
            ("incident_listing.csv", listing),
            starter_profile("datix"),
            census=("census.xlsx", bomb_xlsx(LIMITS.unpacked_bytes + MB)),
        )
    assert got.value.file_name == "census.xlsx"
    assert str(got.value).startswith("This file would unpack to")


def test_a_workbook_with_more_cells_than_the_limit_is_refused_before_it_is_read(nothing_parses_here):
    small = Limits(cells=100)
    with pytest.raises(UploadRefused) as got:
        inspect_listing_bounded(listing_xlsx(50), "incidents.xlsx", limits=small)  # 51 rows x 7 cells
    assert str(got.value) == cells_message(small)
    layout = inspect_listing_bounded(listing_xlsx(5), "incidents.xlsx", limits=small)  # 42 cells: read
    assert "Location (exact)" in layout.columns


def test_a_worker_past_its_time_limit_is_stopped_with_a_clear_message(nothing_parses_here):
    quick = Limits(seconds=0.001)
    with pytest.raises(WorkerFailed) as got:
        inspect_listing_bounded((RAW / "incident_listing.csv").read_bytes(), "incident_listing.csv", limits=quick)
    assert str(got.value) == time_message(quick)


def test_a_worker_past_its_memory_limit_is_stopped_with_a_clear_message(nothing_parses_here):
    """DuckDB's own out-of-memory error is the worker's memory limit too (a thread that cannot even start ends
    the worker: then the message says it stopped)."""
    tight = Limits(memory_bytes=20 * MB)
    listing = (RAW / "incident_listing.csv").read_bytes()
    with pytest.raises(WorkerFailed) as got:
        listing_combinations_bounded(listing, "incident_listing.csv", starter_profile("datix"), limits=tight)
    said = str(got.value)
    assert said == memory_message(tight) or said.startswith("Reading this file stopped unexpectedly"), said
    assert "Traceback" not in said and "Exception" not in said


def test_the_engine_still_refuses_in_its_own_words(nothing_parses_here):
    with pytest.raises(ImportRefused, match="old Excel format"):
        inspect_listing_bounded(b"\xd0\xcf\x11\xe0 old", "incidents.xls")


def test_the_sample_listing_imports_through_the_worker(nothing_parses_here):
    """Only the engine's result comes back: the counts, the reconciliation with its excluded rows read out (the
    mapped columns only), the distinct locations and categories; the free-text column only by its name."""
    listing = ("incident_listing.csv", (RAW / "incident_listing.csv").read_bytes())
    census = ("census.csv", (RAW / "census.csv").read_bytes())
    profile = starter_profile("datix")
    layout = inspect_listing_bounded(listing[1], listing[0])
    assert "Description" in layout.columns
    combos = listing_combinations_bounded(listing[1], listing[0], profile)
    assert len(combos.locations) == 14
    result = import_listing_bounded(listing, profile, census=census)
    rec = result.listing
    assert rec.rows_read == 3609 and rec.adds_up
    assert isinstance(rec.excluded, dict)  # read out in the worker, where the engine's connection was
    excluded = rec.excluded_rows()
    assert len(excluded) == rec.rows_excluded and "Description" not in excluded.columns
    assert "Description" in result.dropped_columns
    assert len(result.ward_months) and result.ward_months["occupied_bed_days"].gt(0).all()
