"""The talking group session log (contract table talking_group_sessions): declared once, read by the normal loader,
checked across tables with clear messages, stored, listed in the history and rolled back; a bad file imports
nothing."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data import contract
from analysis.data.loader import load_files
from analysis.data.template import write_docs
from analysis.store.database import Store

WARDS = b"ward_id,ward_name,service,security_level,beds\nW01,Iona,admission,high,12\nW02,Skye,treatment,high,10\n"
WARD_MONTHS = (
    b"ward_id,month,occupied_bed_days,assaults_on_staff,talking_groups_held,talking_group_attendances\n"
    b"W01,2024-04,350,2,2,13\nW02,2024-04,290,1,1,6\n"
)
HEADER = ",".join(contract.TABLES["talking_group_sessions"].columns)
# ward, date, minutes, patients, nurse, hcsw, psychologist, OT, psychiatrist, social worker, other, chair,
# information, request, complaint, suggestion, thanks, other, resolved by next, carried over
GOOD = [
    "W01,03/04/2024,45,7,2,1,1,0,0,0,0,patient,1,3,1,0,1,0,3,1",
    "W01,17/04/2024,50,6,2,2,0,1,0,0,0,staff,0,2,0,1,0,0,2,1",
    "W02,10/04/2024,40,6,1,1,0,0,1,0,0,patient,2,1,1,1,0,0,2,0",
]


def _csv(rows: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _load(rows: list[str], header: str = HEADER):
    return load_files(
        [("wards.csv", WARDS), ("ward_months.csv", WARD_MONTHS), ("talking_group_sessions.csv", _csv(rows, header))]
    )


def _errors(result) -> list[str]:
    p = result.problems
    return p.loc[p["severity"] == "error", "problem"].tolist()


def test_contract_declares_the_log_with_coded_fields_only():
    t = contract.TABLES["talking_group_sessions"]
    assert t.key == ("ward_id", "date")
    assert [c for c in t.columns if c.startswith("staff_")] == [
        "staff_nurse",
        "staff_healthcare_support_worker",
        "staff_psychologist",
        "staff_occupational_therapist",
        "staff_psychiatrist",
        "staff_social_worker",
        "staff_other",
    ]
    assert [c for c in t.columns if c.startswith("items_")] == [
        "items_information",
        "items_request",
        "items_complaint",
        "items_suggestion",
        "items_thanks",
        "items_other",
        "items_resolved_by_next",
        "items_carried_over",
    ]
    assert t.field("chaired_by").choices == ("patient", "staff")
    assert not [f.name for f in t.fields if f.kind == "text"]  # no free text anywhere
    d = contract.dictionary()
    assert len(d[d["table"] == "talking_group_sessions"]) == len(t.columns)


def test_docs_list_the_log(tmp_path):
    out = tmp_path / "contract.md"
    write_docs(out)
    text = out.read_text(encoding="utf-8")
    assert "talking_group_sessions" in text and "items_resolved_by_next" in text


def test_a_good_log_loads_stores_lists_and_rolls_back(tmp_path):
    result = _load(GOOD)
    assert result.ok, _errors(result)
    log = result.tables["talking_group_sessions"]
    assert len(log) == 3 and log["date"].dt.day.tolist() == [3, 17, 10]
    assert str(log["staff_nurse"].dtype) == "Int64"
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        first = store.import_tables(result.tables, "april.zip", result.content_hash)
        got = store.load()["talking_group_sessions"].sort_values(["ward_id", "date"]).reset_index(drop=True)
        want = log.sort_values(["ward_id", "date"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)
        hist = store.history()
        assert "talking_group_sessions" in str(hist.iloc[0]["rows"])
        # a corrected log for W01 April replaces that ward-month's meetings (one meeting moved to the 18th)
        fixed = GOOD[:1] + [GOOD[1].replace("17/04/2024", "18/04/2024")]
        second = _load(fixed)
        assert second.ok
        n = store.import_tables({"talking_group_sessions": second.tables["talking_group_sessions"]}, "fix.csv", "h")
        days = sorted(store.load()["talking_group_sessions"].query("ward_id == 'W01'")["date"].dt.day)
        assert days == [3, 18]
        store.rollback(n)
        days = sorted(store.load()["talking_group_sessions"].query("ward_id == 'W01'")["date"].dt.day)
        assert days == [3, 17]
        store.rollback(first)
        assert store.load().get("talking_group_sessions") is None
    finally:
        store.close()


@pytest.mark.parametrize(
    "row, header, message",
    [
        (  # more resolved than raised (1 + 1 items raised, 3 resolved)
            "W01,24/04/2024,45,7,2,1,1,0,0,0,0,patient,1,1,0,0,0,0,3,0",
            HEADER,
            "3 items resolved by the next meeting is more than the 2 raised at this one",
        ),
        (  # resolved and carried over together more than raised
            "W01,24/04/2024,45,7,2,1,1,0,0,0,0,patient,1,1,0,0,0,0,2,1",
            HEADER,
            "2 resolved and 1 carried over is more than the 2 items raised",
        ),
        (  # 40 patients and 3 staff on a 12-bed ward: above 12 beds plus 30 staff
            "W01,24/04/2024,45,40,2,1,0,0,0,0,0,patient,1,1,0,0,0,0,1,0",
            HEADER,
            "40 patients and 3 staff at one meeting is more than ward W01's 12 beds plus 30 staff",
        ),
        (  # a chair the contract does not know
            "W01,24/04/2024,45,7,2,1,1,0,0,0,0,visitor,1,1,0,0,0,0,1,0",
            HEADER,
            "must be one of: patient, staff",
        ),
        (  # a ward not in the wards table
            "W07,24/04/2024,45,7,2,1,1,0,0,0,0,staff,1,1,0,0,0,0,1,0",
            HEADER,
            "ward 'W07' is not in the wards table",
        ),
        (  # an unknown staff role
            "W01,24/04/2024,45,7,2,1,1,0,0,0,0,staff,1,1,0,0,0,0,1,0,2",
            HEADER + ",staff_porter",
            "the column 'staff_porter' is not one this table knows",
        ),
        (  # an unknown kind of item
            "W01,24/04/2024,45,7,2,1,1,0,0,0,0,staff,1,1,0,0,0,0,1,0,2",
            HEADER + ",items_praise",
            "the column 'items_praise' is not one this table knows",
        ),
    ],
)
def test_a_bad_log_says_why_and_imports_nothing(tmp_path, row, header, message):
    rows = [g + (",0" if header != HEADER else "") for g in GOOD] + [row]
    result = _load(rows, header)
    assert not result.ok
    assert any(message in e for e in _errors(result)), _errors(result)
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        # the Data page imports only a file without errors (or, on request, without its bad rows): as it stands,
        # nothing of it reaches the store
        if result.ok:
            store.import_tables(result.tables, "bad.csv", result.content_hash)
        assert store.is_empty()
    finally:
        store.close()


def test_an_unknown_column_family_cannot_be_dropped_as_bad_rows():
    rows = [g + ",1" for g in GOOD]
    result = _load(rows, HEADER + ",staff_porter")
    kept = result.without_bad_rows()
    assert kept.error_count == 1  # a column, not a row: the file must be corrected


def test_more_patients_than_beds_is_a_warning_not_an_error():
    result = _load(GOOD + ["W02,24/04/2024,45,11,2,1,1,0,0,0,0,patient,1,1,0,0,0,0,1,0"])
    assert result.ok
    warnings = result.problems.loc[result.problems["severity"] == "warning", "problem"].tolist()
    assert any("11 patients attending is more than ward W02's 10 beds" in w for w in warnings)


def test_a_log_that_disagrees_with_ward_months_is_a_warning_on_its_first_meeting():
    # W01 April: 3 meetings and 20 patients in the log; ward_months says 2 sessions held and 13 attendances
    result = _load(GOOD + ["W01,24/04/2024,45,7,2,1,1,0,0,0,0,patient,1,1,0,0,0,0,1,0"])
    assert result.ok
    p = result.problems
    warned = p[(p["severity"] == "warning") & (p["sheet"] == "talking_group_sessions")]
    assert warned["problem"].tolist() == [
        "the session log has 3 meetings where ward_months has 2 sessions held and 20 patients attending where "
        "ward_months has 13 attendances for ward W01 in Apr 2024; check the log or the ward month"
    ]
    assert warned["row"].tolist() == [2]  # the ward-month's first meeting, on the sheet's second line
    assert not _load(GOOD).warning_count  # the good log agrees with its ward months
