"""A hospital's own instruments on the Model builder (issue 14's gap): the outcome and predictor lists come from
the data's instrument table, so an instrument the hospital adds appears with its range and direction; question 3
still refuses a score not on 0 to 100; and the command line reproduces the page's numbers from the saved spec.
On the code before, the lists were fixed in code and none of these scores was offered."""

from __future__ import annotations

import json

import pytest
import streamlit

from analysis.cli.main import main
from analysis.data.dataset import load_sample
from analysis.questions import specs
from tests.app.helpers import start, texts
from tests.app.own_instrument_data import CALM, RESTLESS, write_sample_with_own_instruments

CALM_WORDS = "staff-rated ward climate (calm_ward, 1 to 7)"
RESTLESS_WORDS = "patient-rated restlessness (restlessness, 0 to 100)"


@pytest.fixture
def own_sample(monkeypatch, tmp_path):
    folder = write_sample_with_own_instruments(tmp_path / "sample")
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    streamlit.cache_data.clear()
    streamlit.cache_resource.clear()
    yield folder
    streamlit.cache_data.clear()
    streamlit.cache_resource.clear()


def _spec(at) -> dict:
    return json.loads(next(c.value for c in at.code if c.language == "json"))


def _estimates(at):
    return next(d.value for d in at.dataframe if "term" in d.value.columns).set_index("term")


def test_an_own_instrument_is_a_predictor_with_its_range_and_the_command_line_reproduces_it(own_sample, tmp_path):
    at = start(page="model_builder")
    assert not at.exception
    options = list(at.selectbox(key="mb_predictor_q2").options)
    assert CALM_WORDS in options and RESTLESS_WORDS in options
    at.selectbox(key="mb_predictor_q2").set_value(CALM).run()
    assert not at.exception
    spec = _spec(at)
    assert spec["predictor"] == CALM
    (want,) = specs.run_spec(load_sample(own_sample), spec)
    said = texts(at)
    assert want.ok and want.sentence in said
    assert "staff-rated ward climate (calm_ward, 1 to 7) was higher than its own usual level" in want.sentence
    assert "per 1 point more of 7" in want.sentence  # its own step, not 10 points of 0 to 100
    assert f"{CALM_WORDS[0].upper()}{CALM_WORDS[1:]} (predictor): Your hospital's own instrument calm_ward" in said
    assert "Scores run from 1 to 7" in said and "Higher is better." in said
    shown = _estimates(at)
    path = tmp_path / "model_spec.json"
    path.write_text(specs.to_json(spec), encoding="utf-8")
    out = tmp_path / "results.json"
    assert main(["fit", "--spec", str(path), "--data", str(own_sample), "--out", str(out)]) == 0
    (cli,) = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert cli["sentence"] == want.sentence
    for row in cli["estimates"]:
        assert row["estimate"] == pytest.approx(shown.loc[row["term"], "estimate"], abs=1e-12)


def test_question_3_takes_only_the_0_to_100_score_and_the_dose_model_shows_its_direction(own_sample):
    at = start(page="model_builder")
    at.radio(key="mb_question").set_value("q3").run()
    assert not at.exception
    options = list(at.selectbox(key="mb_predictor_q3").options)
    assert RESTLESS_WORDS in options and CALM_WORDS not in options  # 1 to 7 is not 10 points of 0 to 100
    with pytest.raises(specs.SpecError, match="fits only question 2"):
        specs.run_spec(load_sample(own_sample), {"question": "q3", "predictor": CALM})
    at.radio(key="mb_question").set_value("dose").run()
    outcomes = list(at.selectbox(key="mb_dose_outcome").options)
    assert CALM_WORDS in outcomes and RESTLESS_WORDS in outcomes
    at.selectbox(key="mb_dose_outcome").set_value(RESTLESS)
    at.selectbox(key="mb_dose_predictor").set_value("tg_share_resolved")
    at.run()
    assert not at.exception
    spec = _spec(at)
    (want,) = specs.run_spec(load_sample(own_sample), spec)
    said = texts(at)
    assert want.ok and want.sentence in said and RESTLESS_WORDS in want.sentence
    assert "Lower is better." in said  # the direction is the instrument table's, not assumed


@pytest.mark.usefixtures("real_sample")
def test_the_shipped_sample_offers_no_own_instrument():
    at = start(page="model_builder")
    assert not at.exception
    assert not [o for o in at.selectbox(key="mb_predictor_q2").options if "calm_ward" in o]
