"""The targets table: declared in the data contract, checked row by row on upload, kept in the store with its
history and roll back, and read as the analysis reads it (the ward's own target, else the hospital-wide one;
the latest valid_from that has started)."""

import pandas as pd
import pytest

from analysis.data import contract
from analysis.data.loader import load_files
from analysis.data.target_checks import check_targets
from analysis.data.targets import (
    applied,
    in_force,
    resolve_measure,
    stored_name,
    target_for,
    target_measures,
    target_row,
)
from analysis.data.template import dictionary_markdown, template_workbook
from analysis.store.database import Store

WARDS = "ward_id,ward_name,service,security_level,beds\nW01,Iona,admission,high,12\nW02,Arran,rehabilitation,high,15\n"
WARD_MONTHS = "ward_id,month,occupied_bed_days,assaults_on_staff\nW01,2024-04,352,1\nW02,2024-04,400,2\n"
HEADER = "ward_id,measure,target,direction,valid_from\n"


def load(targets: str, **extra):
    files = [("wards.csv", WARDS.encode()), ("ward_months.csv", WARD_MONTHS.encode())]
    files += [(f"{name}.csv", text.encode()) for name, text in extra.items()]
    return load_files([*files, ("targets.csv", (HEADER + targets).encode())])


def problems(result, severity="error") -> list[tuple]:
    p = result.problems[result.problems["severity"] == severity]
    return [(r.sheet, r.row, r.column, r.problem) for r in p.itertuples(index=False)]


def test_the_contract_declares_an_optional_targets_table():
    t = contract.TABLES["targets"]
    assert not t.required and t.key == ("ward_id", "measure", "valid_from")
    assert t.columns == ["ward_id", "measure", "target", "direction", "valid_from"]
    assert t.field("ward_id").nullable and t.field("direction").nullable and not t.field("target").nullable
    assert t.field("direction").choices == ("lower", "higher")
    d = contract.dictionary()
    assert set(d.loc[d["table"] == "targets", "column"]) == set(t.columns)
    assert "## `targets`: Targets" in dictionary_markdown()


def test_the_template_has_a_targets_sheet():
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(template_workbook()))
    assert "targets" in wb.sheetnames
    assert [c.value for c in wb["targets"][1]] == contract.TABLES["targets"].columns


def test_a_valid_targets_sheet_loads_with_blank_ward_and_direction():
    r = load(",assaults_on_staff,4.5,,Apr 2025\nW01,Assaults on staff,6,lower,2025-04\nW02,QPR-15,38,,2025-04\n")
    assert r.ok, r.problems.to_string()
    t = r.tables["targets"]
    assert t["ward_id"].isna().tolist() == [True, False, False]
    assert t["target"].tolist() == [4.5, 6.0, 38.0] and t["valid_from"].dt.month.eq(4).all()


@pytest.mark.parametrize(
    "row,column,words",
    [
        ("W09,restraints,3,,2025-04", "ward_id", "ward 'W09' is not in the wards table"),
        ("W01,falls,3,,2025-04", "measure", "measure 'falls' has no chart to set a target against"),
        ("W01,restraints,abc,,2025-04", "target", "cannot read 'abc' as a number"),
        ("W01,restraints,,,2025-04", "target", "is blank"),
        ("W01,coproduction_patient_overall,120,,2025-04", "target", "must be between 0 and 100"),
        ("W01,QPR-15,61,,2025-04", "target", "must be between 0 and 60 for QPR-15"),
        ("W01,restraints,-1,,2025-04", "target", "must be 0 or more for restraints"),
        ("W01,attendance_per_session,6,,2025-04", "direction", "has no better direction of its own"),
        ("W01,restraints,3,sideways,2025-04", "direction", "must be one of: lower, higher"),
        ("W01,restraints,3,,Smarch 2025", "valid_from", ""),
    ],
)
def test_each_bad_row_is_a_clear_row_error(row, column, words):
    r = load(",restraints,8,,2025-04\n" + row + "\n")
    found = problems(r)
    assert len(found) == 1, r.problems.to_string()
    sheet, line, col, problem = found[0]
    assert (sheet, line, col) == ("targets", 3, column)  # spreadsheet row 3: the header is row 1
    assert words in problem
    assert r.without_bad_rows().ok and len(r.without_bad_rows().tables["targets"]) == 1


def test_a_direction_against_the_measures_own_is_a_warning_and_a_second_spelling_an_error():
    r = load("W01,assaults_on_staff,6,higher,2025-04\nW01,Assaults on staff,5,,2025-04\n")
    (warning,) = problems(r, "warning")
    assert warning[2] == "direction" and "for assaults_on_staff lower is better" in warning[3]
    (error,) = problems(r)
    assert error[1] == 3 and "'Assaults on staff' is assaults_on_staff" in error[3]


def test_a_recovery_measure_from_the_uploaded_catalogue_is_known_with_its_range_and_direction():
    measures = "measure,min,max,higher_is_better\nCHIME,0,40,no\n"
    assert load("W01,chime,30,,2025-04\n", measures=measures).ok
    (error,) = problems(load("W01,CHIME,70,,2025-04\n", measures=measures))
    assert "must be between 0 and 40 for CHIME" in error[3]
    (warning,) = problems(load("W01,CHIME,30,higher,2025-04\n", measures=measures), "warning")
    assert "for CHIME lower is better" in warning[3]
    (error,) = problems(load("W01,CHIME,30,,2025-04\n"))  # not in the built-in catalogue
    assert "measure 'CHIME' has no chart to set a target against" in error[3]


def test_check_targets_for_a_row_made_in_the_app():
    stored = load_files([("wards.csv", WARDS.encode()), ("ward_months.csv", WARD_MONTHS.encode())]).tables
    ok = target_row("W01", "restraints", 3.0, None, pd.Timestamp("2025-04-01"))
    assert check_targets(ok, stored) == []
    bad = target_row("W07", "self harm", -2.0, None, pd.Timestamp("2025-04-01"))
    assert check_targets(bad, stored) == [
        "ward_id: ward 'W07' is not in the wards table; correct the ward code, or leave ward_id blank for a target "
        "on every ward",
        "target: must be 0 or more for self-harm",
    ]


# ---------------------------------------------------------------- how the analysis reads targets
MEASURES = target_measures()
TARGETS = pd.concat(
    [
        target_row(None, "restraints", 9.0, None, pd.Timestamp("2024-04-01")),
        target_row(None, "Restraints", 8.0, None, pd.Timestamp("2025-04-01")),
        target_row("W01", "restraints", 6.0, None, pd.Timestamp("2024-10-01")),
        target_row("W01", "attendance_per_session", 5.0, "higher", pd.Timestamp("2024-04-01")),
        target_row("W01", "no such measure", 1.0, None, pd.Timestamp("2024-04-01")),
    ],
    ignore_index=True,
)


@pytest.mark.parametrize(
    "ward,month,expected",
    [
        ("W02", "2024-03-01", None),  # before any target
        ("W02", "2024-04-01", (9.0, "hospital")),
        ("W02", "2025-04-01", (8.0, "hospital")),  # the later hospital-wide version
        ("W01", "2024-09-01", (9.0, "hospital")),
        ("W01", "2024-10-01", (6.0, "ward")),  # the ward's own wins from its month
        ("W01", "2026-01-01", (6.0, "ward")),  # ... even over a later hospital-wide one
    ],
)
def test_the_target_in_force(ward, month, expected):
    got = target_for(TARGETS, ward, "restraints", pd.Timestamp(month), MEASURES)
    assert (None if got is None else (got["target"], got["scope"])) == expected


def test_directions_and_unknown_measures():
    now = in_force(TARGETS, pd.Timestamp("2025-06-01"), MEASURES)
    assert set(now["measure"]) == {"restraints", "attendance_per_session"}  # the unknown measure is left out
    assert dict(zip(now["measure"], now["direction"])) == {"restraints": "lower", "attendance_per_session": "higher"}
    pairs = pd.DataFrame(
        {"ward_id": ["W01", "W02"], "measure": "attendance_per_session", "month": pd.Timestamp("2025-01-01")}
    )
    got = applied(TARGETS, pairs, MEASURES)
    assert got["target"].tolist()[0] == 5.0 and pd.isna(got["target"].tolist()[1]) and got["direction"][1] is None
    assert resolve_measure("HONOS secure", MEASURES) == "HoNOS-Secure"
    assert resolve_measure("Co-production as staff see it", MEASURES) == "coproduction_staff_overall"


def test_a_new_row_takes_the_stored_spelling_so_it_replaces_the_stored_row():
    stored = target_row("W01", "Assaults on staff", 6.0, None, pd.Timestamp("2025-04-01"))
    assert stored_name(stored, "W01", "assaults_on_staff", pd.Timestamp("2025-04-01"), MEASURES) == "Assaults on staff"
    assert stored_name(stored, "W02", "assaults_on_staff", pd.Timestamp("2025-04-01"), MEASURES) == "assaults_on_staff"
    assert stored_name(stored, None, "assaults_on_staff", pd.Timestamp("2025-04-01"), MEASURES) == "assaults_on_staff"


# ---------------------------------------------------------------- the store: history and roll back
def test_targets_are_stored_replaced_and_rolled_back_like_every_table():
    base = load_files([("wards.csv", WARDS.encode()), ("ward_months.csv", WARD_MONTHS.encode())])
    store = Store("sqlite://")
    try:
        first = store.import_tables(base.tables, "hospital.xlsx", base.content_hash)
        april = pd.Timestamp("2025-04-01")
        one = store.import_tables({"targets": target_row(None, "restraints", 9.0, None, april)}, "t1", "h1")
        assert store.load()["targets"]["target"].tolist() == [9.0]
        # the same ward, measure and month again: a new version that replaces the stored one
        two = store.import_tables({"targets": target_row(None, "restraints", 7.0, None, april)}, "t2", "h2")
        # a ward's own, another key: added beside it
        three = store.import_tables({"targets": target_row("W01", "restraints", 5.0, "lower", april)}, "t3", "h3")
        t = store.load()["targets"]
        assert sorted(zip(t["ward_id"].fillna(""), t["target"])) == [("", 7.0), ("W01", 5.0)]
        assert t["ward_id"].isna().sum() == 1 and t.loc[t["ward_id"] == "W01", "direction"].item() == "lower"
        history = store.history().set_index("import_id")
        assert history.loc[two, "rows"] == "targets 1" and history.loc[two, "replaced"] == "targets 1"
        assert history.loc[three, "replaced"] == ""
        store.rollback(two)
        t = store.load()["targets"]
        assert sorted(zip(t["ward_id"].fillna(""), t["target"])) == [("", 9.0), ("W01", 5.0)]  # 9 is back
        store.rollback(one)
        store.rollback(three)
        assert "targets" not in store.load() and first in set(store.history()["import_id"])
    finally:
        store.close()
