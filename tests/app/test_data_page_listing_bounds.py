"""The Data page's listing import reads its uploads in the bounded worker, not in the app's process: a small
workbook that unpacks past the upload limit is refused with the template upload's message (no traceback), and the
sample listing still maps while the app process's own readers are made to fail if called."""

from __future__ import annotations

import pytest

from analysis.data.dataset import SAMPLE_DIR
from analysis.data.limits import LIMITS, MB
from tests.app.helpers import start, texts
from tests.app.test_data_page_listing import _seed_wards
from tests.data.test_listing_bounds import bomb_xlsx

RAW = SAMPLE_DIR / "raw"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def nothing_parses_here(monkeypatch):
    def never(*a, **k):
        raise AssertionError("a listing upload was parsed in the app's own process")

    import python_calamine

    from analysis.data.importers import engine, tables

    for name in ("inspect_listing", "listing_combinations", "import_listing", "_open"):
        monkeypatch.setattr(engine, name, never)
    monkeypatch.setattr(tables, "open_file", never)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", never)


def test_a_workbook_bomb_is_refused_with_the_upload_limit_message(real_sample, nothing_parses_here):
    _seed_wards()
    at = start(page="data")
    assert not at.exception, at.exception
    at.file_uploader(key="listing_file").set_value(
        [("incidents.xlsx", bomb_xlsx(LIMITS.unpacked_bytes + 5 * MB), XLSX)]
    ).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any("would unpack to" in e and "the limit is 200 MB" in e and "incidents.xlsx" in e for e in errors), errors
    assert "not mapped yet" not in texts(at)


def test_the_sample_listing_is_read_in_the_worker(real_sample, nothing_parses_here):
    _seed_wards()
    at = start(page="data")
    at.file_uploader(key="listing_file").set_value(
        [("incident_listing.csv", (RAW / "incident_listing.csv").read_bytes(), "text/csv")]
    ).run()
    assert not at.exception, at.exception
    said = texts(at)
    assert "2 not mapped yet" in said and "3 not mapped yet" in said, said
    at.file_uploader(key="listing_census").set_value(
        [("census.csv", (RAW / "census.csv").read_bytes(), "text/csv")]
    ).run()
    assert not at.exception, at.exception
    assert "3,609 rows read" in texts(at)
