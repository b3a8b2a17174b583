"""Boundary-related incidents as a Model builder outcome (issue 14's gap): on the sample they are question 2's
outcome with the count model's sentence, interval and caveats and a note on what they count; the command line
(from the saved spec and from options alone) reproduces the Reduced social distance page's estimate; a hospital
without the column is told plainly how to get them and is never offered them; a spec naming them there is refused
with the same words."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import streamlit

from analysis.cli.main import main
from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.panel.build import build_panel
from analysis.questions import specs
from analysis.questions.social_distance import model as M
from tests.app.helpers import start, texts

CLOSENESS = "coproduction_patient_reduced_social_distance"


def _spec(at) -> dict:
    return json.loads(next(c.value for c in at.code if c.language == "json"))


def _estimates(at):
    return next(d.value for d in at.dataframe if "term" in d.value.columns).set_index("term")


@pytest.fixture
def sample_without_boundary(monkeypatch, tmp_path):
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, folder)
    wm = pd.read_csv(folder / "ward_months.csv", dtype=str, keep_default_na=False)
    wm.drop(columns=["boundary_incidents"]).to_csv(folder / "ward_months.csv", index=False)
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    streamlit.cache_data.clear()
    streamlit.cache_resource.clear()
    yield folder
    streamlit.cache_data.clear()
    streamlit.cache_resource.clear()


@pytest.mark.usefixtures("real_sample")
def test_boundary_incidents_are_an_outcome_and_the_command_line_gives_the_social_distance_estimate(tmp_path):
    at = start(page="model_builder")
    assert not at.exception
    box = at.selectbox(key="mb_outcome")
    assert "boundary-related incidents" in box.options  # offered, in words
    assert "are not in these data" not in texts(at)
    box.set_value("boundary_incidents")
    at.selectbox(key="mb_predictor_q2").set_value(CLOSENESS)
    at.run()
    assert not at.exception
    spec = _spec(at)
    assert (spec["question"], spec["outcome"], spec["predictor"]) == ("q2", "boundary_incidents", CLOSENESS)
    page = M.boundary_link(build_panel(load_sample().tables))  # the Reduced social distance page's model
    said = texts(at)
    assert page.ok and page.sentence in said  # the sentence, with its interval and its caveats
    assert "95% CI from 3% fewer to 58% more" in page.sentence
    assert "Boundary-related incidents: Counted from the incident category" in said
    assert "reporting as much as practice" in said
    shown = _estimates(at)
    assert shown.loc[f"{CLOSENESS}_within", "rate_ratio"] == pytest.approx(page.headline.estimate, abs=1e-12)
    # the saved spec on the command line
    path = tmp_path / "model_spec.json"
    path.write_text(specs.to_json(spec), encoding="utf-8")
    out = tmp_path / "spec.json"
    assert main(["fit", "--spec", str(path), "--out", str(out)]) == 0
    (cli,) = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert cli["headline"]["estimate"] == pytest.approx(page.headline.estimate, abs=1e-12)
    assert cli["headline"]["ci_low"] == pytest.approx(page.headline.ci_low, abs=1e-12)
    assert cli["headline"]["ci_high"] == pytest.approx(page.headline.ci_high, abs=1e-12)
    assert cli["sentence"] == page.sentence
    # and from options alone, as methods.md's command
    out2 = tmp_path / "options.json"
    assert main(["fit", "q2", "--outcome", "boundary_incidents", "--predictor", CLOSENESS, "--out", str(out2)]) == 0
    (opt,) = json.loads(out2.read_text(encoding="utf-8"))["results"]
    assert opt["headline"]["estimate"] == pytest.approx(1.2352709578633392, abs=1e-9)  # 1.24 (0.97 to 1.58)
    assert (round(opt["headline"]["ci_low"], 2), round(opt["headline"]["ci_high"], 2)) == (0.97, 1.58)


def test_without_the_column_the_builder_says_how_to_get_them_and_fit_refuses(sample_without_boundary, capsys):
    at = start(page="model_builder")
    assert not at.exception
    assert "boundary_incidents" not in at.selectbox(key="mb_outcome").options
    said = texts(at)
    why = specs.missing_count(build_panel(load_sample(sample_without_boundary).tables), "boundary_incidents")
    assert why is not None and why in said
    assert "map the category your incident system uses for them" in why and "Data page" in why
    assert "Boundary-related incidents (boundary_incidents) are not in these data" in why
    # the rest of the page still answers
    assert "Answer" in [h.value for h in at.header]
    # the command line refuses the same spec with the same words, before fitting anything
    code = main(["fit", "q2", "--outcome", "boundary_incidents", "--data", str(sample_without_boundary)])
    assert code == 2
    assert why in capsys.readouterr().err


def test_all_zero_boundary_incidents_are_not_offered_and_say_so():
    panel = build_panel(load_sample().tables)
    zero = panel.assign(boundary_incidents=0)
    assert specs.optional_count_status(zero, "boundary_incidents") == "none"
    why = specs.missing_count(zero, "boundary_incidents")
    assert why.startswith("No boundary-related incidents are recorded") and "nothing to model" in why
    spec = specs.normalise({"question": "q2", "outcome": "boundary_incidents"})
    with pytest.raises(specs.SpecError, match="outcome: No boundary-related incidents"):
        specs.fit_panel(zero, {}, spec)
    assert specs.missing_count(panel, "boundary_incidents") is None
