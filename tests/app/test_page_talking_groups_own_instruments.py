"""A hospital's own instruments on the Talking groups page: offered as outcomes beside co-production and the
recovery measures, in the instrument table's words and direction (read as the Model builder reads them,
`analysis.questions.specs.data_measures`); the before-and-after shown for one is the Model builder's and the ``fit``
command's; and an instrument with no returns is left out with a plain line in its own words. On the code before,
the page offered none of them."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit

from analysis.data.dataset import load_sample
from analysis.questions import specs
from analysis.questions.talking_groups import view as V
from tests.app.helpers import start, texts
from tests.app.own_instrument_data import CALM, RESTLESS, write_sample_with_own_instruments

CALM_LABEL = "Your instrument: staff-rated ward climate (calm_ward, 1 to 7) (higher is better)"
RESTLESS_LABEL = "Your instrument: patient-rated restlessness (restlessness, 0 to 100) (lower is better)"


def _sample(monkeypatch, tmp_path, keep=lambda name: True):
    folder = write_sample_with_own_instruments(tmp_path / "sample")
    returns = pd.read_csv(folder / "survey_returns.csv", dtype=str, keep_default_na=False)
    returns[returns["instrument"].map(keep)].to_csv(folder / "survey_returns.csv", index=False)
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    streamlit.cache_data.clear()
    streamlit.cache_resource.clear()
    return folder


@pytest.fixture(autouse=True)
def _clear_after():
    yield
    streamlit.cache_data.clear()
    streamlit.cache_resource.clear()


def test_an_own_instrument_can_be_chosen_and_its_before_and_after_is_the_model_builders(monkeypatch, tmp_path):
    folder = _sample(monkeypatch, tmp_path)
    at = start(page="talking_groups")
    assert not at.exception
    options = list(at.selectbox(key="tg_outcome").options)
    assert options[0] == "Patient-rated co-production (overall)"  # the primary outcome still leads
    assert options[-2:] == [CALM_LABEL, RESTLESS_LABEL]  # after the standard measures, the table's direction
    at.selectbox(key="tg_outcome").set_value(CALM_LABEL).run()
    assert not at.exception
    said = texts(at)
    (want,) = specs.run_spec(load_sample(folder), {"question": "talking-groups", "outcome": CALM, "kind": "linear"})
    assert want.ok and want.sentence in said  # the same pooled before-and-after as the Model builder and `fit`
    assert "staff-rated ward climate (calm_ward, 1 to 7) changed by" in want.sentence
    assert "Staff-rated ward climate (calm_ward, 1 to 7) 0.1 points higher (better) once a ward started" in said
    ward = at.selectbox(key="tg_ward").value
    assert "staff-rated ward climate (calm_ward, 1 to 7) changed by" in said.split(f"on ward {ward}")[-1]


def test_an_own_instrument_without_returns_is_left_out_in_its_own_words(monkeypatch, tmp_path):
    _sample(monkeypatch, tmp_path, keep=lambda name: name != "calm_ward")
    at = start(page="talking_groups")
    assert not at.exception
    options = list(at.selectbox(key="tg_outcome").options)
    assert RESTLESS_LABEL in options and CALM_LABEL not in options
    assert (
        "Your hospital's own survey instrument calm_ward has no returns for the wards and months chosen, so "
        "staff-rated ward climate (calm_ward, 1 to 7) cannot be chosen (its returns go in the survey_returns "
        "table, on the Data page)."
    ) in [str(c.value) for c in at.caption]


def test_the_words_and_direction_come_from_the_instrument_table(tmp_path):
    tables = load_sample(write_sample_with_own_instruments(tmp_path / "sample")).tables
    with specs.data_measures(tables):
        assert V.outcome_noun(CALM) == "staff-rated ward climate (calm_ward, 1 to 7)"
        assert (V.outcome_better(CALM), V.outcome_better(RESTLESS)) == ("higher", "lower")
        choices = V.outcome_choices([CALM, RESTLESS], own=[CALM, RESTLESS])
    assert choices[CALM_LABEL] == (CALM, "linear", "Staff-rated ward climate (calm_ward, 1 to 7)")
    assert V.outcome_better(CALM) is None  # outside the context no hospital's instrument is known
