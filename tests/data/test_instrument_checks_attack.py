"""Hostile instrument tables and survey_returns (issue 14 attack): each a clear row error and nothing imported,
where before the file loaded and the analysis crashed (mixed settings) or silently mis-attributed or dropped
returns (a response_id on two wards, a staff return on a patients-only instrument)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data.loader import load_path
from tests.data.test_instrument_checks import GOOD, WARD_MONTHS, WARDS, _errors, _returns

SKYE = {"ward_id": "W02", "ward_name": "Skye", "service": "admission", "security_level": "high", "beds": "12"}


def _load(tmp_path, returns: list[dict], instrument: list[dict] | None = None):
    tables = {"wards": [*WARDS, SKYE], "ward_months": WARD_MONTHS, "survey_returns": returns}
    if instrument is not None:
        tables["instrument"] = instrument
    for name, rows in tables.items():
        (tmp_path / f"{name}.csv").write_text(pd.DataFrame(rows).to_csv(index=False), encoding="utf-8")
    return load_path(tmp_path)


def _item(item: str, **kw) -> dict:
    row = {"item": item, "instrument": "mine", "subscale": "a", "reverse": "no", "scale_min": "1", "scale_max": "5"}
    return {**row, **kw}


OWN = [_item("x1"), _item("x2"), _item("x3")]
MINE = [("S9", "staff", "mine", "x1", "3"), ("S9", "staff", "mine", "x2", "4")]


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("scoring", ["mean", "sum", "mean"]),
        ("min_share_answered", ["0.5", "0.8", "0.5"]),
        ("respondents", ["staff", "patient", "staff"]),
        ("higher_is_better", ["yes", "no", "yes"]),
    ],
)
def test_an_instrument_with_two_settings_is_a_row_error(tmp_path, column, values):
    instrument = [dict(r, **{column: v}) for r, v in zip(OWN, values, strict=True)]
    r = _load(tmp_path, _returns(MINE), instrument)
    assert not r.ok
    e = _errors(r)
    assert set(e["column"]) == {column}, e.to_string()
    assert "same value on each of its rows" in e["problem"].iloc[0]


def test_a_setting_given_once_and_blank_elsewhere_is_fine(tmp_path):
    instrument = [dict(OWN[0], scoring="sum"), *OWN[1:]]
    r = _load(tmp_path, _returns(MINE), instrument)
    assert r.ok, r.problems.to_string()


@pytest.mark.parametrize(("column", "value"), [("ward_id", "W02"), ("date", "16/05/2024"), ("respondent", "patient")])
def test_a_response_id_reused_with_another_ward_date_or_respondent_is_an_error(tmp_path, column, value):
    rows = _returns(GOOD)
    rows.append(dict(rows[0], item="ess_es3", **{column: value}))
    assert _load(tmp_path, rows[:-1]).ok
    r = _load(tmp_path, rows)
    assert not r.ok
    e = _errors(r)
    assert (e["column"] == column).any(), e.to_string()
    assert "S1" in " ".join(e["problem"]) and "one return" in " ".join(e["problem"])


@pytest.mark.parametrize(
    ("rows", "instrument", "words"),
    [
        ([("P9", "patient", "staff_boundaries", "sb1", "3")], None, "for staff only"),
        (MINE, [dict(r, respondents="patient") for r in OWN], "for patients only"),
    ],
)
def test_a_return_from_someone_the_instrument_is_not_for_is_an_error(tmp_path, rows, instrument, words):
    r = _load(tmp_path, _returns([*GOOD, *rows]), instrument)
    assert not r.ok
    e = _errors(r)
    assert (e["column"] == "respondent").all() and len(e) == len(rows), e.to_string()
    assert words in e["problem"].iloc[0]
