"""Model builder page: its answer agrees with analysis/, each choice re-runs cleanly, missing data is said plainly."""

from __future__ import annotations

import json
import shutil

import pytest

from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel
from analysis.questions import specs
from analysis.stats.counts import fit_counts
from tests.app.helpers import start, texts


def _spec(at) -> dict:
    return json.loads(next(c.value for c in at.code if c.language == "json"))


@pytest.mark.usefixtures("real_sample")
def test_page_answers_q2_like_the_analysis_and_reacts_to_each_choice():
    at = start(page="model_builder")
    assert not at.exception
    panel = build_panel(load_sample().tables)
    want = fit_counts(panel, outcome="assaults_on_staff", predictor="coproduction_patient_overall")
    shown = texts(at)
    assert want.sentence in shown
    assert _spec(at)["question"] == "q2" and _spec(at)["filters"]["wards"] == []
    assert any(c.value == want.formula for c in at.code)

    # each main choice re-runs cleanly and changes the spec and the answer
    before = want.sentence
    at.selectbox(key="mb_outcome").set_value("restraints").run()
    assert not at.exception and _spec(at)["outcome"] == "restraints"
    want2 = fit_counts(panel, outcome="restraints", predictor="coproduction_patient_overall")
    assert want2.sentence in texts(at) and before not in texts(at)
    at.selectbox(key="mb_errors").set_value("fixed_effects")
    at.number_input(key="mb_lag").set_value(2)
    at.run()
    assert not at.exception
    spec = _spec(at)
    assert spec["errors"] == "fixed_effects" and spec["lag"] == 2
    (expected,) = specs.run_spec(load_sample(), spec)
    assert expected.sentence in texts(at)


@pytest.mark.usefixtures("real_sample")
def test_q3_and_talking_groups_choices():
    at = start(page="model_builder")
    at.radio(key="mb_question").set_value("q3").run()
    assert not at.exception
    at.selectbox(key="mb_measure").set_value("QPR-15")
    at.selectbox(key="mb_weights").set_value("n_patients")
    at.run()
    spec = _spec(at)
    assert spec["question"] == "q3" and spec["measure"] == "QPR-15" and spec["weights"] == "n_patients"
    (expected,) = specs.run_spec(load_sample(), spec)
    assert expected.sentence in texts(at)
    at.radio(key="mb_question").set_value("talking-groups").run()
    at.selectbox(key="mb_tg_outcome").set_value("coproduction_patient_overall").run()
    assert not at.exception
    spec = _spec(at)
    assert spec["kind"] == "linear" and spec["outcome"] == "coproduction_patient_overall"
    (expected,) = specs.run_spec(load_sample(), spec)
    assert expected.sentence in texts(at)


def test_without_survey_returns_the_page_says_what_it_needs(app_env, tmp_path, monkeypatch):
    from pathlib import Path

    folder = tmp_path / "no_surveys"
    shutil.copytree(Path(__file__).resolve().parents[2] / "data" / "sample", folder)
    (folder / "coproduction_responses.csv").unlink()
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    at = start(page="model_builder")
    assert not at.exception
    assert "Not enough data to answer this" in texts(at)
    assert "co-production survey returns" in texts(at)
    assert not [c for c in at.code if c.language == "json"]


@pytest.mark.usefixtures("real_sample")
def test_the_fitted_table_says_its_co_production_rows_are_per_10_points():
    at = start(page="model_builder")
    assert not at.exception
    headers = [h.value for h in at.header]
    assert "Fitted table (co-production per 10 points)" in headers
    said = texts(at)
    assert "(terms starting coproduction_patient_overall) are per 10-point rise in the score" in said
    at.radio(key="mb_question").set_value("q3").run()
    assert not at.exception and "Fitted table (co-production per 10 points)" in [h.value for h in at.header]
    at.radio(key="mb_question").set_value("talking-groups").run()
    assert not at.exception
    headers = [h.value for h in at.header]
    assert "Fitted table" in headers and not any("per 10 points" in h for h in headers)  # no score to be per
