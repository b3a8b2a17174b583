"""`python -m analysis fit dose`: the dose model without a spec file, and --predictor's help made from the measures
(`analysis.panel.measures.MEASURES`), not from a hand list."""

from __future__ import annotations

import json

import pytest

from analysis.cli import main as cli_main
from analysis.data.dataset import load_sample
from analysis.panel.measures import MEASURES, Measure
from analysis.questions import specs
from tests.cli.test_main import cli


def test_fit_dose_without_a_spec_gives_the_spec_s_numbers():
    got = cli("fit", "dose", "--predictor", "tg_share_resolved", "--lag", "1")
    assert got.returncode == 0, got.stderr
    doc = json.loads(got.stdout)
    assert doc["spec"]["question"] == "dose" and doc["spec"]["outcome"] == "coproduction_patient_overall"
    (want,) = specs.run_spec(
        load_sample(),
        {"question": "dose", "outcome": "coproduction_patient_overall", "predictor": "tg_share_resolved", "lag": 1},
    )
    (res,) = doc["results"]
    assert res["question"] == "dose" and res["headline"]["estimate"] == pytest.approx(want.headline.estimate, abs=1e-9)


def test_fit_dose_without_a_predictor_names_the_measures_it_takes():
    got = cli("fit", "dose")
    assert got.returncode == 2 and "Traceback" not in got.stderr
    assert got.stderr.startswith("Model spec problem: the dose model needs --predictor")
    for column, m in MEASURES.items():
        assert (column in got.stderr) == ("dose" in m.questions and "predictor" in m.roles)


def test_the_other_questions_keep_their_defaults():
    args = cli_main.build_parser().parse_args(["fit", "q2"])
    cli_main._fit_defaults(args)
    assert (args.outcome, args.predictor) == ("assaults_on_staff", "coproduction_patient_overall")
    args = cli_main.build_parser().parse_args(["fit", "dose", "--predictor", "tg_items_per_meeting"])
    cli_main._fit_defaults(args)
    assert (args.outcome, args.predictor) == ("coproduction_patient_overall", "tg_items_per_meeting")


def test_predictor_help_lists_every_measure_and_a_new_one_by_itself(monkeypatch):
    text = cli_main._predictor_help()
    for column, m in MEASURES.items():
        assert f"{column} ({m.words}; {', '.join(m.questions)})" in text
    assert "from a talking-group session log:" in text
    extra = Measure("sd_score", "social distance score", "survey_returns", "a survey of social distance", "10 points")
    monkeypatch.setitem(MEASURES, "sd_score", extra)
    assert (
        "from a survey of social distance: sd_score (social distance score; q2, q3, dose)" in cli_main._predictor_help()
    )
    outcome_only = Measure("x_out", "an outcome", "t", "a table", "1 more", roles=("outcome",))
    monkeypatch.setitem(MEASURES, "x_out", outcome_only)
    assert "x_out" not in cli_main._predictor_help()  # not a predictor
