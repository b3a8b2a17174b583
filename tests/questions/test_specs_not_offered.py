"""`specs.not_offered`: the Model builder's line for each source of measures the data cannot give, each in its own
words. On the code before, the lines were grouped by table alone and worded from the group's FIRST measure, so a
hospital's own instrument with no returns was described as "a survey of EssenCES or the staff boundaries
instrument" (or as if the survey_returns table were not loaded, when it was)."""

from __future__ import annotations

import pandas as pd

from analysis.panel.measures import MEASURES
from analysis.panel.own_instruments import is_own, table_words
from analysis.questions import specs
from tests.app.own_instrument_data import CALM, RESTLESS, instrument_table

CALM_WORDS = "staff-rated ward climate (calm_ward, 1 to 7)"
RESTLESS_WORDS = "patient-rated restlessness (restlessness, 0 to 100)"
ESSENCES_WORDS = "a survey of EssenCES or the staff boundaries instrument"


def _panel(**columns) -> pd.DataFrame:
    base = {"ward_id": ["W01", "W02"], "month": pd.to_datetime(["2024-01-01", "2024-01-01"])}
    return pd.DataFrame({**base, **columns})


def _survey_columns() -> list[str]:
    return [c for c, m in MEASURES.items() if m.table == "survey_returns"]


def test_each_own_instrument_with_no_returns_has_its_own_line_in_its_own_words():
    with specs.data_measures({"instrument": instrument_table()}):
        lines = specs.not_offered(_panel(), _survey_columns())
    essences = [x for x in lines if ESSENCES_WORDS in x]
    calm = [x for x in lines if CALM_WORDS in x]
    restless = [x for x in lines if RESTLESS_WORDS in x]
    assert len(lines) == 3 and len(essences) == len(calm) == len(restless) == 1
    assert calm != essences and restless != essences and calm != restless  # never under another source's words
    assert calm[0] == (
        "Your hospital's own survey instrument calm_ward has no returns for the wards and months chosen, so "
        f"{CALM_WORDS} cannot be chosen (its returns go in the survey_returns table, on the Data page)."
    )
    assert restless[0].startswith("Your hospital's own survey instrument restlessness has no returns")
    assert essences[0].startswith(f"More predictors once {ESSENCES_WORDS} is loaded (the survey_returns table")
    assert "calm_ward" not in essences[0] and "restlessness" not in essences[0]


def test_an_instrument_with_returns_gets_no_line_and_the_other_keeps_its_own_words():
    with specs.data_measures({"instrument": instrument_table()}):
        given = {c: [5.0, 60.0] for c in _survey_columns() if not is_own(c)}
        lines = specs.not_offered(_panel(**given, **{RESTLESS: [40.0, None]}), _survey_columns())
        assert MEASURES[CALM].table_words == table_words("calm_ward")
    assert lines == [
        "Your hospital's own survey instrument calm_ward has no returns for the wards and months chosen, so "
        f"{CALM_WORDS} cannot be chosen (its returns go in the survey_returns table, on the Data page)."
    ]


def test_a_built_in_table_not_loaded_keeps_its_line():
    sessions = [c for c, m in MEASURES.items() if m.table == "talking_group_sessions"]
    (line,) = specs.not_offered(_panel(), sessions)
    assert line.startswith("More predictors once a talking-group session log is loaded (the talking_group_sessions")
    assert specs.not_offered(_panel(), sessions, what="outcomes")[0].startswith("More outcomes once")
