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
    (folder / "talking_group_sessions.csv").unlink()  # its measures would be predictors without any survey
    (folder / "survey_returns.csv").unlink()  # and so would the EssenCES and staff boundaries scores
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


# ---------------------------------------------------------------- the talking-group session log's measures (issue 14)
def _options(at, key: str) -> list[str]:
    return list(at.selectbox(key=key).options)


@pytest.mark.usefixtures("real_sample")
def test_a_session_log_predictor_gives_what_fit_spec_and_dose_response_give(tmp_path):
    from analysis.cli.main import main
    from analysis.questions.talking_groups.sessions import dose_response

    at = start(page="model_builder")
    assert "share of talking-group items resolved by the next meeting" in _options(at, "mb_predictor_q2")
    at.selectbox(key="mb_predictor_q2").set_value("tg_share_resolved")
    at.number_input(key="mb_lag").set_value(1)
    at.run()
    assert not at.exception
    spec = _spec(at)
    assert spec["predictor"] == "tg_share_resolved" and spec["lag"] == 1
    said = texts(at)
    assert "per 10 points more of the items resolved" in said and "(terms starting tg_share_resolved)" in said
    shown = next(d.value for d in at.dataframe if "rate_ratio" in d.value.columns).set_index("term")
    # the saved spec on the command line gives the page's numbers
    path = tmp_path / "model_spec.json"
    path.write_text(specs.to_json(spec), encoding="utf-8")
    out = tmp_path / "results.json"
    assert main(["fit", "--spec", str(path), "--out", str(out)]) == 0
    (cli,) = json.loads(out.read_text(encoding="utf-8"))["results"]
    for row in cli["estimates"]:
        assert row["estimate"] == pytest.approx(shown.loc[row["term"], "estimate"], abs=1e-12)
        assert row["ci_low"] == pytest.approx(shown.loc[row["term"], "ci_low"], abs=1e-12)
    # and the Talking groups page's dose-response table (same model, same log)
    sample = load_sample()
    dose = dose_response(build_panel(sample.tables), sample.tables["talking_group_sessions"], lag=1).table
    row = dose[(dose["outcome"] == "assaults_on_staff") & (dose["predictor"] == "tg_share_resolved")]
    within = row[row["comparison"] == "within"].iloc[0]
    assert shown.loc["tg_share_resolved_lag1_within", "rate_ratio"] == pytest.approx(within["estimate"], abs=1e-12)
    assert shown.loc["tg_share_resolved_lag1_within", "rr_ci_low"] == pytest.approx(within["ci_low"], abs=1e-12)


def test_without_a_session_log_its_measures_are_not_offered_and_the_page_says_why(app_env, tmp_path, monkeypatch):
    from pathlib import Path

    folder = tmp_path / "no_log"
    shutil.copytree(Path(__file__).resolve().parents[2] / "data" / "sample", folder)
    (folder / "talking_group_sessions.csv").unlink()
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    at = start(page="model_builder")
    assert not at.exception
    assert not [o for o in _options(at, "mb_predictor_q2") if "talking" in o]
    said = texts(at)
    assert "More predictors once a talking-group session log is loaded (the talking_group_sessions table" in said
    assert "items raised per talking group" in said
    at.radio(key="mb_question").set_value("q3").run()
    assert not at.exception and "More predictors once a talking-group session log is loaded" in texts(at)


def test_with_a_session_log_but_no_survey_the_count_model_takes_a_session_measure(app_env, tmp_path, monkeypatch):
    from pathlib import Path

    folder = tmp_path / "log_only"
    shutil.copytree(Path(__file__).resolve().parents[2] / "data" / "sample", folder)
    (folder / "coproduction_responses.csv").unlink()
    (folder / "survey_returns.csv").unlink()  # no survey of any instrument
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    at = start(page="model_builder")
    assert not at.exception
    assert _options(at, "mb_predictor_q2") == [
        "patient attendances at talking groups",
        "staff attendance per talking group",
        "share of talking-group items resolved by the next meeting",
        "items raised per talking group",
        "talking groups held in the month",
    ]
    at.radio(key="mb_question").set_value("q3").run()
    assert not at.exception  # question 3 takes only the measures stepped by 10 points
    assert _options(at, "mb_predictor_q3") == ["share of talking-group items resolved by the next meeting"]
    assert "are per 10 points more of the items resolved" in texts(at)


@pytest.mark.usefixtures("real_sample")
def test_the_dose_model_on_the_page_equals_fit_spec_and_the_talking_groups_table(tmp_path):
    from analysis.cli.main import main
    from analysis.questions.talking_groups.sessions import dose_response

    at = start(page="model_builder")
    at.radio(key="mb_question").set_value("dose").run()
    assert not at.exception
    assert _options(at, "mb_dose_predictor")[0] == "patient attendances at talking groups"
    at.selectbox(key="mb_dose_predictor").set_value("tg_share_resolved").run()
    assert not at.exception
    spec = _spec(at)
    assert (spec["question"], spec["outcome"], spec["predictor"], spec["lag"]) == (
        "dose",
        "coproduction_patient_overall",
        "tg_share_resolved",
        1,
    )
    shown = next(d.value for d in at.dataframe if "term" in d.value.columns).set_index("term")
    sample = load_sample()
    dose = dose_response(build_panel(sample.tables), sample.tables["talking_group_sessions"], lag=1).table
    row = dose[(dose["outcome"] == "coproduction_patient_overall") & (dose["predictor"] == "tg_share_resolved")]
    within = row[row["comparison"] == "within"].iloc[0]
    assert shown.loc["tg_share_resolved_lag1_within", "estimate"] == pytest.approx(within["estimate"], abs=1e-10)
    (expected,) = specs.run_spec(sample, spec)
    assert expected.sentence in texts(at)
    path = tmp_path / "model_spec.json"
    path.write_text(specs.to_json(spec), encoding="utf-8")
    out = tmp_path / "results.json"
    assert main(["fit", "--spec", str(path), "--out", str(out)]) == 0
    (cli,) = json.loads(out.read_text(encoding="utf-8"))["results"]
    for r in cli["estimates"]:
        assert r["estimate"] == pytest.approx(shown.loc[r["term"], "estimate"], abs=1e-12)
