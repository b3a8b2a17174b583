"""The patient-identifier guard: names and CHI/NHS numbers refuse the file, and are never echoed."""

import pandas as pd
import pytest

from analysis.data.identifiers import check_digit_ok, identifier_column_name, mask, refusal_reason, scan_sheet
from analysis.data.loader import load_files, load_upload

# 943 476 5919 is the NHS's published example number. By hand: 9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299,
# 299 mod 11 = 2, 11 - 2 = 9 = the last digit.
VALID = "9434765919"
# A CHI-style number (DDMMYY + 4): 0101901234 -> 0*10+1*9+0*8+1*7+9*6+0*5+1*4+2*3+3*2 = 86, 86 mod 11 = 9,
# 11 - 9 = 2, so 010190123 + "2" is valid and ending in 4 is not.
VALID_CHI = "0101901232"


def test_check_digit():
    assert check_digit_ok(VALID) and check_digit_ok(VALID_CHI)
    assert not check_digit_ok("9434765918")
    assert not check_digit_ok("0101901234")
    assert not check_digit_ok("123456789")  # nine digits


@pytest.mark.parametrize(
    "name",
    [
        "CHI",
        "CHI number",
        "chi_no",
        "NHS Number",
        "nhs no",
        "NHSNo",
        "Patient name",
        "Forename",
        "Surname",
        "Date of birth",
        "DOB",
        "Hospital number",
        "Case number",
        "Postcode",
        "patient_id",
        "First name",
        "patient_names",  # a plural name column (the session-log attack, issue 14)
        "Client initials",
        "service user name",
    ],
)
def test_identifier_column_names(name):
    assert identifier_column_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "ward_id",
        "ward_name",
        "response_id",
        "respondent",
        "month",
        "occupied_bed_days",
        "service",
        "measure",
        "n_patients",
        "label",
        "chief_nurse_notes",
        "unit_id",
        "hospital_id",
        "instrument",
        "chaired_by",
        "staff_nurse",
        "ward_name_patient_view",
    ],
)
def test_ordinary_columns_are_not_identifiers(name):
    assert not identifier_column_name(name)


def test_scan_finds_numbers_written_with_spaces_or_dashes_or_as_numbers():
    body = pd.DataFrame({0: ["943 476 5919", "943-476-5919", "W01", 9434765919, "9434765918"]}, dtype=object)
    findings = scan_sheet("wards", ["notes"], body, rows=[2, 3, 4, 5, 6])
    assert [(f["row"], f["value"]) for f in findings] == [(2, "943 *** ****"), (3, "943-***-****"), (5, "943*******")]
    assert "3 values" in refusal_reason(findings)


def test_chi_with_lost_leading_zero_in_a_numeric_cell_is_found():
    body = pd.DataFrame({0: [int(VALID_CHI)]}, dtype=object)  # 101901232: Excel dropped the 0
    assert scan_sheet("s", ["x"], body)


def test_mask_hides_all_but_the_first_three_digits():
    assert mask(VALID) == "943*******"


def _wards_csv(extra_header="", extra_value=""):
    head = "ward_id,ward_name,service,security_level,beds" + (f",{extra_header}" if extra_header else "")
    row = "W01,Iona,admission,high,12" + (f",{extra_value}" if extra_header else "")
    return f"{head}\n{row}\n".encode()


def test_value_in_any_column_refuses_the_upload_without_echoing_it():
    wm = b"ward_id,month,occupied_bed_days,assaults_on_staff,comment\nW01,Apr 2024,300,1,943 476 5919\n"
    r = load_files([("wards.csv", _wards_csv()), ("ward_months.csv", wm)])
    assert r.refused is not None and not r.ok and r.tables == {}
    assert "ward_months" in r.refused and "comment" in r.refused and "1 value" in r.refused
    assert "9434765919" not in r.refused and "943 476 5919" not in r.refused
    assert "row 2: '943 *** ****'" in r.refused
    assert (r.problems["severity"] == "error").all() and len(r.problems) == 1
    assert r.problems["row"].tolist() == [2]
    assert not r.problems["value"].str.contains("94347659").any()


def test_identifier_column_name_refuses_and_nothing_else_is_reported():
    # the CHI column is refused; the bad month is not even parsed
    wm = b"ward_id,month,occupied_bed_days,assaults_on_staff\nW01,13/13/2024,300,1\n"
    r = load_files([("wards.csv", _wards_csv("CHI Number", "")), ("ward_months.csv", wm)])
    assert r.refused and "CHI Number" in r.refused and "wards" in r.refused
    assert list(r.problems["column"]) == ["CHI Number"]
    assert r.without_bad_rows().refused == r.refused


def test_identifier_in_an_unknown_sheet_still_refuses():
    import io

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "scratch"
    wb.active.append(["who"])
    wb.active.append([VALID_CHI])
    buf = io.BytesIO()
    wb.save(buf)
    r = load_upload(buf.getvalue(), "x.xlsx")
    assert r.refused and "scratch" in r.refused


# ---------------------------------------------------------------- identifiers inside text (issue 16, defect 5)
from pathlib import Path  # noqa: E402

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from analysis.data.loader import load_path  # noqa: E402

WARDS_CSV = "ward_id,ward_name,service,security_level,beds\nW01,Iona,admission,high,12\nW02,Skye,treatment,high,10\n"
MONTHS_CSV = "ward_id,month,occupied_bed_days,assaults_on_staff\nW01,Apr 2024,352,1\nW02,Apr 2024,290,0\n"


def _folder(tmp_path: Path, **tables: str) -> Path:
    """A folder of CSV files (wards and ward_months by default, replaced or added by name)."""
    files = {"wards": WARDS_CSV, "ward_months": MONTHS_CSV, **tables}
    for name, text in files.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    return tmp_path


def _events(*labels: str) -> str:
    """events.csv with one note per label (quoted, so commas stay in the cell)."""
    rows = [{"ward_id": "W01", "date": "01/10/2023", "kind": "note", "label": label} for label in labels]
    return pd.DataFrame(rows).to_csv(index=False)


def _refused_at(r, sheet: str, row: int, column: str, shown: str, what: str) -> None:
    assert r.refused is not None and not r.ok and r.tables == {}, r.problems.to_string()  # nothing imported
    hit = r.problems[(r.problems["sheet"] == sheet) & (r.problems["row"] == row) & (r.problems["column"] == column)]
    assert len(hit) == 1, r.problems.to_string()
    assert hit["value"].iloc[0] == shown and what in hit["problem"].iloc[0]
    assert f"sheet '{sheet}', column '{column}'" in r.refused and f"row {row}: '{shown}'" in r.refused


@pytest.mark.parametrize(
    "cell, shown, what",
    [
        ("Incident involving 943 476 5919 on ward", "Incident involving 943 *** **** on ward", "an NHS number"),
        ("NHS9434765919", "NHS943*******", "an NHS number"),
        ("Seen by CHI 0101901232 team", "Seen by CHI 010******* team", "a CHI or NHS number"),
        ("Ref W01 943-476-5919", "Ref W01 943-***-****", "an NHS number"),
    ],
)
def test_a_chi_or_nhs_number_inside_an_event_label_refuses_the_file(tmp_path, cell, shown, what):
    r = load_path(_folder(tmp_path, events=_events("New policy", cell)))
    _refused_at(r, "events", 3, "label", shown, what)
    assert "9434765919" not in r.refused and "0101901232" not in r.refused
    assert not r.problems["value"].str.contains("476", regex=False).any()


def test_a_name_and_date_of_birth_in_a_ward_name_refuses_the_file(tmp_path):
    wards = WARDS_CSV.replace("W02,Skye", 'W02,"Iona (J. Smith, DOB 01/02/1980)"')
    r = load_path(_folder(tmp_path, wards=wards))
    _refused_at(r, "wards", 3, "ward_name", "Iona (J. Smith, DOB ██/██/████)", "a date of birth")
    assert "01/02/1980" not in r.refused


@pytest.mark.parametrize(
    "cell",
    ["Smith, J. 01/02/1975", "J P Smith 3 March 1968", "born 1980-02-01", "D.O.B.: 03/04/85", "date of birth 1/2/1990"],
)
def test_dates_of_birth_written_other_ways_are_found(tmp_path, cell):
    r = load_path(_folder(tmp_path, events=_events(cell)))
    assert r.refused and r.tables == {} and "date of birth" in r.refused, r.problems.to_string()
    assert list(r.problems["row"]) == [2] and "█" in r.problems["value"].iloc[0]


@pytest.mark.parametrize(
    "cell",
    [
        "Incident involving 943 476 5918 on ward",  # fails the check digit (and so the CHI check)
        "Ref 1234567890",  # fails it too
        "Call 0141 123 4567",  # 11 digits: a phone number
        "New manager J. Smith 01/03/2024",  # a staff member and a recent date, not a date of birth
        "Refurbishment 2019-2020, budget 12 345 678",
        "Talking groups started 01/10/1999",
    ],
)
def test_ordinary_text_with_numbers_and_dates_is_not_refused(tmp_path, cell):
    r = load_path(_folder(tmp_path, events=_events(cell)))
    assert r.refused is None and r.ok, r.problems.to_string()
    assert r.tables["events"]["label"].tolist() == [cell]


def test_numeric_columns_are_searched_for_numbers_only():
    body = pd.DataFrame({0: ["W01"], 1: ["J. Smith 01/02/1980"], 2: ["NHS 943 476 5919"]}, dtype=object)
    found = scan_sheet(
        "ward_months", ["ward_id", "assaults_on_staff", "restraints"], body, rows=[7], table="ward_months"
    )
    assert [(f["row"], f["column"], f["value"]) for f in found] == [(7, "restraints", "NHS 943 *** ****")]
    as_text = scan_sheet("notes", ["ward_id", "assaults_on_staff", "restraints"], body, rows=[7])
    assert [f["column"] for f in as_text] == ["assaults_on_staff", "restraints"]


def test_many_identifiers_list_twenty_cells_and_count_the_rest(tmp_path):
    r = load_path(_folder(tmp_path, events=_events(*(f"patient 943 476 5919 visit {i}" for i in range(25)))))
    assert r.refused and "25 values look like an NHS number" in r.refused
    listed = r.problems[r.problems["row"].notna()]
    assert listed["row"].tolist() == list(range(2, 22))
    assert r.problems["problem"].str.contains("5 more values in column 'label'").any()


def test_an_identifier_in_a_column_header_is_masked(tmp_path):
    wards = WARDS_CSV.replace("beds\n", "beds,notes 943 476 5919\n").replace(",12\n", ",12,x\n")
    r = load_path(_folder(tmp_path, wards=wards))
    assert r.refused and "notes 943 *** ****" in r.refused and "5919" not in r.refused


def test_the_identifier_scan_never_stops_the_checks_on_odd_cells():
    odd = [None, 1e300, float("nan"), True, -9434765919.5, "01/02/1980", "\u0663" * 9, "１２３"]
    assert scan_sheet("s", ["x"], pd.DataFrame({0: odd}, dtype=object)) == []
    wide = scan_sheet("s", ["x"], pd.DataFrame({0: ["９４３４７６５９１９"]}, dtype=object))  # full-width digits
    assert [f["value"] for f in wide] == ["９４３*******"]


def _with_check_digit(nine: str) -> str | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
    check = (11 - total % 11) % 11
    return None if check == 10 else nine + str(check)


def _written(digits: str, seps: tuple[str, str]) -> str:
    return digits[:3] + seps[0] + digits[3:6] + seps[1] + digits[6:]


NO_DIGITS = st.text(
    alphabet=st.characters(blacklist_categories=("Nd", "Cs", "Cc")), max_size=30
)  # random words around the number, never touching it with another digit
SEPS = st.tuples(st.sampled_from(["", " ", "-", " - "]), st.sampled_from(["", " ", "-"]))
PROPERTY = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(nine=st.from_regex(r"\A[0-9]{9}\Z"), before=NO_DIGITS, after=NO_DIGITS, seps=SEPS)
def test_any_number_passing_the_nhs_check_inside_any_text_is_caught(nine, before, after, seps):
    digits = _with_check_digit(nine)
    assume(digits is not None)
    cell = before + _written(digits, seps) + after
    found = scan_sheet("events", ["label"], pd.DataFrame({0: [cell]}, dtype=object))
    assert len(found) == 1 and found[0]["row"] == 2 and "NHS number" in found[0]["problem"]
    assert found[0]["value"] == before + _written(digits[:3] + "*" * 7, seps) + after


@PROPERTY
@given(nine=st.from_regex(r"\A[0-9]{9}\Z"), last=st.integers(0, 9), before=NO_DIGITS, after=NO_DIGITS, seps=SEPS)
def test_any_number_failing_both_checks_is_never_refused(nine, last, before, after, seps):
    digits = nine + str(last)
    assume(not check_digit_ok(digits))  # the CHI check needs the same check digit, so it fails too
    cell = before + _written(digits, seps) + after
    assert scan_sheet("events", ["label"], pd.DataFrame({0: [cell]}, dtype=object)) == []
