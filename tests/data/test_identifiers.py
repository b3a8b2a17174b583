"""The patient-identifier guard: names and CHI/NHS numbers refuse the file, and are never echoed."""

import pandas as pd
import pytest

from analysis.data.identifiers import check_digit_ok, identifier_column_name, mask, scan_sheet
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
    ],
)
def test_ordinary_columns_are_not_identifiers(name):
    assert not identifier_column_name(name)


def test_scan_finds_numbers_written_with_spaces_or_dashes_or_as_numbers():
    body = pd.DataFrame({0: ["943 476 5919", "943-476-5919", "W01", 9434765919, "9434765918"]}, dtype=object)
    findings = scan_sheet("wards", ["notes"], body)
    assert len(findings) == 1
    assert "3 values" in findings[0]["problem"]


def test_chi_with_lost_leading_zero_in_a_numeric_cell_is_found():
    body = pd.DataFrame({0: [int(VALID_CHI)]}, dtype=object)  # 101901232: Excel dropped the 0
    assert scan_sheet("s", ["x"], body)


def test_mask_hides_all_but_last_two_digits():
    assert mask(VALID) == "********19"


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
    assert "********19" in r.refused
    assert (r.problems["severity"] == "error").all() and len(r.problems) == 1
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
