"""A hospital's own instruments as ward-month measures (analysis/panel/own_instruments.py): the panel column is the
returns scored by hand under the instrument's own rule; the measure's words, range, step, direction and the questions
it fits come from the instrument table; the measures join `MEASURES` only inside `using`, and a spec naming one is
accepted before the data are read and checked against them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.instrument_items import essences_items
from analysis.panel import own_instruments as own
from analysis.panel.build import build_panel
from analysis.panel.measures import MEASURES, using
from analysis.questions import specs


def _table() -> pd.DataFrame:
    rows = [
        ("cw1", "calm_ward", "ward_climate", "staff", False, 1, 7, "mean", 0.5, True),
        ("cw2", "calm_ward", "ward_climate", "staff", False, 1, 7, "mean", 0.5, True),
        ("cw3", "calm_ward", "ward_climate", "staff", True, 1, 7, "mean", 0.5, True),
        ("cw4", "calm_ward", "ward_climate", "staff", False, 1, 7, "mean", 0.5, True),
        ("rs1", "Rest Less", "Restlessness score", "both", False, 0, 50, "sum", 1.0, False),
        ("rs2", "Rest Less", "Restlessness score", "both", False, 0, 50, "sum", 1.0, False),
    ]
    cols = ["item", "instrument", "subscale", "respondents", "reverse", "scale_min", "scale_max", "scoring"]
    return pd.DataFrame(rows, columns=[*cols, "min_share_answered", "higher_is_better"])


def _returns() -> pd.DataFrame:
    answers = [
        ("C1", "staff", "calm_ward", {"cw1": 6, "cw2": 5, "cw3": 2, "cw4": 7}),  # (6 + 5 + (8 - 2) + 7) / 4 = 6
        ("C2", "staff", "calm_ward", {"cw1": 3, "cw3": 7}),  # 2 of 4 answered: (3 + 1) / 2 = 2
        ("C3", "staff", "calm_ward", {"cw1": 7}),  # 1 of 4: below half, left out
        ("C4", "patient", "calm_ward", {"cw1": 1, "cw2": 1, "cw3": 1, "cw4": 1}),  # for staff only: not scored
        ("R1", "patient", "Rest Less", {"rs1": 10, "rs2": 20}),  # sum 30
        ("R2", "patient", "Rest Less", {"rs1": 40}),  # must answer all: left out
        ("R3", "staff", "Rest Less", {"rs1": 50, "rs2": 50}),  # sum 100, staff
    ]
    rows = [
        (rid, "W01", "2024-05-10", who, inst, item, float(a))
        for rid, who, inst, items in answers
        for item, a in items.items()
    ]
    return pd.DataFrame(rows, columns=["response_id", "ward_id", "date", "respondent", "instrument", "item", "answer"])


def _panel() -> pd.DataFrame:
    wm = pd.DataFrame(
        {
            "ward_id": ["W01", "W01"],
            "month": pd.to_datetime(["2024-05-01", "2024-06-01"]),
            "occupied_bed_days": [300.0, 300.0],
        }
    )
    return build_panel({"ward_months": wm, "survey_returns": _returns(), "instrument": _table()})


def test_the_panel_columns_equal_the_returns_scored_by_hand():
    p = _panel().set_index("month")
    may, june = p.loc[pd.Timestamp("2024-05-01")], p.loc[pd.Timestamp("2024-06-01")]
    assert may["inst_calm_ward_staff_ward_climate"] == pytest.approx((6 + 2) / 2)
    assert may["inst_calm_ward_staff_ward_climate_n_returns"] == 2
    assert may["inst_rest_less_patient_restlessness_score"] == pytest.approx(30.0)
    assert may["inst_rest_less_staff_restlessness_score"] == pytest.approx(100.0)
    assert "inst_calm_ward_patient_ward_climate" not in p.columns  # calm_ward is for staff
    assert np.isnan(june["inst_calm_ward_staff_ward_climate"])  # no return that month: missing, not zero


def test_each_measure_takes_its_words_range_step_and_direction_from_the_instrument_table():
    found = own.measures_for(_table())
    assert sorted(found) == [
        "inst_calm_ward_staff_ward_climate",
        "inst_rest_less_patient_restlessness_score",
        "inst_rest_less_staff_restlessness_score",
    ]
    calm = found["inst_calm_ward_staff_ward_climate"]
    assert calm.words == "staff-rated ward climate (calm_ward, 1 to 7)"
    assert (calm.per, calm.step, calm.at) == (1.0, "1 point more of 7", (2.5, 4.0, 5.5))
    assert calm.higher_is_better is True and calm.questions == ("q2",) and calm.table == "survey_returns"
    assert set(calm.roles) == {"predictor", "outcome"} and "Higher is better." in calm.about
    rest = found["inst_rest_less_patient_restlessness_score"]
    assert rest.words == "patient-rated restlessness score (Rest Less, 0 to 100)"  # a sum of two 0 to 50 items
    assert (rest.per, rest.step) == (10.0, "10 points more of 100")
    assert rest.higher_is_better is False and "Lower is better." in rest.about
    assert rest.questions == ("q2", "q3", "dose")  # 0 to 100: question 3 reads its steps as it reads co-production


def test_built_in_instruments_redefined_by_the_hospital_are_not_own_measures():
    table = pd.concat([_table(), essences_items().assign(instrument="essences")], ignore_index=True)
    assert not [c for c in own.measures_for(table) if "essences" in c]
    assert own.measures_for(None) == {}


@pytest.mark.parametrize(
    ("span", "step"), [(100, 10), (20, 2), (4, 0.5), (6, 1), (3, 0.5), (30, 5), (1, 0.1), (250, 50), (0, 1)]
)
def test_the_step_is_a_round_tenth_of_the_range(span, step):
    assert own.nice_step(span) == pytest.approx(step)


def test_own_measures_join_the_catalogue_only_inside_using():
    found = own.measures_for(_table())
    assert not [c for c in MEASURES if c.startswith("inst_")]
    with using(found):
        assert "inst_calm_ward_staff_ward_climate" in MEASURES and "tg_meetings" in MEASURES
        assert "inst_calm_ward_staff_ward_climate" in specs.predictors()
        assert "inst_calm_ward_staff_ward_climate" in specs.outcome_measures()
        with using({}):
            assert "inst_calm_ward_staff_ward_climate" not in MEASURES
        assert "inst_calm_ward_staff_ward_climate" in MEASURES
    assert "inst_calm_ward_staff_ward_climate" not in MEASURES


def test_a_spec_names_an_own_score_before_the_data_and_is_checked_against_them():
    spec = specs.normalise({"question": "q2", "predictor": "inst_calm_ward_staff_ward_climate"})
    tables = {"instrument": _table(), "survey_returns": _returns()}
    panel = _panel()
    with pytest.raises(specs.SpecError, match="fits only question 2"):
        specs.fit_panel(panel, tables, {**spec, "question": "q3"})
    with pytest.raises(specs.SpecError, match="inst_calm_ward_staff_typo is not a score of an instrument"):
        specs.fit_panel(panel, tables, {**spec, "predictor": "inst_calm_ward_staff_typo"})
    with pytest.raises(specs.SpecError, match="defines no instrument of its own"):
        specs.fit_panel(panel, {}, spec)
    with pytest.raises(specs.SpecError, match="predictor must be one of"):
        specs.normalise({"question": "q2", "predictor": "calm_ward_staff"})  # only inst_ names wait for the data
