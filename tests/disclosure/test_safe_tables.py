"""CSV and XLSX exports: no cell runs as a formula, text round-trips, the rule is named."""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from analysis.disclosure.protect import protect_table
from analysis.disclosure.rules import RULES
from analysis.disclosure.safe_tables import (
    build_stamp,
    neutralise,
    read_csv_bytes,
    to_csv_bytes,
    to_xlsx_bytes,
)

PAYLOADS = [
    "=1+1",
    "+SUM(A1)",
    "-2+3",
    "@cmd",
    "\t=x",
    "\r=x",
    '=HYPERLINK("http://evil.example","click")',
    "  =1+1",
    "-5",
]
FREE_TEXT = [
    'Iona, "the quiet ward"',
    "line one\nline two",
    "Ìle agus Barraigh: àèìòù ÀÈÌÒÙ",
    'He said ""hi""',
    "NA",
    "null",
    "0042",
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def frame(texts):
    n = len(texts)
    return pd.DataFrame(
        {
            "note": texts,
            "count": list(range(-2, n - 2)),
            "rate": [x / 3 - 1 for x in range(n)],
            "month": pd.date_range("2024-04-01", periods=n, freq="MS"),
        }
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_neutralise_prefixes_formula_text(payload):
    out = neutralise(payload)
    assert out == "'" + payload
    assert not out.lstrip(" ").startswith(TRIGGERS)


@pytest.mark.parametrize("value", [-5, -5.0, 3, 0.5, True, None, "", "Iona", "a=b", "'quoted"])
def test_neutralise_leaves_numbers_and_safe_text(value):
    assert neutralise(value) is value


def test_csv_text_is_neutralised_and_numbers_stay_numbers():
    data = to_csv_bytes(frame(PAYLOADS))
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1 : 1 + len(PAYLOADS)]
    assert header == ["note", "count", "rate", "month"]
    for row, payload in zip(body, PAYLOADS):
        assert row[0] == "'" + payload
        for cell in row[1:3]:
            float(cell)  # numeric text, no apostrophe, even when negative
    assert body[0][1] == "-2" and body[0][3] == "2024-04-01"


def test_csv_round_trips_free_text_and_numbers_exactly():
    df = frame(FREE_TEXT)
    back, stamp = read_csv_bytes(to_csv_bytes(df), dtype={"note": str})
    assert list(back["note"]) == FREE_TEXT
    assert list(back["count"]) == list(df["count"])
    assert list(back["rate"]) == list(df["rate"])  # repr of a float reads back bit for bit
    assert list(pd.to_datetime(back["month"])) == list(df["month"])
    assert stamp == {}


def test_bare_csv_reads_straight_into_pandas():
    df = frame(FREE_TEXT)
    back = pd.read_csv(io.BytesIO(to_csv_bytes(df)), encoding="utf-8-sig", keep_default_na=False, dtype={"note": str})
    assert list(back["note"]) == FREE_TEXT and list(back["count"]) == list(df["count"])


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.lists(st.text(alphabet="ab ,\"'\n\r\t=+-@ÌìÀàé;", min_size=1, max_size=12), min_size=1, max_size=5))
def test_csv_round_trip_property(texts):
    df = pd.DataFrame({"note": texts, "n": range(len(texts))})
    stamp = {"Data source": 'test, with "quotes"\nand a break'}
    back, got = read_csv_bytes(to_csv_bytes(df, stamp), dtype={"note": str})
    assert list(back["note"]) == [neutralise(t) for t in texts]
    assert list(back["n"]) == list(range(len(texts)))
    assert got["Data source"] == stamp["Data source"]
    for t in back["note"]:
        assert not t.lstrip(" ").startswith(TRIGGERS)


def test_csv_stamp_names_the_rule_and_is_neutralised():
    stamp = build_stamp(
        data_source="=cmd",
        extract_date="2024-05-02",
        period="Apr 2024 to Mar 2025",
        disclosure_rule=RULES["scotland"],
        synthetic=True,
    )
    table, got = read_csv_bytes(to_csv_bytes(frame(["x"]), stamp))
    assert len(table) == 1
    assert got["Disclosure control"] == RULES["scotland"].description
    assert got["Extract date"] == "02/05/2024"
    assert got["Data source"].startswith("'=cmd") and "synthetic" in got["Data source"]
    _, bare_rule = read_csv_bytes(to_csv_bytes(frame(["x"]), {"Data source": "sample"}))
    assert "None applied" in bare_rule["Disclosure control"]


def xlsx_cells(data):
    wb = load_workbook(io.BytesIO(data))
    return wb, [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]


def test_xlsx_cells_are_text_never_formula():
    data = to_xlsx_bytes({"Notes": frame(PAYLOADS)}, {"Data source": "+evil"})
    wb, cells = xlsx_cells(data)
    assert all(c.data_type != "f" for c in cells)
    ws = wb["Notes"]
    for i, payload in enumerate(PAYLOADS, start=2):
        cell = ws.cell(row=i, column=1)
        assert cell.data_type == "s"
        assert cell.value == "'" + payload.replace("\r", "\n")
        assert ws.cell(row=i, column=2).data_type == "n" and ws.cell(row=i, column=3).data_type == "n"
    assert ws.cell(row=2, column=2).value == -2
    assert ws.cell(row=2, column=4).data_type == "d" and ws.cell(row=2, column=4).number_format == "dd/mm/yyyy"
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # no formula element anywhere in the package
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in z.namelist() if n.endswith(".xml"))


def test_xlsx_round_trips_free_text_and_has_about_sheet():
    texts = FREE_TEXT + ["windows\r\nbreak"]
    stamp = build_stamp(data_source="Synthetic sample hospital", disclosure_rule=RULES["nhs_england"], synthetic=True)
    data = to_xlsx_bytes({"Ward summary": frame(texts), "Model: results/[q2]": frame(["a"])}, stamp)
    wb, _ = xlsx_cells(data)
    assert wb.sheetnames == ["About", "Ward summary", "Model_ results__q2_"]
    ws = wb["Ward summary"]
    got = [ws.cell(row=i, column=1).value for i in range(2, 2 + len(texts))]
    assert got == FREE_TEXT + ["windows\nbreak"]  # CR LF is stored as Excel's in-cell break, LF
    assert ws.cell(row=1, column=1).font.bold and ws.freeze_panes == "A2"
    assert 8 <= ws.column_dimensions["A"].width <= 60
    about = {r[0]: r[1] for r in wb["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Disclosure control"] == RULES["nhs_england"].description
    assert "Synthetic data" in about


def test_protected_table_exports_carry_no_small_counts():
    df = pd.DataFrame(
        {"ward_name": ["Iona", "Mull", "Skye", "Tiree", "Total"], "assaults_on_staff": [0, 3, 12, 41, 56]}
    )
    result = protect_table(df, ["assaults_on_staff"], "nhs_england", total_rows=4)
    data = to_xlsx_bytes({"Assaults": result.frame}, result.stamp())
    ws = load_workbook(io.BytesIO(data))["Assaults"]
    shown = [ws.cell(row=i, column=2) for i in range(2, 7)]
    for cell in shown:
        assert cell.value == "*" and cell.data_type == "s" or (cell.data_type == "n" and not 1 <= cell.value <= 7)
    back, stamp = read_csv_bytes(to_csv_bytes(result.frame, result.stamp()), dtype=str)
    assert not back["assaults_on_staff"].isin([str(n) for n in range(1, 8)]).any()
    assert stamp["Disclosure control"] == RULES["nhs_england"].description


def test_xlsx_text_type_holds_even_without_the_apostrophe(monkeypatch):
    from analysis.disclosure import safe_tables

    monkeypatch.setattr(safe_tables, "neutralise", lambda value: value)  # second line of defence alone
    wb, cells = xlsx_cells(safe_tables.to_xlsx_bytes({"Notes": frame(PAYLOADS)}))
    assert all(c.data_type != "f" for c in cells)
    assert wb["Notes"].cell(row=2, column=1).value == "=1+1" and wb["Notes"].cell(row=2, column=1).data_type == "s"
