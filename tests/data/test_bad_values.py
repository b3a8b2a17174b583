"""Bad and implausible values (issue 16, defect 9): each is a row-level message naming the sheet, row, column
and value, never "this file could not be checked", and nothing from the row is imported.

Errors are values that cannot be real (a count of 1e20, a month after today or in 2263, twice the bed days a
ward can hold): the file is not ok, and dropping bad rows drops that row. Warnings are possible but unlikely
(more assaults than bed days, a month before the ward opened): imported and listed for someone to check.
"""

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from analysis.data.loader import load_path

WARDS = [
    {"ward_id": "W01", "ward_name": "Iona", "service": "admission", "security_level": "high", "beds": "12"},
    {"ward_id": "W02", "ward_name": "Skye", "service": "treatment", "security_level": "high", "beds": "10"},
]
WARD_MONTHS = [
    {"ward_id": "W01", "month": "Apr 2024", "occupied_bed_days": "352", "assaults_on_staff": "1"},
    {"ward_id": "W02", "month": "Apr 2024", "occupied_bed_days": "290", "assaults_on_staff": "0"},
]
RECOVERY = [{"ward_id": "W01", "month": "Apr 2024", "measure": "QPR-15", "mean_score": "38.5", "n_patients": "10"}]
RESPONSES = [{"response_id": "R1", "ward_id": "W01", "date": "15/04/2024", "respondent": "patient", "le1": "4"}]
EVENTS = [{"ward_id": "W01", "date": "01/10/2023", "kind": "note", "label": "New policy"}]


def _months_ahead() -> str:
    """Two months after this one, worked out when the test runs (not at collection: a run can cross midnight)."""
    return (pd.Timestamp.now().normalize() + pd.offsets.MonthBegin(2)).strftime("%b %Y")


def _days_ahead() -> str:
    """Three days after today, worked out when the test runs; a margin so a run over midnight stays after today."""
    return (pd.Timestamp.now().normalize() + pd.Timedelta(days=3)).strftime("%d/%m/%Y")


def _tables(table: str, row: int, column: str, value: str) -> dict[str, list[dict]]:
    tables = {"wards": WARDS, "ward_months": WARD_MONTHS, "recovery": RECOVERY}
    tables |= {"coproduction_responses": RESPONSES, "events": EVENTS}
    tables = {t: [dict(r) for r in rows] for t, rows in tables.items()}
    tables[table][row][column] = value
    return tables


def _write(folder: Path, tables: dict[str, list[dict]]) -> Path:
    for name, rows in tables.items():
        (folder / f"{name}.csv").write_text(pd.DataFrame(rows).to_csv(index=False), encoding="utf-8")
    return folder


def _no_internal_error(r) -> None:
    assert not r.problems["problem"].str.contains("could not be checked").any(), r.problems.to_string()
    assert r.refused is None


# (table, row index, column, value, the message's words)
ERRORS = {
    "count of 1e20": ("ward_months", 0, "assaults_on_staff", "1e20", "1e20 is far larger than any monthly count"),
    "count of 2^63": (
        "ward_months",
        1,
        "assaults_on_staff",
        str(2**63),
        f"{2**63} is far larger than any monthly count; check the cell",
    ),
    "count of -1e20": ("ward_months", 0, "restraints", "-1e20", "-1e20 is far smaller than any monthly count"),
    "bed days of 1e20": (
        "ward_months",
        0,
        "occupied_bed_days",
        "1e20",
        "1e20 is far larger than any ward's occupied bed days in a month; check the cell",
    ),
    "beds of 1e20": ("wards", 1, "beds", "1e20", "1e20 is far larger than any ward's number of beds"),
    "patients of 1e20": ("recovery", 0, "n_patients", "1e20", "1e20 is far larger than any ward's number of patients"),
    "mean score of 1e300": ("recovery", 0, "mean_score", "1e300", "1e300 is far larger than any value this column"),
    "a 400-digit count": ("ward_months", 0, "self_harm", "9" * 400, "cannot read"),
    "month after 2262": ("ward_months", 0, "month", "Apr 2263", "Apr 2263 is in the year 2263; check the year"),
    "month 2300-01": ("recovery", 0, "month", "2300-01", "2300-01 is in the year 2300; check the year"),
    "event in 9999": ("events", 0, "date", "31/12/9999", "31/12/9999 is in the year 9999; check the year"),
    "month after the current month": (
        "ward_months",
        1,
        "month",
        _months_ahead,
        lambda value: f"{value} is after {pd.Timestamp.now().strftime('%b %Y')}, the current month; check the year",
    ),
    "survey return after today": ("coproduction_responses", 0, "date", _days_ahead, "{} is after today".format),
    "month before 1990": ("ward_months", 0, "month", "Apr 1985", "Apr 1985 is before Jan 1990"),
    "bed days over twice beds x days": (
        "ward_months",
        0,
        "occupied_bed_days",
        "721",
        "occupied bed days (721) are more than 2 times beds x days in the month (12 x 30 = 360)",
    ),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_a_bad_value_is_an_error_on_its_row_and_the_row_is_not_imported(tmp_path, name):
    table, i, column, value, words = ERRORS[name]
    if callable(value):  # a value relative to today, and message words naming it
        value = value()
        words = words(value)
    r = load_path(_write(tmp_path, _tables(table, i, column, value)))
    _no_internal_error(r)
    assert not r.ok  # nothing is imported from a file with errors
    errors = r.problems[r.problems["severity"] == "error"]
    assert len(errors) == 1, r.problems.to_string()
    e = errors.iloc[0]
    assert (e["sheet"], e["row"], e["column"], e["value"]) == (table, i + 2, column, value)
    assert words in e["problem"], e["problem"]
    kept = r.without_bad_rows()  # dropping the bad rows drops this one
    before = len(_tables(table, i, column, value)[table])
    assert len(kept.tables.get(table, [])) == before - 1
    assert kept.problems["problem"].str.startswith("dropped: ").any()


# (table, row index, column, value, the message's words)
WARNINGS = {
    "more assaults than bed days": (
        "ward_months",
        0,
        "assaults_on_staff",
        "400",
        "400 assaults on staff are more than the month's occupied bed days (352)",
    ),
    "bed days just over beds x days": (
        "ward_months",
        0,
        "occupied_bed_days",
        "400",
        "occupied bed days (400) are more than beds x days in the month (12 x 30 = 360)",
    ),
}


@pytest.mark.parametrize("name", list(WARNINGS))
def test_an_unlikely_value_is_a_warning_on_its_row(tmp_path, name):
    table, i, column, value, words = WARNINGS[name]
    r = load_path(_write(tmp_path, _tables(table, i, column, value)))
    _no_internal_error(r)
    assert r.ok and r.warning_count == 1, r.problems.to_string()
    w = r.problems[r.problems["severity"] == "warning"].iloc[0]
    assert (w["sheet"], w["row"], w["column"], w["value"]) == (table, i + 2, column, value)
    assert words in w["problem"], w["problem"]


def test_a_month_before_the_ward_opened_or_after_it_closed_is_a_warning(tmp_path):
    tables = _tables("wards", 0, "opened", "15/05/2024")
    tables["wards"][1]["closed"] = "31/03/2024"
    r = load_path(_write(tmp_path, tables))
    _no_internal_error(r)
    assert r.ok, r.problems.to_string()
    w = r.problems[r.problems["severity"] == "warning"]
    found = set(zip(w["sheet"], w["row"], w["column"], w["value"]))
    expected = {("ward_months", 2, "month"), ("ward_months", 3, "month"), ("recovery", 2, "month")}
    assert found == {(*k, "Apr 2024") for k in expected}
    assert any("Apr 2024 is before ward W01 opened (15 May 2024)" in p for p in w["problem"])
    assert any("Apr 2024 is after ward W02 closed (31 Mar 2024)" in p for p in w["problem"])


def test_a_ward_opened_long_ago_is_not_a_problem(tmp_path):
    r = load_path(_write(tmp_path, _tables("wards", 0, "opened", "01/06/1948")))
    assert r.ok and r.warning_count == 0, r.problems.to_string()


def test_excel_cells_too_large_or_too_late_are_row_errors(tmp_path):
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {
        "wards": [
            ["ward_id", "ward_name", "service", "security_level", "beds"],
            ["W01", "Iona", "admission", "high", 12],
        ],
        "ward_months": [
            ["ward_id", "month", "occupied_bed_days", "assaults_on_staff", "restraints", "seclusions"],
            ["W01", dt.datetime(2024, 4, 1), 352, 2**63, 1e20, 10**30],
            ["W01", dt.datetime(9999, 12, 1), 300, 0, 0, 0],
        ],
    }
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    (tmp_path / "hospital.xlsx").write_bytes(buf.getvalue())
    r = load_path(tmp_path / "hospital.xlsx")
    _no_internal_error(r)
    assert not r.ok
    e = r.problems[r.problems["severity"] == "error"]
    assert set(zip(e["row"], e["column"])) == {
        (2, "assaults_on_staff"),
        (2, "restraints"),
        (2, "seclusions"),
        (3, "month"),
    }, r.problems.to_string()
    by_column = dict(zip(e["column"], e["problem"]))
    assert by_column["assaults_on_staff"].endswith("is far larger than any monthly count; check the cell")
    assert by_column["restraints"] == "1e+20 is far larger than any monthly count; check the cell"
    assert "is in the year 9999" in by_column["month"]
    assert "ward_months" not in r.without_bad_rows().tables  # both rows have errors: none is imported


BAD = ["1e20", str(2**63), "-1e20", "1e400", "9" * 400, "nan", "-inf", "Apr 2263", "31/12/9999", "01/01/1800"]


@pytest.mark.parametrize("value", BAD)
def test_no_bad_value_in_any_column_stops_the_checks(tmp_path, value):
    from analysis.data import contract

    tables = _tables("events", 0, "label", "x")
    typed = []
    for name, rows in tables.items():
        for field in contract.TABLES[name].fields:
            if field.kind not in ("id", "text", "choice", "flag") and field.name in rows[0]:
                rows[0][field.name] = value
                typed.append((name, field.name))
    r = load_path(_write(tmp_path, tables))
    _no_internal_error(r)
    assert not r.ok
    located = set(zip(r.problems["sheet"], r.problems["row"], r.problems["column"]))
    missing = [(t, c) for t, c in typed if (t, 2, c) not in located]
    assert not missing, r.problems.to_string()
