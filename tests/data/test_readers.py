"""Reading workbooks and CSV files as they come from hospitals: sizes that lie, hidden sheets, title rows above
the header, Total rows, UTF-16 without a byte order mark, unsafe XML and thousands of unknown columns.

Every file is built here, in the test; each case checks the message, that nothing wrong was imported and that the
row counts are right.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

from analysis.data.loader import load_files, load_upload

WARDS = [["ward_id", "ward_name", "service", "security_level", "beds"]] + [
    [f"W0{i}", name, "admission", "high", 12] for i, name in enumerate(["Iona", "Lewis", "Harris", "Skye", "Mull"], 1)
]
MONTHS = [f"2024-{m:02d}" for m in range(1, 11)]
WARD_MONTHS = [["ward_id", "month", "occupied_bed_days", "assaults_on_staff"]] + [
    [f"W0{i}", m, 300 + i, i % 3] for i in range(1, 6) for m in MONTHS
]  # 50 ward-month rows


def workbook(sheets: dict[str, list[list]], states: dict[str, str] | None = None) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        ws.sheet_state = (states or {}).get(name, "visible")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def patch_member(data: bytes, member: str, change) -> bytes:
    """The same zip (workbook) with one member's bytes changed."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info.filename, change(body) if info.filename == member else body)
    return out.getvalue()


def csv_text(rows: list[list]) -> str:
    return "\n".join(",".join(str(v) for v in r) for r in rows) + "\n"


def notes(result, severity: str | None = None) -> list[str]:
    p = result.problems
    if severity:
        p = p[p["severity"] == severity]
    return list(p["problem"])


# ------------------------------------------------------------------ defect 6: a workbook that misstates its size
def test_rows_past_a_wrong_dimension_are_all_read():
    data = workbook({"wards": WARDS, "ward_months": WARD_MONTHS})
    sheet = "xl/worksheets/sheet2.xml"
    assert b'<dimension ref="A1:D51"/>' in zipfile.ZipFile(io.BytesIO(data)).read(sheet)
    lying = patch_member(data, sheet, lambda b: b.replace(b'<dimension ref="A1:D51"/>', b'<dimension ref="A1:D10"/>'))
    r = load_upload(lying, "hospital.xlsx")
    assert r.ok, r.problems.to_string()
    assert len(r.tables["ward_months"]) == 50
    assert len(r.tables["wards"]) == 5


def test_columns_past_a_wrong_dimension_are_read_too():
    data = workbook({"wards": WARDS, "ward_months": WARD_MONTHS})
    lying = patch_member(
        data, "xl/worksheets/sheet1.xml", lambda b: b.replace(b'<dimension ref="A1:E6"/>', b'<dimension ref="A1:B3"/>')
    )
    r = load_upload(lying, "hospital.xlsx")
    assert r.ok, r.problems.to_string()
    assert len(r.tables["wards"]) == 5 and list(r.tables["wards"]["beds"]) == [12] * 5


# ------------------------------------------------------------------ defect 10: hidden sheets
def test_hidden_sheets_are_named_and_a_hidden_contract_table_is_read():
    data = workbook(
        {"ward_months": WARD_MONTHS, "wards": WARDS, "Lookups": [["code", "label"], ["a", "b"]]},
        {"wards": "hidden", "Lookups": "veryHidden"},
    )
    r = load_upload(data, "hospital.xlsx")
    assert r.ok, r.problems.to_string()
    assert len(r.tables["wards"]) == 5  # read, as the file holds it
    hidden = [p for p in notes(r) if "hidden" in p]
    assert any("'wards'" in p and "was read" in p for p in hidden), hidden
    assert any("'Lookups'" in p for p in hidden), hidden


def test_patient_identifiers_on_a_hidden_sheet_still_refuse_the_file():
    secret = [["ward_id", "nhs_number"], ["W01", "943 476 5919"], ["W02", "943 476 5870"]]
    data = workbook({"wards": WARDS, "ward_months": WARD_MONTHS, "notes": secret}, {"notes": "veryHidden"})
    r = load_upload(data, "hospital.xlsx")
    assert r.refused and not r.tables


# ------------------------------------------------------------------ defect 10: unsafe XML
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]>"
)


def test_an_entity_expansion_workbook_gets_a_plain_message_and_nothing_is_read():
    data = workbook({"wards": WARDS, "ward_months": WARD_MONTHS})

    def bomb(xml: bytes) -> bytes:
        xml = re.sub(rb"^<\?xml[^>]*\?>", b"", xml)
        return BILLION_LAUGHS + xml.replace(b"<v>Iona</v>", b"<v>&lol9;</v>").replace(
            b"</sheetData>", b'<row r="7"><c r="A7" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
        )

    r = load_upload(patch_member(data, "xl/worksheets/sheet1.xml", bomb), "hospital.xlsx")
    assert not r.tables
    errors = notes(r, "error")
    assert len(errors) == 1, errors
    message = errors[0]
    assert "ParseError" not in message and "Entities" not in message and "(" not in message, message
    assert "save it again" in message.lower()


def test_defusedxml_is_a_requirement_and_openpyxl_uses_it():
    import openpyxl

    lines = (Path(__file__).resolve().parents[2] / "requirements.txt").read_text().splitlines()
    assert any(re.match(r"defusedxml==\d", line) for line in lines)
    assert openpyxl.DEFUSEDXML


# ------------------------------------------------------------------ defect 10: a header below title rows
def test_a_header_below_title_rows_is_found_and_named():
    titled = [["Ward months return"], ["Prepared by the information team, 3 November 2024"], []] + WARD_MONTHS
    data = workbook({"wards": WARDS, "ward_months": titled})
    r = load_upload(data, "hospital.xlsx")
    assert r.ok, r.problems.to_string()
    assert len(r.tables["ward_months"]) == 50
    assert any("row 4" in p and "ward_months" in p for p in notes(r)), notes(r)


def test_rows_below_a_found_header_keep_their_spreadsheet_numbers():
    rows = [["Ward months, all wards"], []] + [list(r) for r in WARD_MONTHS]
    rows[3][2] = -5  # first data row: spreadsheet row 4
    r = load_files([("wards.csv", csv_text(WARDS).encode()), ("ward_months.csv", csv_text(rows).encode())])
    bad = r.problems[r.problems["severity"] == "error"]
    assert list(bad["row"]) == [4] and list(bad["column"]) == ["occupied_bed_days"], r.problems.to_string()
    assert len(r.tables["ward_months"]) == 50


# ------------------------------------------------------------------ defect 10: a Total row
def _with_total(obd_total: int | None = None) -> bytes:
    body = WARD_MONTHS[1:]
    total = ["Total", "", obd_total if obd_total is not None else sum(r[2] for r in body), sum(r[3] for r in body)]
    return csv_text(WARD_MONTHS + [total]).encode()


def test_a_total_row_that_adds_up_is_left_out_with_a_note():
    r = load_files([("wards.csv", csv_text(WARDS).encode()), ("ward_months.csv", _with_total())])
    assert r.ok, r.problems.to_string()
    assert len(r.tables["ward_months"]) == 50
    assert any("total" in p.lower() and "row 52" in p for p in notes(r, "info")), notes(r)


def test_a_total_row_that_does_not_add_up_is_reported():
    right = sum(r[2] for r in WARD_MONTHS[1:])
    r = load_files([("wards.csv", csv_text(WARDS).encode()), ("ward_months.csv", _with_total(right + 7))])
    assert len(r.tables["ward_months"]) == 50
    warned = [p for p in notes(r, "warning") if "total" in p.lower()]
    assert len(warned) == 1, r.problems.to_string()
    assert "occupied_bed_days" in warned[0] and f"{right + 7:,}" in warned[0] and f"{right:,}" in warned[0]


def test_a_workbook_total_row_labelled_grand_total_is_recognised():
    body = WARD_MONTHS[1:]
    rows = WARD_MONTHS + [["Grand total", None, sum(r[2] for r in body), sum(r[3] for r in body)]]
    r = load_upload(workbook({"wards": WARDS, "ward_months": rows}), "hospital.xlsx")
    assert r.ok, r.problems.to_string()
    assert len(r.tables["ward_months"]) == 50


# ------------------------------------------------------------------ defect 10: UTF-16 without a byte order mark
def test_utf16_without_a_byte_order_mark_is_read():
    for codec in ("utf-16-le", "utf-16-be"):
        r = load_files(
            [("wards.csv", csv_text(WARDS).encode(codec)), ("ward_months.csv", csv_text(WARD_MONTHS).encode(codec))]
        )
        assert r.ok, (codec, r.problems.to_string())
        assert len(r.tables["ward_months"]) == 50 and list(r.tables["wards"]["ward_name"])[0] == "Iona"


def test_a_real_binary_file_is_still_called_one():
    r = load_upload(bytes(range(256)) * 40, "ward_months.csv")
    assert not r.tables and "binary" in notes(r, "error")[0]


# ------------------------------------------------------------------ defect 10: thousands of unknown columns
def test_twenty_thousand_unknown_columns_are_one_note():
    extra = [f"x{i}" for i in range(20_000)]
    rows = [WARDS[0] + extra] + [r + [""] * len(extra) for r in WARDS[1:]]
    r = load_files([("wards.csv", csv_text(rows).encode()), ("ward_months.csv", csv_text(WARD_MONTHS).encode())])
    assert r.ok, r.problems.head().to_string()
    unknown = [p for p in notes(r) if "not part of the data contract" in p]
    assert len(unknown) == 1, unknown[:3]
    assert "20,000" in unknown[0] and "x0" in unknown[0] and "x19999" not in unknown[0]
    assert len(r.dropped_columns) == 20_000  # the full list stays available
    assert len(r.tables["wards"]) == 5


def test_a_few_unknown_columns_are_still_named_one_by_one():
    rows = [WARDS[0] + ["notes", "manager"]] + [r + ["", ""] for r in WARDS[1:]]
    r = load_files([("wards.csv", csv_text(rows).encode()), ("ward_months.csv", csv_text(WARD_MONTHS).encode())])
    unknown = r.problems[r.problems["problem"].str.contains("not part of the data contract")]
    assert list(unknown["column"]) == ["notes", "manager"]


# ------------------------------------------------------------------ issue 13: Excel formulas never calculated
def test_a_formula_with_no_saved_value_is_named_not_called_blank():
    """openpyxl (like any program but Excel) writes formulas without their results: the cell's value is unknown,
    and saying it is blank sends the user looking for a gap that is not there."""
    months = [list(r) for r in WARD_MONTHS]
    months[1][2] = "=300+1"  # occupied_bed_days, a required column: was "is blank; this column needs a value..."
    months[2][3] = "=1+1"  # assaults_on_staff, blanks allowed: was silently imported as missing
    r = load_upload(workbook({"wards": WARDS, "ward_months": months}), "hospital.xlsx")
    errors = r.problems[r.problems["severity"] == "error"]
    assert errors[["row", "column", "value", "problem"]].values.tolist() == [
        [2, "occupied_bed_days", "=300+1", "a formula with no saved value: open the file in Excel and save it"],
        [3, "assaults_on_staff", "=1+1", "a formula with no saved value: open the file in Excel and save it"],
    ]
    assert not r.problems["problem"].str.contains("blank").any()
    kept = r.without_bad_rows()
    assert kept.ok and len(kept.tables["ward_months"]) == 48


def test_a_formula_whose_value_excel_saved_is_read_as_that_value():
    months = [list(r) for r in WARD_MONTHS]
    months[1][3] = "=1+1"
    data = workbook({"wards": WARDS, "ward_months": months})
    saved = patch_member(
        data, "xl/worksheets/sheet2.xml", lambda b: b.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>")
    )
    r = load_upload(saved, "hospital.xlsx")
    assert r.ok, r.problems.to_string()
    assert r.tables["ward_months"]["assaults_on_staff"].iloc[0] == 2


# ------------------------------------------------------------------ issue 13: decimal commas
def semicolons(rows: list[list]) -> bytes:
    return ("\n".join(";".join(str(v) for v in r) for r in rows) + "\n").encode()


def comma_months(staffing: list[str]) -> list[list]:
    head = ["ward_id", "month", "occupied_bed_days", "assaults_on_staff", "staff_hours_per_patient_day"]
    return [head] + [
        [w, m, 300 + i, i % 3, staffing[i % len(staffing)]]
        for i, (w, m) in enumerate((r[0], r[1]) for r in WARD_MONTHS[1:])
    ]


def test_a_semicolon_file_written_wholly_with_decimal_commas_is_read_with_a_note():
    """Excel saves CSV this way where the comma is the decimal mark: 67 cells of '7,1' were 67 errors."""
    months = comma_months(["7,1", "6,25", "8", "10,5"])
    r = load_files([("wards.csv", csv_text(WARDS).encode()), ("ward_months.csv", semicolons(months))])
    assert r.ok, r.problems.to_string()
    assert r.tables["ward_months"]["staff_hours_per_patient_day"].head(4).tolist() == [7.1, 6.25, 8.0, 10.5]
    notes_ = r.problems[r.problems["sheet"] == "ward_months"]
    assert notes_[["severity", "problem"]].values.tolist() == [
        [
            "info",
            "this file writes numbers with a decimal comma ('7,1' on row 2 was read as 7.1), so every number in "
            "it was read that way",
        ]
    ]


def test_decimal_commas_beside_decimal_points_are_one_message_per_column():
    months = comma_months(["7,1", "6,25", "8.5", "10,5"])  # mixed: which mark a number uses cannot be told
    r = load_files([("wards.csv", csv_text(WARDS).encode()), ("ward_months.csv", semicolons(months))])
    errors = r.problems[r.problems["severity"] == "error"]
    assert errors[["row", "column", "value"]].values.tolist() == [[2, "staff_hours_per_patient_day", "7,1"]]
    assert errors["problem"].iloc[0] == (
        "38 numbers in this column are written with a decimal comma (row 2: '7,1', row 3: '6,25', row 5: '10,5' "
        "and 35 more), but this file also writes numbers with a decimal point, so they could not be read: write "
        "every number with a decimal point (7.1), or every one with a decimal comma (7,1)"
    )
    assert not r.without_bad_rows().ok  # the column stays wrong until the file is corrected


def test_a_semicolon_file_without_decimal_commas_reads_as_before():
    months = comma_months(["7", "1,000"])  # 1,000: thousands, as in any other file
    r = load_files([("wards.csv", csv_text(WARDS).encode()), ("ward_months.csv", semicolons(months))])
    assert r.ok and list(r.problems["severity"]) == []
    assert r.tables["ward_months"]["staff_hours_per_patient_day"].head(2).tolist() == [7.0, 1000.0]
