"""The contract itself: one definition feeding schema, dictionary and defaults."""

import pandas as pd
import pandera.pandas as pa
import pytest

from analysis.data import contract
from analysis.data.dataset import fingerprint, with_defaults
from analysis.data.reference import builtin_measures, default_instrument


def _failures(table, df, instrument=None):
    try:
        contract.schema(table, instrument=instrument).validate(df, lazy=True)
    except pa.errors.SchemaErrors as e:
        return e.failure_cases
    return pd.DataFrame(columns=["column", "check", "index"])


def test_dictionary_lists_every_field_of_every_table():
    d = contract.dictionary()
    for t in contract.TABLES.values():
        assert set(t.columns) <= set(d.loc[d["table"] == t.name, "column"])
    assert (d["description"].str.len() > 10).all()


def test_default_instrument_has_four_items_per_core_aspect():
    inst = default_instrument()
    assert inst["item"].is_unique
    assert inst.groupby("aspect").size().to_dict() == dict.fromkeys(contract.ASPECTS, 4)
    assert inst["reverse"].any() and not inst["reverse"].all()
    assert _failures("instrument", inst).empty


def test_builtin_measures_directions():
    m = builtin_measures().set_index("measure")
    assert bool(m.loc["QPR-15", "higher_is_better"]) and m.loc["QPR-15", "max"] == 60
    for name, top in [("DUNDRUM-3", 28), ("DUNDRUM-4", 24), ("HoNOS-Secure", 48)]:
        assert not bool(m.loc[name, "higher_is_better"]) and m.loc[name, "max"] == top


@pytest.mark.parametrize(
    "column, value, phrase",
    [
        ("occupied_bed_days", 0.0, "above 0"),
        ("assaults_on_staff", -1, "at least 0"),
        ("assaults_on_staff", 2.5, "whole number"),
        ("bank_agency_pct", 101.0, "at most 100"),
        ("month", pd.Timestamp("2024-04-15"), "first of the month"),
    ],
)
def test_ward_months_rules(column, value, phrase):
    row = {
        "ward_id": "W01",
        "month": pd.Timestamp("2024-04-01"),
        "occupied_bed_days": 300.0,
        "assaults_on_staff": 1.0,
        "bank_agency_pct": 10.0,
    }
    row[column] = value
    failures = _failures("ward_months", pd.DataFrame([row]))
    assert list(failures["column"]) == [column]
    assert phrase in failures["check"].iloc[0]


def test_duplicate_key_is_reported_on_every_duplicate_row():
    df = pd.DataFrame(
        {
            "ward_id": ["W01", "W01"],
            "month": pd.to_datetime(["2024-04-01"] * 2),
            "occupied_bed_days": [1.0, 2.0],
            "assaults_on_staff": [0, 0],
        }
    )
    failures = _failures("ward_months", df)
    assert set(failures["index"]) == {0, 1}


def test_survey_items_checked_against_their_own_scale():
    inst = default_instrument()
    df = pd.DataFrame(
        {
            "response_id": ["R1"],
            "ward_id": ["W01"],
            "date": [pd.Timestamp("2024-04-02")],
            "respondent": ["patient"],
            "le1": [6.0],
            "pf1": [3.0],
        }
    )
    failures = _failures("coproduction_responses", df, inst)
    assert list(failures["column"]) == ["le1"]


def test_with_defaults_keeps_uploaded_measures_and_adds_builtins():
    extra = pd.DataFrame({"measure": ["CANFOR-S"], "min": [0.0], "max": [25.0], "higher_is_better": [False]})
    out = with_defaults({"measures": extra})
    assert set(out["measures"]["measure"]) == {"QPR-15", "DUNDRUM-3", "DUNDRUM-4", "HoNOS-Secure", "CANFOR-S"}
    assert len(out["instrument"]) == 16


def test_fingerprint_changes_with_any_cell():
    a = {"wards": pd.DataFrame({"ward_id": ["W01", "W02"], "beds": [10, 12]})}
    b = {"wards": pd.DataFrame({"ward_id": ["W01", "W02"], "beds": [10, 13]})}
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint(a) == fingerprint({"wards": a["wards"].copy()})
