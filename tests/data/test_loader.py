"""The loader against the data contract: every rule and bad-input case, with its sheet, row, column and message."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from analysis.data.loader import load_files, load_path, load_upload

WARDS = [
    {"ward_id": "W01", "ward_name": "Iona", "service": "admission", "security_level": "high", "beds": "12"},
    {"ward_id": "W02", "ward_name": "Arran", "service": "rehabilitation", "security_level": "medium", "beds": "15"},
]
WARD_MONTHS = [
    {"ward_id": "W01", "month": "Apr 2024", "occupied_bed_days": "352", "assaults_on_staff": "1"},
    {"ward_id": "W01", "month": "May 2024", "occupied_bed_days": "360", "assaults_on_staff": "0"},
    {"ward_id": "W02", "month": "2024-04", "occupied_bed_days": "400", "assaults_on_staff": "2"},
]
RECOVERY = [{"ward_id": "W01", "month": "Apr 2024", "measure": "QPR-15", "mean_score": "38.5", "n_patients": "10"}]
RESPONSES = [
    {"response_id": "R1", "ward_id": "W01", "date": "15/04/2024", "respondent": "patient", "le1": "4", "pf1": "5"}
]
EVENTS = [
    {"ward_id": "", "date": "01/10/2023", "kind": "note", "label": "New policy"},
    {"ward_id": "W02", "date": "01/11/2023", "kind": "talking_groups_started", "label": "Groups"},
]
INSTRUMENT = [
    {"item": "q1", "aspect": "lived_experience", "reverse": "no", "scale_min": "0", "scale_max": "10", "wording": "x"}
]


def csv(rows: list[dict]) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode()


def base(**changes) -> dict[str, list[dict]]:
    tables = {
        "wards": WARDS,
        "ward_months": WARD_MONTHS,
        "recovery": RECOVERY,
        "coproduction_responses": RESPONSES,
        "events": EVENTS,
    }
    tables = {t: [dict(r) for r in rows] for t, rows in tables.items()}
    tables.update(changes)
    return tables


def load(tables: dict[str, list[dict]], context=None):
    return load_files([(f"{t}.csv", csv(rows)) for t, rows in tables.items()], context)


def one(result, severity="error"):
    p = result.problems[result.problems["severity"] == severity]
    assert len(p) == 1, result.problems.to_string()
    return p.iloc[0]


def test_valid_upload_loads_ok_with_typed_tables():
    r = load(base())
    assert r.ok, r.problems.to_string()
    wm = r.tables["ward_months"]
    assert list(wm["month"]) == [pd.Timestamp("2024-04-01"), pd.Timestamp("2024-05-01"), pd.Timestamp("2024-04-01")]
    assert str(wm["assaults_on_staff"].dtype) == "Int64" and str(wm["occupied_bed_days"].dtype) == "float64"
    assert isinstance(wm.index, pd.RangeIndex) and list(wm["ward_id"]) == ["W01", "W01", "W02"]
    assert pd.isna(r.tables["events"]["ward_id"].iloc[0])  # blank ward: hospital-wide
    assert r.tables["coproduction_responses"][["le1", "pf1"]].iloc[0].tolist() == [4.0, 5.0]
    assert len(r.content_hash) == 64


def _set(table, i, column, value, **extra):
    t = base()
    t[table][i][column] = value
    return t


# (tables, sheet, row, column, phrase, severity)
CASES = {
    "wrong date": (_set("events", 0, "date", "13/13/2024"), "events", 2, "date", "as a date (day first"),
    "31 February": (_set("events", 1, "date", "31/02/2024"), "events", 3, "date", "cannot read '31/02/2024'"),
    "negative count": (
        _set("ward_months", 1, "assaults_on_staff", "-1"),
        "ward_months",
        3,
        "assaults_on_staff",
        "at least 0",
    ),
    "2.5 assaults": (
        _set("ward_months", 0, "assaults_on_staff", "2.5"),
        "ward_months",
        2,
        "assaults_on_staff",
        "whole number",
    ),
    "unknown security level": (
        _set("wards", 1, "security_level", "very high"),
        "wards",
        3,
        "security_level",
        "one of: high, medium, low",
    ),
    "duplicate ward-month": (
        _set("ward_months", 2, "ward_id", "W01"),
        "ward_months",
        None,
        "ward_id, month",
        "also on row",
    ),
    "ward not in wards": (
        _set("ward_months", 2, "ward_id", "W09"),
        "ward_months",
        4,
        "ward_id",
        "'W09' is not in the wards table",
    ),
    "event ward not in wards": (_set("events", 1, "ward_id", "W07"), "events", 3, "ward_id", "not in the wards"),
    "zero occupied bed days": (
        _set("ward_months", 0, "occupied_bed_days", "0"),
        "ward_months",
        2,
        "occupied_bed_days",
        "above 0",
    ),
    "blank required value": (_set("wards", 0, "ward_name", "N/A"), "wards", 2, "ward_name", "is blank"),
    "item out of scale": (
        _set("coproduction_responses", 0, "le1", "6"),
        "coproduction_responses",
        2,
        "le1",
        "between 1 and 5",
    ),
    "unknown measure": (
        _set("recovery", 0, "measure", "CANFOR"),
        "recovery",
        2,
        "measure",
        "not in the measures catalogue",
    ),
    "score outside measure range": (
        _set("recovery", 0, "mean_score", "61"),
        "recovery",
        2,
        "mean_score",
        "between 0 and 60 for QPR-15",
    ),
    "closed before opened": (
        base(wards=[dict(WARDS[0], opened="01/04/2020", closed="01/03/2020"), WARDS[1]]),
        "wards",
        2,
        "closed",
        "on or after opened",
    ),
    "unknown respondent": (
        _set("coproduction_responses", 0, "respondent", "visitor"),
        "coproduction_responses",
        2,
        "respondent",
        "one of: patient, staff",
    ),
    "scale max not above min": (
        base(instrument=[dict(INSTRUMENT[0], scale_max="0")]),
        "instrument",
        2,
        "scale_max",
        "above scale_min",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_reported_with_sheet_row_column_and_message(name):
    tables, sheet, row, column, phrase = CASES[name]
    r = load(tables)
    assert not r.ok
    errors = r.problems[r.problems["severity"] == "error"]
    hits = errors[(errors["sheet"] == sheet) & (errors["column"] == column)]
    assert len(hits) >= 1, r.problems.to_string()
    if row is not None:
        assert list(hits["row"]) == [row]
    assert hits["problem"].str.contains(phrase, regex=False).all(), hits["problem"].tolist()
    assert len(errors) == len(hits), "no other error should be reported"


def test_duplicate_ward_month_is_reported_on_both_rows():
    r = load(_set("ward_months", 2, "ward_id", "W01"))
    e = r.problems[r.problems["severity"] == "error"]
    assert list(e["row"]) == [2, 4] and e["problem"].iloc[0].endswith("also on row 4; each must appear once")


def test_bed_days_above_beds_times_days_is_a_warning_not_an_error():
    r = load(_set("ward_months", 0, "occupied_bed_days", "361"))  # 12 beds x 30 days in April = 360
    assert r.ok and r.warning_count == 1
    w = one(r, "warning")
    assert (w["sheet"], w["row"], w["column"]) == ("ward_months", 2, "occupied_bed_days")
    assert "12 x 30 = 360" in w["problem"]


def test_missing_required_column_is_one_error_for_the_sheet():
    rows = [{k: v for k, v in r.items() if k != "occupied_bed_days"} for r in WARD_MONTHS]
    e = one(load(base(ward_months=rows)))
    assert (e["sheet"], pd.isna(e["row"])) == ("ward_months", True)
    assert "missing required column: occupied_bed_days" in e["problem"]


def test_unknown_column_dropped_and_listed():
    r = load(base(wards=[dict(w, Notes="x") for w in WARDS]))
    assert r.ok
    assert r.dropped_columns.to_dict("records") == [{"sheet": "wards", "column": "Notes"}]
    assert "Notes" not in r.tables["wards"] and "notes" not in r.tables["wards"]


def test_all_errors_are_reported_at_once():
    t = _set("ward_months", 0, "assaults_on_staff", "2.5")
    t["wards"][1]["security_level"] = "x"
    t["events"][0]["date"] = "soon"
    r = load(t)
    assert set(r.problems.loc[r.problems["severity"] == "error", "sheet"]) == {"ward_months", "wards", "events"}


def test_ward_called_na_is_kept_and_missing_tokens_counted():
    wards = WARDS + [
        {"ward_id": "NA", "ward_name": "Nairn", "service": "treatment", "security_level": "low", "beds": "8"}
    ]
    wm = WARD_MONTHS + [
        {"ward_id": "NA", "month": "Apr 2024", "occupied_bed_days": "200", "assaults_on_staff": "N/A"},
        {"ward_id": "NA", "month": "May 2024", "occupied_bed_days": "200", "assaults_on_staff": "-"},
        {"ward_id": "NA", "month": "Jun 2024", "occupied_bed_days": "200", "assaults_on_staff": ""},
    ]
    r = load(base(wards=wards, ward_months=wm))
    assert r.ok, r.problems.to_string()
    assert "NA" in set(r.tables["wards"]["ward_id"]) and (r.tables["ward_months"]["ward_id"] == "NA").sum() == 3
    m = r.missing.set_index(["sheet", "column"])["n_missing"]
    assert m[("ward_months", "assaults_on_staff")] == 3
    assert r.tables["ward_months"]["assaults_on_staff"].isna().sum() == 3


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_date_cells_numbers_and_friendly_sheet_names():
    data = _workbook(
        {
            "Wards": [
                ["Ward ID", "Ward Name", "Service", "Security Level", "Beds"],
                ["W01", "Iona", "admission", "High", 12],
            ],
            "Ward Months": [
                ["ward_id", "month", "occupied_bed_days", "assaults_on_staff"],
                ["W01", dt.datetime(2024, 4, 1), 352, 1],
                ["W01", dt.datetime(2024, 5, 1), 360.0, None],
            ],
            "Notes": [["anything"], ["here"]],
        }
    )
    r = load_upload(data, "hospital.xlsx")
    assert r.ok, r.problems.to_string()
    assert list(r.tables["ward_months"]["month"]) == [pd.Timestamp("2024-04-01"), pd.Timestamp("2024-05-01")]
    assert r.tables["wards"]["security_level"].iloc[0] == "high"
    info = r.problems[r.problems["severity"] == "info"]
    assert (info["sheet"] == "Notes").any()


def test_excel_bad_date_cell_reports_spreadsheet_row():
    data = _workbook(
        {
            "wards": [
                ["ward_id", "ward_name", "service", "security_level", "beds"],
                ["W01", "Iona", "admission", "high", 12],
            ],
            "ward_months": [
                ["ward_id", "month", "occupied_bed_days", "assaults_on_staff"],
                ["W01", dt.datetime(2024, 4, 1), 352, 1],
                [None, None, None, None],
                ["W01", "Month 13", 300, 0],
            ],
        }
    )
    e = one(load_upload(data, "h.xlsx"))
    assert (e["sheet"], e["row"], e["column"], e["value"]) == ("ward_months", 4, "month", "Month 13")


def test_csv_folder_zip_and_single_csv_with_context(tmp_path: Path):
    t = base()
    for name, rows in t.items():
        (tmp_path / f"{name}.csv").write_bytes(csv(rows))
    (tmp_path / "README.md").write_text("ignored")
    folder = load_path(tmp_path)
    assert folder.ok and set(folder.tables) == set(t)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, rows in t.items():
            z.writestr(f"export/{name}.csv", csv(rows))
    zipped = load_upload(buf.getvalue(), "export.zip")
    assert zipped.ok and set(zipped.tables) == set(t)
    alone = load_upload(csv(WARD_MONTHS), "ward_months.csv")
    assert not alone.ok and "'wards' table is needed" in " ".join(alone.problems["problem"])
    with_ctx = load_upload(csv(WARD_MONTHS), "ward_months.csv", context={"wards": folder.tables["wards"]})
    assert with_ctx.ok and set(with_ctx.tables) == {"ward_months"}
    bad = load_upload(
        csv([dict(WARD_MONTHS[0], ward_id="W05")]), "ward_months.csv", context={"wards": folder.tables["wards"]}
    )
    assert one(bad)["problem"].startswith("ward 'W05' is not in the wards table")


def test_uploaded_instrument_and_measures_drive_the_checks():
    t = base(instrument=INSTRUMENT, measures=[{"measure": "CANFOR", "min": "0", "max": "25", "higher_is_better": "no"}])
    t["coproduction_responses"] = [dict(RESPONSES[0], q1="9")]  # le1/pf1 are now unknown columns
    t["recovery"] = [dict(RECOVERY[0], measure="canfor", mean_score="20")]
    r = load(t)
    assert r.ok, r.problems.to_string()
    assert r.tables["recovery"]["measure"].iloc[0] == "CANFOR"
    assert set(r.dropped_columns["column"]) == {"le1", "pf1"}
    t["coproduction_responses"] = [dict(RESPONSES[0], q1="11")]
    assert one(load(t))["problem"] == "must be between 0 and 10"


def test_without_bad_rows_drops_rows_and_the_rows_that_depend_on_them():
    t = base()
    t["wards"][1]["security_level"] = "very high"  # W02 is dropped, so its ward_month and event go too
    t["ward_months"][0]["assaults_on_staff"] = "2.5"
    r = load(t)
    assert not r.ok
    clean = r.without_bad_rows()
    assert clean.ok, clean.problems.to_string()
    assert list(clean.tables["wards"]["ward_id"]) == ["W01"]
    assert list(clean.tables["ward_months"]["month"]) == [pd.Timestamp("2024-05-01")]
    assert list(clean.tables["events"]["label"]) == ["New policy"]
    dropped = clean.problems[clean.problems["problem"].str.startswith("dropped: ")]
    assert set(zip(dropped["sheet"], dropped["row"])) == {
        ("wards", 3),
        ("ward_months", 2),
        ("ward_months", 4),
        ("events", 3),
    }
    assert (dropped["severity"] == "info").all()


def test_sheet_level_errors_survive_dropping_rows():
    rows = [{k: v for k, v in r.items() if k != "occupied_bed_days"} for r in WARD_MONTHS]
    assert not load(base(ward_months=rows)).without_bad_rows().ok


@pytest.mark.parametrize(
    "data, filename, phrase",
    [
        (b"", "x.csv", "empty"),
        (b"\x00\x01\x02\xff" * 50, "x.csv", "not an Excel workbook or CSV"),
        (b"not a zip", "x.zip", "not an Excel workbook or CSV"),
        (b"PK\x03\x04broken", "x.xlsx", "not an Excel workbook or CSV"),
        (b"hello", "x.pdf", "not an Excel workbook or CSV"),
        (b"a,b\n1,2\n", "x.xls", ".xlsx"),
        (b"ward_id,ward_id\nW01,W01\n", "wards.csv", "appears more than once"),
        (b'ward_id,"unclosed\nW01,x\n', "wards.csv", "missing required column"),
        (b"x;y\n1;2\n", "notes.csv", "does not name a table"),
    ],
)
def test_unreadable_files_become_problem_rows(data, filename, phrase):
    r = load_upload(data, filename)
    assert not r.ok and r.refused is None
    assert r.problems["problem"].str.contains(phrase, regex=False).any(), r.problems.to_string()


def test_semicolon_csv_in_cp1252_is_read():
    text = "ward_id;ward_name;service;security_level;beds\nW01;Caf\xe9;admission;high;12\n"
    r = load_files([("wards.csv", text.encode("cp1252")), ("ward_months.csv", csv(WARD_MONTHS[:2]))])
    assert r.ok, r.problems.to_string()
    assert r.tables["wards"]["ward_name"].iloc[0] == "Caf\xe9"


def test_headers_only_sheet():
    r = load_files(
        [
            ("wards.csv", b"ward_id,ward_name,service,security_level,beds\n"),
            ("ward_months.csv", csv(WARD_MONTHS)),
            ("events.csv", b"ward_id,date,kind,label\n"),
        ]
    )
    assert not r.ok
    e = one(r)
    assert e["sheet"] == "wards" and "no rows" in e["problem"]
    assert "events" not in r.tables


SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def test_the_sample_hospital_loads_ok():
    r = load_path(SAMPLE)
    assert r.ok, r.problems[r.problems["severity"] == "error"].head(20).to_string()
    assert {"wards", "ward_months"} <= set(r.tables)


def test_the_sample_hospital_has_no_warning_either():
    r = load_path(SAMPLE)
    assert r.ok and r.warning_count == 0 and r.refused is None, r.problems.head(20).to_string()


def test_rows_whose_month_cannot_be_used_are_not_called_duplicates_of_each_other():
    # 2,000 months after the current month on one ward: each is one error on its row, never "also on row ...",
    # which listed every other row for every row (quadratic: a national file with future months never finished)
    rows = [dict(WARD_MONTHS[0], month=f"{2200 - i // 12}-{i % 12 + 1:02d}") for i in range(2000)]
    r = load(base(ward_months=rows))
    errors = r.problems[r.problems["severity"] == "error"]
    assert len(errors) == 2000 and set(errors["column"]) == {"month"}, errors.head().to_string()
    assert errors["problem"].str.contains("the current month; check the year").all()
    assert not r.problems["problem"].str.contains("also on row").any()
