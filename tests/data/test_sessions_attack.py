"""Bad talking group session logs through the real import path (loader, then the store): each gives a clear
message, and a file with an error imports nothing (issue 14, attack tests)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data.loader import load_files
from tests.data.test_sessions_contract import GOOD, HEADER, WARD_MONTHS, WARDS, _csv, _errors, _load

WARDS_DATED = (
    b"ward_id,ward_name,service,security_level,beds,opened,closed\n"
    b"W01,Iona,admission,high,12,01/05/2024,\nW02,Skye,treatment,high,10,01/01/2020,09/04/2024\n"
)


def _problems(result, severity: str) -> list[str]:
    p = result.problems
    return p.loc[p["severity"] == severity, "problem"].tolist()


def test_one_meeting_is_said_in_the_singular():
    """A ward-month with one meeting in the log and two held in ward_months: '1 meeting', never '1 meetings'."""
    warnings = " ".join(_problems(_load(GOOD[:1]), "warning"))
    assert "the session log has 1 meeting where ward_months has 2 sessions held" in warnings
    assert "1 meetings" not in warnings


def test_a_meeting_before_the_ward_opened_or_after_it_closed_is_a_warning():
    """W01 opened on 1 May 2024, so a meeting on 3 April is before it; W02 closed on 9 April, so one on the 10th
    is after it (ward_months gets the same warning for a month outside the ward's dates)."""
    result = load_files([("wards.csv", WARDS_DATED), ("talking_group_sessions.csv", _csv([GOOD[0], GOOD[2]]))])
    warnings = _problems(result, "warning")
    assert any("3 Apr 2024 is before ward W01 opened (1 May 2024)" in w for w in warnings), warnings
    assert any("10 Apr 2024 is after ward W02 closed (9 Apr 2024)" in w for w in warnings), warnings


@pytest.mark.parametrize(
    "cell, value, message",
    [
        ("staff_nurse", "two", "cannot read 'two' as a whole number"),
        ("patients_attending", "-3", "must be at least 0"),
        ("date", "03/04/2099", "is after today"),
        ("date", "03/04/1900", "earlier than any data the dashboard takes"),
        ("staff_nurse", "2.5", "must be a whole number"),
        ("chaired_by", "psychologist", "must be one of: patient, staff"),
        ("duration_minutes", "0", "must be above 0"),
        ("ward_id", "W99", "ward 'W99' is not in the wards table"),
    ],
)
def test_a_bad_cell_is_named_and_the_file_refused(cell, value, message):
    cols = HEADER.split(",")
    row = dict(zip(cols, GOOD[0].split(",")))
    row[cell] = value
    result = _load([",".join(row[c] for c in cols), GOOD[2]])
    assert not result.ok
    assert any(message in e for e in _errors(result)), _errors(result)


def test_excel_serial_dates_read_as_days():
    cols = HEADER.split(",")
    row = dict(zip(cols, GOOD[0].split(",")))
    row["date"] = "45385"  # Excel's serial for 3 April 2024
    result = _load([",".join(row[c] for c in cols)])
    assert result.ok, _errors(result)
    assert result.tables["talking_group_sessions"]["date"].iloc[0] == pd.Timestamp("2024-04-03")


def test_odd_casing_of_headers_and_codes_is_read():
    header = HEADER.replace("staff_nurse", "Staff Nurse").replace("chaired_by", "CHAIRED_BY")
    rows = [GOOD[0].replace(",patient,", ",Patient,"), GOOD[1].replace(",staff,", ",STAFF ,")]
    result = _load(rows, header)
    assert result.ok, _errors(result)
    log = result.tables["talking_group_sessions"]
    assert log["chaired_by"].tolist() == ["patient", "staff"] and log["staff_nurse"].tolist() == [2, 2]


def test_sessions_where_ward_months_say_none_were_held_is_a_warning():
    wm = WARD_MONTHS.replace(b"W01,2024-04,350,2,2,13", b"W01,2024-04,350,2,0,0")
    result = load_files([("wards.csv", WARDS), ("ward_months.csv", wm), ("talking_group_sessions.csv", _csv(GOOD))])
    assert any(
        "the session log has 2 meetings where ward_months has 0 sessions held" in w
        for w in _problems(result, "warning")
    )


@pytest.mark.parametrize("header", ["minutes", "notes"])
def test_a_names_or_minutes_column_is_not_imported(header):
    """Free text and names never enter the log: the column is dropped with a note (a column the identifier rules
    call a patient identifier refuses the whole file; analysis/data/identifiers.py)."""
    result = _load([GOOD[0] + ",Jane Smith said the food was cold"], HEADER + f",{header}")
    assert header not in result.tables["talking_group_sessions"].columns
    assert any(f"the column '{header}' is not part of the data contract" in m for m in _problems(result, "info"))


def test_a_patient_names_column_refuses_the_file_as_an_identifier():
    result = _load([GOOD[0] + ",Jane Smith"], HEADER + ",patient_names")
    assert not result.ok
    assert "talking_group_sessions" not in result.tables or result.tables["talking_group_sessions"].empty
    assert any("patient_names" in e for e in _errors(result))


def test_a_staff_name_column_is_refused_not_counted():
    result = _load([GOOD[0] + ",Dr Jones"], HEADER + ",staff_names")
    assert not result.ok
    assert any("'staff_names' is not one this table knows" in e for e in _errors(result))


def test_an_empty_file_and_a_file_of_headers_only():
    empty = load_files([("wards.csv", WARDS), ("ward_months.csv", WARD_MONTHS), ("talking_group_sessions.csv", b"")])
    assert not empty.ok and "the file is empty" in _errors(empty)
    headers = _load([])
    assert headers.ok and "talking_group_sessions" not in headers.tables
    assert any("the sheet has no rows" in m for m in _problems(headers, "info"))


def test_a_hundred_thousand_rows_give_row_messages_not_a_crash():
    """100,000 meetings across 10 wards (two of them known): every row of an unknown ward is named, and the file
    is refused."""
    start = pd.Timestamp("1995-01-01")
    rows = [
        f"W{i // 10_000 + 1:02d},{(start + pd.Timedelta(days=i % 10_000)).strftime('%d/%m/%Y')},"
        "45,7,2,1,1,0,0,0,0,patient,1,3,1,0,1,0,3,1"
        for i in range(100_000)
    ]
    result = load_files(
        [("wards.csv", WARDS), ("ward_months.csv", WARD_MONTHS), ("talking_group_sessions.csv", _csv(rows))]
    )
    assert not result.ok
    unknown = [e for e in _errors(result) if "is not in the wards table" in e]
    assert len(unknown) == 80_000
