"""Instrument scores as ward-month panel columns (issue 14): each column equals returns scored by hand under the
instrument's rule (reverse keys, pro-rating, a return below the answered-items threshold left out), and every
column is a measure the Model builder and ``fit`` take, with its words, direction and table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel
from analysis.panel.instruments import PANEL_SCORES, ward_month_instrument_scores
from analysis.panel.measures import MEASURES
from analysis.questions import specs

NA = None
ES = [f"ess_{c}{k}" for c in ("th", "pc", "es") for k in range(1, 6)]
SB = [f"sb{k}" for k in range(1, 8)]


def _long(rid: str, ward: str, date: str, who: str, instrument: str, items: list[str], answers: list) -> pd.DataFrame:
    rows = [(rid, ward, date, who, instrument, i, a) for i, a in zip(items, answers) if a is not None]
    return pd.DataFrame(rows, columns=["response_id", "ward_id", "date", "respondent", "instrument", "item", "answer"])


def _returns() -> pd.DataFrame:
    # EssenCES, 0 to 4; ess_es1 to ess_es4 reverse keyed (4 - x), ess_es5 not; a subscale needs 4 of its 5 items.
    ess = [
        # P1: hold 4+3+3+2+4 = 16; cohesion 2+2+3+1+2 = 10; safety (4-1)+(4-0)+(4-2)+(4-1)+3 = 15
        ("P1", "patient", [4, 3, 3, 2, 4] + [2, 2, 3, 1, 2] + [1, 0, 2, 1, 3]),
        # P2: hold 10; cohesion 4 of 5 answered, all 4: pro-rated 4 * 5 = 20; safety 4 of 5: (0+0+4+1) / 4 * 5 = 6.25
        ("P2", "patient", [2, 2, 2, 2, 2] + [4, 4, 4, 4, NA] + [4, 4, NA, 0, 1]),
        # P3: hold 3 of 5 answered: below the threshold, left out; cohesion 5; safety 2+2+2+2+2 = 10
        ("P3", "patient", [3, 3, 3, NA, NA] + [1, 1, 1, 1, 1] + [2, 2, 2, 2, 2]),
        # S1 (staff): hold 5; cohesion 0; safety (4-0) * 4 + 4 = 20
        ("S1", "staff", [1, 1, 1, 1, 1] + [0, 0, 0, 0, 0] + [0, 0, 0, 0, 4]),
    ]
    parts = [_long(r, "W01", "2024-05-09", who, "essences", ES, a) for r, who, a in ess]
    parts.append(_long("P1", "W01", "2024-05-09", "patient", "essences", ["ess_filler1"], [0]))  # fillers never count
    # Staff boundaries, 1 to 5; sb3 and sb6 reverse keyed (6 - x); a return must answer at least half (4 of 7).
    sb = [
        ("B1", "staff", [5, 4, 2, 4, 5, 1, 4]),  # 5+4+4+4+5+5+4 = 31, mean 31/7
        ("B2", "staff", [3, NA, NA, NA, NA, 5, 3]),  # 3 of 7: left out
        ("B3", "staff", [2, 2, 4, NA, NA, NA, 2]),  # 4 of 7: 2+2+2+2, mean 2
        ("B4", "patient", [1] * 7),  # the instrument is for staff: a patient's return is not scored
    ]
    parts += [_long(r, "W02", "2024-06-20", who, "staff_boundaries", SB, a) for r, who, a in sb]
    return pd.concat(parts, ignore_index=True)


def _tables(returns: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    months = pd.to_datetime(["2024-05-01", "2024-06-01"])
    wm = pd.DataFrame(
        {"ward_id": ["W01", "W01", "W02", "W02"], "month": list(months) * 2, "occupied_bed_days": [300.0] * 4}
    )
    tables = {"ward_months": wm}
    if returns is not None:
        tables["survey_returns"] = returns
    return tables


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return build_panel(_tables(_returns())).set_index(["ward_id", "month"])


def test_essences_columns_equal_the_returns_scored_by_hand(panel):
    may = panel.loc[("W01", pd.Timestamp("2024-05-01"))]
    assert may["essences_patient_therapeutic_hold"] == pytest.approx((16 + 10) / 2)  # P3 below the threshold
    assert may["essences_patient_therapeutic_hold_n_returns"] == 2
    assert may["essences_patient_patients_cohesion"] == pytest.approx((10 + 20 + 5) / 3)
    assert may["essences_patient_experienced_safety"] == pytest.approx((15 + 6.25 + 10) / 3)
    assert may["essences_patient_experienced_safety_n_returns"] == 3
    assert may["essences_staff_experienced_safety"] == pytest.approx(20.0)
    assert may["essences_staff_therapeutic_hold"] == pytest.approx(5.0)
    assert may["essences_staff_patients_cohesion"] == pytest.approx(0.0)
    assert may["essences_staff_experienced_safety_n_returns"] == 1


def test_staff_boundaries_column_equals_the_returns_scored_by_hand(panel):
    june = panel.loc[("W02", pd.Timestamp("2024-06-01"))]
    assert june["boundaries_staff_confidence"] == pytest.approx((31 / 7 + 2) / 2)  # B2 left out, B4 a patient
    assert june["boundaries_staff_confidence_n_returns"] == 2


def test_months_without_a_scored_return_are_missing_not_zero(panel):
    assert np.isnan(panel.loc[("W01", pd.Timestamp("2024-06-01")), "essences_patient_experienced_safety"])
    assert np.isnan(panel.loc[("W02", pd.Timestamp("2024-06-01")), "essences_staff_experienced_safety"])
    assert np.isnan(panel.loc[("W01", pd.Timestamp("2024-05-01")), "boundaries_staff_confidence"])


def test_without_survey_returns_the_panel_has_no_instrument_columns():
    plain = build_panel(_tables(None))
    assert not [c for c in plain.columns if c.startswith(("essences_", "boundaries_"))]
    assert ward_month_instrument_scores(None).empty


def test_a_hospital_s_own_keys_replace_the_built_in_ones():
    # the hospital's instrument table keys only ess_es5 as reversed: P1's safety is 1+0+2+1+(4-3) = 5
    from analysis.data.instrument_items import essences_items

    own = essences_items().assign(instrument="essences", respondents="both", scoring="sum", min_share_answered=0.8)
    own["reverse"] = own["item"] == "ess_es5"
    r = _returns()
    got = ward_month_instrument_scores(r[r["response_id"] == "P1"], own)
    assert got["essences_patient_experienced_safety"].tolist() == [5.0]


def test_every_instrument_score_is_a_measure_with_words_direction_and_its_table():
    for p in PANEL_SCORES:
        m = MEASURES[p.column]
        assert m.table == "survey_returns" and set(m.roles) == {"predictor", "outcome"}
        assert m.higher_is_better is True and m.about and m.words == p.words
        assert p.column in specs.DOSE_OUTCOMES and p.column in specs.OUTCOME_MEASURES and p.column in specs.PREDICTORS
    assert MEASURES["essences_patient_experienced_safety"].words == (
        "patient-rated experienced safety (EssenCES, 0 to 20)"
    )
    # question 3 reads every step as 10 points of 0 to 100: an instrument score (per 2 of 20) is refused there
    with pytest.raises(specs.SpecError, match="fits only question 2"):
        specs.normalise({"question": "q3", "predictor": "essences_staff_experienced_safety"})
    assert specs.normalise({"question": "dose", "outcome": "boundaries_staff_confidence", "predictor": "tg_meetings"})


def test_a_spec_naming_an_instrument_score_is_refused_plainly_without_its_returns():
    sample = load_sample()
    tables = {k: v for k, v in sample.tables.items() if k != "survey_returns"}
    panel = build_panel(tables)
    spec = specs.normalise(
        {"question": "dose", "outcome": "essences_patient_experienced_safety", "predictor": "tg_share_resolved"}
    )
    with pytest.raises(specs.SpecError, match="outcome: Patient-rated experienced safety .*the survey_returns table"):
        specs.fit_panel(panel, tables, spec)


def test_the_sample_s_existing_columns_are_unchanged_by_the_instrument_scores():
    sample = load_sample()
    with_scores = build_panel(sample.tables)
    without = build_panel({k: v for k, v in sample.tables.items() if k != "survey_returns"})
    pd.testing.assert_frame_equal(with_scores[list(without.columns)], without)
    assert with_scores["essences_patient_experienced_safety"].notna().sum() == 120  # 12 wards, 10 survey waves
