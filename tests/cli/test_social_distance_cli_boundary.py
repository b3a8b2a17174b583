"""`python -m analysis social-distance` gives the boundary-related incidents' count model as the page does (the
sentence, the within- and between-ward rate ratios per 10 points with their intervals), and without the column
says how to get it."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from analysis.cli.main import main
from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.panel.build import build_panel
from analysis.questions.social_distance import model as M


def test_json_and_text_give_the_boundary_model(capsys):
    result = M.boundary_link(build_panel(load_sample().tables))
    assert main(["social-distance", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)["boundary_incidents"]
    assert doc["status"] == "ok" and doc["sentence"] == result.sentence
    within = doc["rate_ratio_per_10_points_within_ward"]
    assert within["estimate"] == pytest.approx(result.headline.estimate)
    assert within["ci_low"] == pytest.approx(result.headline.ci_low) and within["ci_high"] > within["estimate"]
    assert doc["rate_ratio_per_10_points_between_wards"]["ci_low"] > 1
    assert doc["n_wards"] == 12
    assert main(["social-distance"]) == 0
    out = capsys.readouterr().out
    assert f"- Boundary-related incidents: {result.sentence}" in out
    assert "boundary-related incidents" in out.splitlines()[0]  # in the verdict


def test_without_the_column_it_says_how_to_get_it(capsys, tmp_path):
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, folder)
    wm = pd.read_csv(folder / "ward_months.csv", dtype=str, keep_default_na=False)
    wm.drop(columns=["boundary_incidents"]).to_csv(folder / "ward_months.csv", index=False)
    assert main(["social-distance", "--data", str(folder), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["boundary_incidents"] == {"status": "missing", "sentence": M.BOUNDARY_MISSING}
    assert "boundary-related incidents" not in doc["verdict"]
