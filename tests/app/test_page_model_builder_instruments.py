"""Model builder with the instruments' scores (issue 14): an EssenCES or staff boundaries score chosen as an outcome
gives a sentence, says how it is scored and which way is better, and the command line reproduces the page's numbers
(from the saved spec and from options alone)."""

from __future__ import annotations

import json

import pytest

from analysis.cli.main import main
from analysis.data.dataset import load_sample
from analysis.questions import specs
from tests.app.helpers import start, texts

OUTCOME = "essences_patient_experienced_safety"


def _spec(at) -> dict:
    return json.loads(next(c.value for c in at.code if c.language == "json"))


def _estimates(at):
    return next(d.value for d in at.dataframe if "term" in d.value.columns).set_index("term")


@pytest.mark.usefixtures("real_sample")
def test_an_instrument_outcome_in_the_dose_model_gives_a_sentence_the_command_line_reproduces(tmp_path):
    at = start(page="model_builder")
    at.radio(key="mb_question").set_value("dose").run()
    assert not at.exception
    outcomes = list(at.selectbox(key="mb_dose_outcome").options)
    assert "patient-rated experienced safety (EssenCES, 0 to 20)" in outcomes
    assert "staff confidence with professional boundaries (working instrument, 1 to 5)" in outcomes
    at.selectbox(key="mb_dose_outcome").set_value(OUTCOME)
    at.selectbox(key="mb_dose_predictor").set_value("tg_share_resolved")
    at.run()
    assert not at.exception
    spec = _spec(at)
    assert (spec["question"], spec["outcome"], spec["predictor"], spec["lag"]) == (
        "dose",
        OUTCOME,
        "tg_share_resolved",
        1,
    )
    (want,) = specs.run_spec(load_sample(), spec)
    said = texts(at)
    assert want.ok and want.sentence in said
    assert "came before patient-rated experienced safety (EssenCES, 0 to 20)" in want.sentence
    assert "Patient-rated experienced safety (EssenCES, 0 to 20) (outcome): Each EssenCES return's subscale" in said
    assert "Higher is better." in said
    shown = _estimates(at)
    # the saved spec on the command line
    path = tmp_path / "model_spec.json"
    path.write_text(specs.to_json(spec), encoding="utf-8")
    out = tmp_path / "results.json"
    assert main(["fit", "--spec", str(path), "--out", str(out)]) == 0
    (cli,) = json.loads(out.read_text(encoding="utf-8"))["results"]
    for row in cli["estimates"]:
        assert row["estimate"] == pytest.approx(shown.loc[row["term"], "estimate"], abs=1e-12)
    # and the same model from the command line's options, without a spec file
    out2 = tmp_path / "options.json"
    args = ["fit", "dose", "--outcome", OUTCOME, "--predictor", "tg_share_resolved", "--lag", "1", "--out", str(out2)]
    assert main(args) == 0
    (opt,) = json.loads(out2.read_text(encoding="utf-8"))["results"]
    assert opt["headline"]["estimate"] == pytest.approx(want.headline.estimate, abs=1e-12)
    assert opt["headline"]["estimate"] == pytest.approx(
        shown.loc["tg_share_resolved_lag1_within", "estimate"], abs=1e-12
    )


@pytest.mark.usefixtures("real_sample")
def test_an_instrument_score_as_the_count_model_s_predictor_and_the_talking_groups_outcome():
    at = start(page="model_builder")
    options = list(at.selectbox(key="mb_predictor_q2").options)
    assert "staff-rated experienced safety (EssenCES, 0 to 20)" in options
    at.selectbox(key="mb_predictor_q2").set_value("essences_staff_experienced_safety").run()
    assert not at.exception
    spec = _spec(at)
    (want,) = specs.run_spec(load_sample(), spec)
    said = texts(at)
    assert want.sentence in said and "per 2 points more of 20" in said
    at.radio(key="mb_question").set_value("talking-groups").run()
    at.selectbox(key="mb_tg_outcome").set_value("boundaries_staff_confidence").run()
    assert not at.exception
    spec = _spec(at)
    assert spec["kind"] == "linear" and spec["outcome"] == "boundaries_staff_confidence"
    (want,) = specs.run_spec(load_sample(), spec)
    assert want.sentence in texts(at) and "staff confidence with professional boundaries" in want.sentence
