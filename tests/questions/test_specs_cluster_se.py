"""The model spec's `cluster_se`: question 2's small-sample errors, saved and read back, checked, and honoured by
`run_spec` and `python -m analysis fit` (flag and spec file)."""

from __future__ import annotations

import json

import pytest

from analysis.data.dataset import load_sample
from analysis.questions.specs import CLUSTER_SE_CHOICES, DEFAULTS, SpecError, normalise, parse_spec, run_spec, to_json


@pytest.fixture(scope="module")
def sample():
    return load_sample()


@pytest.fixture(scope="module")
def q2_by_choice(sample):
    return {c: run_spec(sample, {"question": "q2", "cluster_se": c})[0] for c in CLUSTER_SE_CHOICES}


def test_the_default_is_auto_and_is_saved():
    assert DEFAULTS["cluster_se"] == "auto"
    assert json.loads(to_json({"question": "q2"}))["cluster_se"] == "auto"


@pytest.mark.parametrize("choice", list(CLUSTER_SE_CHOICES))
def test_every_choice_round_trips(choice):
    spec = normalise({"question": "q2", "cluster_se": choice, "filters": {"wards": ["W01", "W02"]}})
    assert parse_spec(to_json(spec)) == spec
    assert json.loads(to_json(spec))["cluster_se"] == choice


def test_a_spec_saved_before_the_field_reads_as_auto():
    old = {"version": 1, "question": "q2", "outcome": "assaults_on_staff"}
    assert parse_spec(json.dumps(old))["cluster_se"] == "auto"


@pytest.mark.parametrize("bad", ["CR2", "none", "hc1", None, 2])
def test_an_unknown_choice_is_refused_by_name(bad):
    with pytest.raises(SpecError, match="cluster_se must be one of auto, cr2_satterthwaite, cr1"):
        normalise({"question": "q2", "cluster_se": bad})


@pytest.mark.parametrize("question", ["q1", "q3", "talking-groups"])
def test_other_questions_take_only_auto(question):
    assert normalise({"question": question, "outcome": "coproduction_patient_overall"})["cluster_se"] == "auto"
    with pytest.raises(SpecError, match="cluster_se applies to question 2"):
        normalise({"question": question, "outcome": "coproduction_patient_overall", "cluster_se": "cr1"})


def test_run_spec_uses_the_choice(q2_by_choice):
    auto, cr2, cr1 = (q2_by_choice[c] for c in ("auto", "cr2_satterthwaite", "cr1"))
    assert "CR2" in auto.method and "Satterthwaite" in auto.method  # 12 wards: auto is CR2
    assert "CR2" in cr2.method and (cr2.headline.ci_low, cr2.headline.ci_high) == (
        auto.headline.ci_low,
        auto.headline.ci_high,
    )
    assert "CR1" in cr1.method and "t(11)" in cr1.method
    assert cr1.headline.ci_low != pytest.approx(auto.headline.ci_low, rel=1e-4)
    within = cr1.estimates.set_index("term")["df"]
    assert (within.dropna() == 11).all()


def test_the_fit_command_honours_the_flag_and_the_spec(tmp_path, capsys, monkeypatch, q2_by_choice):
    from analysis.cli.main import main

    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")

    def fit(*args) -> dict:
        assert main(["fit", *args]) == 0
        return json.loads(capsys.readouterr().out)

    flagged = fit("q2", "--cluster-se", "cr1")
    assert flagged["spec"]["cluster_se"] == "cr1" and "CR1" in flagged["results"][0]["method"]
    default = fit("q2")
    assert default["spec"]["cluster_se"] == "auto" and "CR2" in default["results"][0]["method"]
    spec_file = tmp_path / "model_spec.json"
    spec_file.write_text(to_json({"question": "q2", "cluster_se": "cr1"}), encoding="utf-8")
    from_spec = fit("--spec", str(spec_file))
    assert from_spec["spec"]["cluster_se"] == "cr1" and from_spec["results"][0]["method"] == q2_by_choice["cr1"].method
    overridden = fit("--spec", str(spec_file), "--cluster-se", "cr2_satterthwaite")
    assert "CR2" in overridden["results"][0]["method"]
    with pytest.raises(SystemExit):
        main(["fit", "q2", "--cluster-se", "none"])
