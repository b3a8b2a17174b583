"""Golden scoring of the built-in instruments, hand-worked, and a hospital's own instrument table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.reference import default_instrument
from analysis.panel import instruments as ins
from analysis.panel.scoring import score_returns


def _returns(rows: list[dict]) -> pd.DataFrame:
    base = {"ward_id": "W01", "date": pd.Timestamp("2025-03-10")}
    return pd.DataFrame([{**base, "response_id": f"R{i}", **r} for i, r in enumerate(rows)])


def test_builtins_have_the_published_structure():
    b = ins.builtin_instruments()
    assert set(b) == {"coproduction", "essences", "staff_boundaries"}
    e = b["essences"]
    assert len(e.items) == 17
    assert e.subscales == ["therapeutic_hold", "patients_cohesion", "experienced_safety"]
    assert all(len(e.items_of(s)) == 5 for s in e.subscales)
    assert (~e.items["scored"]).sum() == 2  # two fillers, not scored
    assert (e.items[["scale_min", "scale_max"]].to_numpy() == [0.0, 4.0]).all()
    assert e.score_range("experienced_safety") == (0.0, 20.0)
    assert (e.items["wording"] == "").all()  # structure only: no licensed wording shipped
    s = b["staff_boundaries"]
    assert s.respondents == ("staff",) and 6 <= len(s.items) <= 8
    assert "not validated" in s.status
    assert b["coproduction"].items["item"].tolist() == default_instrument()["item"].tolist()


def test_essences_golden_sum_scores_reverse_keys_and_pro_rating():
    e = ins.essences()
    th = {f"ess_th{k}": v for k, v in zip(range(1, 6), (4, 3, 2, 1, 0))}  # sum 10
    es = {"ess_es1": 4, "ess_es2": 4, "ess_es3": 0, "ess_es4": 0, "ess_es5": 2}  # reversed: 0+0+4+4+2 = 10
    pc4 = {"ess_pc1": 3, "ess_pc2": 3, "ess_pc3": 3, "ess_pc4": 3}  # 4 of 5: 3 x 5 = 15 (pro-rated)
    pc3 = {"ess_pc1": 1, "ess_pc2": 2, "ess_pc3": 3}  # 3 of 5 < 80%: no score
    fill = {"ess_filler1": 4, "ess_filler2": 4}
    r = _returns(
        [
            {"respondent": "patient", **th, **es, **pc4, **fill},
            {"respondent": "staff", **pc3, **fill},
        ]
    )
    s = ins.score(r, e)
    assert s.loc[0, "therapeutic_hold"] == 10
    assert s.loc[0, "experienced_safety"] == 10
    assert s.loc[0, "patients_cohesion"] == 15
    assert s.loc[0, "n_items_patients_cohesion"] == 4
    assert np.isnan(s.loc[1, "patients_cohesion"]) and np.isnan(s.loc[1, "therapeutic_hold"])
    assert not s.loc[1, "scored"] and s.loc[0, "scored"]
    assert "filler" not in s.columns


def test_staff_boundaries_golden_mean_reverse_and_threshold():
    b = ins.staff_boundaries()
    full = {"sb1": 5, "sb2": 4, "sb3": 2, "sb4": 3, "sb5": 5, "sb6": 1, "sb7": 4}  # sb3 -> 4, sb6 -> 5
    four = {"sb1": 5, "sb2": 4, "sb3": 2, "sb4": 3}  # 4 of 7 >= half: mean of (5, 4, 4, 3)
    three = {"sb1": 5, "sb2": 4, "sb3": 2}  # 3 of 7 < half: no score
    r = _returns(
        [
            {"respondent": "staff", **full},
            {"respondent": "staff", **four},
            {"respondent": "staff", **three},
            {"respondent": "patient", **full},  # not for patients: left out
        ]
    )
    s = ins.score(r, b)
    assert len(s) == 3
    assert s.loc[0, "professional_boundaries"] == pytest.approx(30 / 7)
    assert s.loc[1, "professional_boundaries"] == pytest.approx(4.0)
    assert np.isnan(s.loc[2, "professional_boundaries"])


def test_long_survey_returns_pivot_to_one_row_per_return():
    long = pd.DataFrame(
        {
            "response_id": ["S1", "S1", "S2"],
            "ward_id": ["W01", "W01", "W02"],
            "date": pd.to_datetime(["2025-01-05"] * 3),
            "respondent": ["staff"] * 3,
            "instrument": ["staff_boundaries", "staff_boundaries", "essences"],
            "item": ["sb1", "sb3", "ess_th1"],
            "answer": [5.0, 1.0, 2.0],
        }
    )
    w = ins.wide_returns(long, "staff_boundaries")
    assert w["response_id"].tolist() == ["S1"]
    assert w.loc[0, "sb1"] == 5 and w.loc[0, "sb3"] == 1


def _own_table() -> pd.DataFrame:
    co = default_instrument().assign(instrument=pd.NA, subscale=pd.NA)
    own = pd.DataFrame(
        {
            "item": ["x1", "x2", "x3", "xf"],
            "instrument": ["climate"] * 4,
            "aspect": [pd.NA] * 4,
            "subscale": ["warmth", "warmth", "order", pd.NA],
            "reverse": [False, True, False, False],
            "scale_min": [1.0] * 4,
            "scale_max": [7.0] * 4,
            "scored": [True, True, True, False],
            "scoring": ["sum"] * 4,
            "wording": ["a", "b", "c", "d"],
        }
    )
    return pd.concat([co, own], ignore_index=True)


def test_a_hospital_table_adds_an_instrument_and_coproduction_scores_as_before():
    table = _own_table()
    found = ins.instruments_for(table)
    assert {"coproduction", "essences", "staff_boundaries", "climate"} <= set(found)
    c = found["climate"]
    assert c.subscales == ["warmth", "order"] and c.scoring == "sum"
    s = ins.score(_returns([{"respondent": "patient", "x1": 6, "x2": 2, "x3": 1, "xf": 7}]), c)
    assert s.loc[0, "warmth"] == 12 and s.loc[0, "order"] == 1  # x2 reversed on 1..7: 8 - 2 = 6
    # the co-production scores ignore the other instrument's rows: identical to the default instrument alone
    rng = np.random.default_rng(3)
    items = default_instrument()["item"].tolist()
    r = _returns([{"respondent": "staff", **{i: int(rng.integers(1, 6)) for i in items}} for _ in range(5)])
    pd.testing.assert_frame_equal(score_returns(r, table), score_returns(r, default_instrument()))


def test_an_item_in_no_subscale_is_a_clear_problem():
    table = _own_table()
    table.loc[table["item"] == "x3", "subscale"] = pd.NA
    table.loc[table["item"] == "le1", "aspect"] = pd.NA
    found = ins.problems(table)
    assert "Item x3 of instrument climate is in no subscale: give its subscale, or mark it scored = no." in found
    assert "Item le1 of the co-production instrument has no aspect (every item needs one)." in found
    with pytest.raises(ValueError, match="no subscale"):
        ins.from_table(table)


def test_a_hospital_row_set_replaces_the_builtin_of_the_same_name():
    e = ins.essences().items.assign(instrument="essences", reverse=False)
    e.loc[e["subscale"] == "filler", "subscale"] = pd.NA
    found = ins.instruments_for(e)
    assert not found["essences"].items["reverse"].any()
    assert ins.builtin_instruments()["essences"].items["reverse"].sum() == 4
