"""The template workbook and the data dictionary, generated from the contract; filled in, it loads."""

import datetime as dt
import io

import pandas as pd
from openpyxl import load_workbook

from analysis.data import contract
from analysis.data.loader import load_upload
from analysis.data.template import dictionary_csv, dictionary_markdown, template_workbook, write_docs


def test_template_has_about_then_one_bold_header_sheet_per_table():
    wb = load_workbook(io.BytesIO(template_workbook()))
    assert wb.sheetnames == ["About", *contract.TABLES]
    for name, table in contract.TABLES.items():
        header = [c.value for c in wb[name][1]]
        assert header[: len(table.columns)] == table.columns
        assert all(c.font.bold for c in wb[name][1])
    survey = [c.value for c in wb["coproduction_responses"][1]]
    assert {"le1", "sd4"} <= set(survey)
    assert wb["instrument"].max_row == 17 and wb["measures"].max_row == 5


def test_filled_template_round_trips():
    wb = load_workbook(io.BytesIO(template_workbook()))
    wb["wards"].append(["W01", "Iona", "admission", "High", 12, dt.datetime(2019, 4, 1), None])
    wb["ward_months"].append(["W01", dt.datetime(2024, 4, 1), 352, 1, 0, 0, 2, 0, 0, 4, 30, 7.5, 12.5])
    wb["ward_months"].append(["W01", "May 2024", 360, 0, 1, 0, 1, 0, 0, 4, 28, 7.0, 10])
    survey_header = [c.value for c in wb["coproduction_responses"][1]]
    row = {"response_id": "R1", "ward_id": "W01", "date": "15/04/2024", "respondent": "Patient"}
    wb["coproduction_responses"].append([row.get(h, 3) for h in survey_header])
    wb["recovery"].append(["W01", "Apr 2024", "QPR-15", 38.5, 10])
    wb["events"].append([None, dt.datetime(2023, 10, 1), "talking_groups_started", "Groups began"])
    buf = io.BytesIO()
    wb.save(buf)
    r = load_upload(buf.getvalue(), "filled.xlsx")
    assert r.ok, r.problems.to_string()
    assert r.tables["ward_months"]["talking_group_attendances"].tolist() == [30, 28]
    assert r.tables["coproduction_responses"]["respondent"].iloc[0] == "patient"
    assert r.tables["coproduction_responses"]["sd4"].iloc[0] == 3
    assert len(r.tables["instrument"]) == 16 and r.tables["instrument"]["reverse"].sum() == 4
    assert set(r.tables) == {
        "wards",
        "ward_months",
        "coproduction_responses",
        "recovery",
        "events",
        "instrument",
        "measures",
    }


def test_dictionary_csv_and_markdown():
    d = pd.read_csv(io.BytesIO(dictionary_csv()), keep_default_na=False)
    assert len(d) == len(contract.dictionary())
    md = dictionary_markdown()
    for name in contract.TABLES:
        assert f"## `{name}`" in md
    assert "01/04/2024 is 1 April 2024" in md and "`occupied_bed_days`" in md


def test_write_docs(tmp_path):
    out = write_docs(tmp_path / "docs" / "data-contract.md")
    assert out.read_text(encoding="utf-8") == dictionary_markdown()
