"""A hospital's own instrument that its instrument table defines but no survey return scores: the Model builder
leaves it out of the lists and says so in its own words. On the code before, the "more predictors" line was worded
from the first measure of the survey_returns table, so the instrument was described as "a survey of EssenCES or the
staff boundaries instrument" (with no survey returns at all) or as if the survey_returns table were not loaded
(when it was, with the other instruments' returns)."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit

from tests.app.helpers import start
from tests.app.own_instrument_data import write_sample_with_own_instruments

CALM_WORDS = "staff-rated ward climate (calm_ward, 1 to 7)"
RESTLESS_WORDS = "patient-rated restlessness (restlessness, 0 to 100)"
CALM_LINE = (
    "Your hospital's own survey instrument calm_ward has no returns for the wards and months chosen, so "
    f"{CALM_WORDS} cannot be chosen (its returns go in the survey_returns table, on the Data page)."
)


def _sample(monkeypatch, tmp_path, keep) -> None:
    folder = write_sample_with_own_instruments(tmp_path / "sample")
    returns = pd.read_csv(folder / "survey_returns.csv", dtype=str, keep_default_na=False)
    returns[returns["instrument"].map(keep)].to_csv(folder / "survey_returns.csv", index=False)
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    streamlit.cache_data.clear()
    streamlit.cache_resource.clear()


@pytest.fixture(autouse=True)
def _clear_after():
    yield
    streamlit.cache_data.clear()
    streamlit.cache_resource.clear()


def _captions(at) -> list[str]:
    return [str(c.value) for c in at.caption]


def test_an_own_instrument_without_returns_is_left_out_and_said_so_in_its_own_words(monkeypatch, tmp_path):
    _sample(monkeypatch, tmp_path, lambda name: name != "calm_ward")  # the other instruments keep their returns
    at = start(page="model_builder")
    assert not at.exception
    options = list(at.selectbox(key="mb_predictor_q2").options)
    assert RESTLESS_WORDS in options and CALM_WORDS not in options
    captions = _captions(at)
    assert CALM_LINE in captions
    assert not [c for c in captions if c.startswith("More predictors once") and "calm_ward" in c]
    assert not [c for c in captions if RESTLESS_WORDS in c]  # the instrument with returns has no line


def test_with_no_survey_returns_each_instrument_keeps_its_own_words(monkeypatch, tmp_path):
    _sample(monkeypatch, tmp_path, lambda name: False)
    at = start(page="model_builder")
    assert not at.exception
    captions = _captions(at)
    essences = [c for c in captions if "a survey of EssenCES or the staff boundaries instrument" in c]
    assert len(essences) == 1 and "calm_ward" not in essences[0] and "restlessness" not in essences[0]
    assert CALM_LINE in captions
    assert [c for c in captions if c.startswith("Your hospital's own survey instrument restlessness has no returns")]
