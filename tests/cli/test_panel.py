"""`python -m analysis panel`: protected by default, formula-safe always, raw counts only when asked and labelled.

Issue 16, defect 8: the panel export wrote raw counts of 1 to 7 and a ward name "=HYPERLINK(...)" as a live
formula, although every export is meant to be protected.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from analysis.cli.main import main
from analysis.disclosure.safe_tables import read_csv_bytes
from analysis.sample.generate import generate
from analysis.sample.write import write_hospital

EVIL = '=HYPERLINK("http://example.invalid","Iona")'
COUNTS = ("assaults_on_staff", "self_harm", "seclusions", "talking_groups_held", "talking_group_attendances")


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    write_hospital(generate(seed=3, n_wards=3, months=12, start="2024-04"), folder)
    wards = pd.read_csv(folder / "wards.csv", dtype=str, keep_default_na=False)
    wards.loc[0, "ward_name"] = EVIL
    wards.to_csv(folder / "wards.csv", index=False)
    raw = pd.read_csv(folder / "ward_months.csv")
    assert raw["assaults_on_staff"].between(1, 7).any()  # the case has small counts to protect
    return folder


def _run(*args) -> int:
    return main(["panel", *map(str, args)])


def test_default_panel_is_protected_and_formula_safe(small_data, tmp_path):
    out = tmp_path / "panel.csv"
    assert _run("--data", small_data, "--out", out) == 0
    panel, stamp = read_csv_bytes(out.read_bytes(), dtype=str)
    assert "NHS England" in stamp["Disclosure control"] or "1 to 7" in stamp["Disclosure control"]
    for col in COUNTS:
        values = pd.to_numeric(panel[col], errors="coerce").dropna()
        assert not values.between(1, 7).any(), (col, sorted(values.unique()))
        assert (panel[col] == "*").any() or col.startswith("talking")
    rate = panel["assaults_on_staff_rate_per_1000_obd"]
    assert ((panel["assaults_on_staff"] == "*") <= (rate == "*")).all()  # a hidden count hides its rate
    text = out.read_bytes().decode("utf-8-sig")
    assert "'" + EVIL.replace('"', '""') in text and "\n" + EVIL not in text and "," + EVIL not in text


def test_unprotected_panel_keeps_raw_counts_says_so_and_still_escapes_formulas(small_data, tmp_path):
    out = tmp_path / "panel.xlsx"
    assert _run("--data", small_data, "--out", out, "--internal-unprotected") == 0
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(out.read_bytes()))
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows(min_row=2)}
    assert "UNPROTECTED" in about["Protection"] and "None applied" in about["Disclosure control"]
    cells = [c for row in wb["panel"].iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert "'" + EVIL in {c.value for c in cells}
    header = [c.value for c in next(wb["panel"].iter_rows())]
    j = header.index("assaults_on_staff")
    values = [row[j].value for row in wb["panel"].iter_rows(min_row=2)]
    assert any(isinstance(v, (int, float)) and 1 <= v <= 7 for v in values)  # raw, as asked


def test_panel_refuses_an_unknown_file_type(small_data, tmp_path, capsys):
    assert _run("--data", small_data, "--out", tmp_path / "panel.json") == 2
    assert "csv or .xlsx" in capsys.readouterr().err
