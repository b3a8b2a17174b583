"""Bad instrument and survey_returns input (issue 14): each a row-level error naming the column and value, the
file not ok and nothing imported from the row; good returns of built-in and own instruments load."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.data.loader import load_path

WARDS = [{"ward_id": "W01", "ward_name": "Iona", "service": "admission", "security_level": "high", "beds": "12"}]
WARD_MONTHS = [{"ward_id": "W01", "month": "Apr 2024", "occupied_bed_days": "352", "assaults_on_staff": "1"}]


def _returns(rows: list[tuple]) -> list[dict]:
    return [
        {
            "response_id": r,
            "ward_id": "W01",
            "date": "15/04/2024",
            "respondent": who,
            "instrument": i,
            "item": it,
            "answer": a,
        }
        for r, who, i, it, a in rows
    ]


GOOD = [
    ("S1", "staff", "essences", "ess_es1", "3"),
    ("S1", "staff", "essences", "ess_es2", "0"),
    ("S2", "staff", "staff_boundaries", "sb1", "5"),
]


def _load(tmp_path: Path, returns: list[dict], instrument: list[dict] | None = None):
    tables = {"wards": WARDS, "ward_months": WARD_MONTHS, "survey_returns": returns}
    if instrument is not None:
        tables["instrument"] = instrument
    for name, rows in tables.items():
        (tmp_path / f"{name}.csv").write_text(pd.DataFrame(rows).to_csv(index=False), encoding="utf-8")
    return load_path(tmp_path)


def _errors(r) -> pd.DataFrame:
    p = r.problems
    return p[(p["severity"] == "error") & (p["sheet"].isin(["survey_returns", "instrument"]))]


def test_good_returns_load(tmp_path):
    r = _load(tmp_path, _returns(GOOD))
    assert r.ok, r.problems.to_string()
    assert len(r.tables["survey_returns"]) == 3


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (("S3", "staff", "essences", "ess_es1", "5"), "answer", "must be a whole number from 0 to 4"),
        (("S3", "staff", "staff_boundaries", "sb1", "2.5"), "answer", "must be a whole number from 1 to 5"),
        (("S3", "staff", "essences", "ess_xx9", "2"), "item", "instrument essences has no such item"),
        (("S3", "staff", "climate", "c1", "2"), "instrument", "neither built in"),
        (("S3", "staff", "coproduction", "le1", "2"), "instrument", "belong in coproduction_responses"),
    ],
)
def test_bad_returns_are_row_errors_and_not_imported(tmp_path, row, column, words):
    r = _load(tmp_path, _returns([*GOOD, row]))
    assert not r.ok
    e = _errors(r)
    assert len(e) == 1, e.to_string()
    assert e["column"].iloc[0] == column and words in e["problem"].iloc[0]


def test_an_item_in_no_subscale_and_a_coproduction_item_without_aspect(tmp_path):
    instrument = [
        {"item": "le1", "aspect": "", "reverse": "no", "scale_min": "1", "scale_max": "5", "wording": "x"},
        {
            "item": "c1",
            "instrument": "climate",
            "subscale": "warmth",
            "reverse": "no",
            "scale_min": "1",
            "scale_max": "5",
        },
        {"item": "c2", "instrument": "climate", "subscale": "", "reverse": "no", "scale_min": "1", "scale_max": "5"},
    ]
    rows = _returns([("S9", "patient", "climate", "c1", "4")])
    r = _load(tmp_path, rows, instrument)
    assert not r.ok
    e = _errors(r).set_index("column")["problem"]
    assert "item c2 of instrument climate is in no subscale" in e["subscale"]
    assert "a co-production item needs its core aspect" in e["aspect"]
