"""Cell parsing: dates day first, months, numbers, flags, choices and missing-value strings."""

import datetime as dt

import pandas as pd
import pytest

from analysis.data.parsing import (
    cell_text,
    is_missing,
    normalise_name,
    parse_column,
    parse_date,
    parse_flag,
    parse_number,
)


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("01/04/2024", "2024-04-01"),  # 1 April, never 4 January
        ("1/4/24", "2024-04-01"),
        ("13/04/2024", "2024-04-13"),
        ("01-04-2024", "2024-04-01"),
        ("01.04.2024", "2024-04-01"),
        ("2024-04-01", "2024-04-01"),
        ("2024-04-01 00:00:00", "2024-04-01"),
        ("1 April 2024", "2024-04-01"),
        ("01-Apr-2024", "2024-04-01"),
        (" 29/02/2024 ", "2024-02-29"),
        (dt.datetime(2024, 4, 1), "2024-04-01"),
        (dt.date(2024, 4, 1), "2024-04-01"),
        (45383, "2024-04-01"),  # Excel serial number for 1 April 2024
        ("45383", "2024-04-01"),
    ],
)
def test_dates_are_day_first(cell, expected):
    assert parse_date(cell) == pd.Timestamp(expected)


@pytest.mark.parametrize(
    "cell",
    ["13/13/2024", "31/02/2024", "29/02/2023", "2024-13", "yesterday", "Foo 2024", 2024, True, dt.time(10, 0), "01/04"],
)
def test_unreadable_dates_say_day_first(cell):
    with pytest.raises(ValueError, match="as a date .day first: 01/04/2024 is 1 April 2024"):
        parse_date(cell)


@pytest.mark.parametrize(
    "cell",
    [
        "2024-04",
        "Apr 2024",
        "April 2024",
        "apr-24",
        "APR 2024",
        "01/04/2024",
        "15/04/2024",
        "2024/04",
        dt.datetime(2024, 4, 30),
        45383,
    ],
)
def test_months_become_first_of_month(cell):
    assert parse_date(cell, month_only=True) == pd.Timestamp("2024-04-01")


def test_sept_and_two_digit_years():
    assert parse_date("Sept 2023", month_only=True) == pd.Timestamp("2023-09-01")
    assert parse_date("01/04/95") == pd.Timestamp("1995-04-01")


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("12", 12.0),
        (" 3.5 ", 3.5),
        ("1,234", 1234.0),
        ("12%", 12.0),
        (7, 7.0),
        (2.5, 2.5),
        ("-1", -1.0),
        ("1e3", 1000.0),
    ],
)
def test_numbers(cell, expected):
    assert parse_number(cell) == expected


@pytest.mark.parametrize("cell", ["abc", "1,5", "nan", "inf", True, dt.datetime(2024, 1, 1), "12 beds"])
def test_unreadable_numbers(cell):
    with pytest.raises(ValueError, match="cannot read"):
        parse_number(cell)


def test_na_in_a_number_column_gets_a_hint():
    with pytest.raises(ValueError, match="write N/A when the value is missing"):
        parse_number("NA", whole=True)


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        (1, True),
        (True, True),
        ("no", False),
        ("n", False),
        ("False", False),
        (0, False),
    ],
)
def test_flags(cell, expected):
    assert parse_flag(cell) is expected


def test_unreadable_flag():
    with pytest.raises(ValueError, match="as yes or no"):
        parse_flag("maybe")


@pytest.mark.parametrize("cell", [None, "", "   ", "N/A", "n/a", "#N/A", "-", " - ", "–", float("nan")])
def test_missing_tokens(cell):
    assert is_missing(cell)


@pytest.mark.parametrize("cell", ["NA", "0", 0, "none?"])
def test_not_missing(cell):
    assert not is_missing(cell)


def test_parse_column_counts_missing_and_reports_positions():
    raw = pd.Series(["3", "N/A", "-", "", "x", None, "2.5"], dtype=object)
    parsed = parse_column(raw, "count")
    assert parsed.n_missing == 4
    assert [p for p, _ in parsed.errors] == [4]
    assert "cannot read 'x' as a whole number" in parsed.errors[0][1]
    assert parsed.values.iloc[6] == 2.5  # whole-number rule is the schema's job


def test_text_keeps_a_ward_called_na_and_choices_take_contract_spelling():
    ids = parse_column(pd.Series(["NA", " W01 ", 7.0], dtype=object), "id")
    assert list(ids.values) == ["NA", "W01", "7"] and ids.n_missing == 0
    levels = parse_column(pd.Series(["High", "MEDIUM", "lowish"], dtype=object), "choice", ("high", "medium", "low"))
    assert list(levels.values) == ["high", "medium", "lowish"]
    kinds = parse_column(pd.Series(["Talking groups started"], dtype=object), "choice", ("talking_groups_started",))
    assert list(kinds.values) == ["talking_groups_started"]


def test_column_dtypes():
    assert str(parse_column(pd.Series(["01/04/2024"], dtype=object), "date").values.dtype) == "datetime64[ns]"
    assert str(parse_column(pd.Series(["yes", "N/A"], dtype=object), "flag").values.dtype) == "boolean"
    assert str(parse_column(pd.Series(["1"], dtype=object), "number").values.dtype) == "float64"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Ward Months", "ward_months"),
        (" ward-months ", "ward_months"),
        ("Occupied  Bed Days", "occupied_bed_days"),
        ("WARDS", "wards"),
    ],
)
def test_normalise_name(name, expected):
    assert normalise_name(name) == expected


def test_cell_text_shows_cells_as_the_spreadsheet_does():
    assert cell_text(12.0) == "12" and cell_text(2.5) == "2.5" and cell_text(None) == ""
    assert cell_text(dt.datetime(2024, 4, 1)) == "01/04/2024"


# ---------------------------------------------------------------- plausibility bounds (issue 16, defect 9)
def test_a_whole_number_too_large_for_a_float_is_a_message_not_an_exception():
    with pytest.raises(ValueError, match="cannot read '1000.*' as a number"):
        parse_number(10**400)


def test_parse_column_reports_numbers_beyond_their_limit_in_words():
    raw = pd.Series(["3", "1e20", 2**63, "-1e20", None], dtype=object)
    parsed = parse_column(raw, "count", limit=100_000, limit_words="monthly count")
    assert parsed.errors == [
        (1, "1e20 is far larger than any monthly count; check the cell"),
        (2, f"{2**63} is far larger than any monthly count; check the cell"),
        (3, "-1e20 is far smaller than any monthly count; check the cell"),
    ]
    assert parsed.values.tolist()[0] == 3.0 and parsed.values.iloc[1:].isna().all() and parsed.n_missing == 1


def test_parse_column_keeps_months_between_1990_and_now():
    now = pd.Timestamp.now()
    later = (now + pd.offsets.MonthBegin(1)).strftime("%Y-%m")
    raw = pd.Series(["2024-04", "Dec 1989", later, now.strftime("%Y-%m"), "Apr 2263"], dtype=object)
    parsed = parse_column(raw, "month", happened=True)
    assert [p for p, _ in parsed.errors] == [1, 2, 4]
    messages = dict(parsed.errors)
    assert messages[1] == "Dec 1989 is before Jan 1990, earlier than any data the dashboard takes; check the year"
    assert messages[2] == f"{later} is after {now.strftime('%b %Y')}, the current month; check the year"
    assert messages[4] == "Apr 2263 is in the year 2263; check the year"
    assert str(parsed.values.dtype) == "datetime64[ns]"


def test_dates_outside_1900_to_2200_are_never_read_whatever_their_form():
    for cell in ("31/12/9999", "2300-01", dt.datetime(9999, 12, 31), dt.date(1850, 1, 1)):
        with pytest.raises(ValueError, match="is in the year .*; check the year"):
            parse_date(cell)
