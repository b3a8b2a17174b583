"""`python -m analysis social-distance`: the Reduced social distance page's verdict, measures and the
instruments' reliability, reproduced from the command line."""

from __future__ import annotations

import json

import pytest

from analysis.cli.main import main
from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel
from analysis.questions.social_distance import model as M


def test_json_matches_the_page(capsys):
    assert main(["social-distance", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    data = load_sample()
    panel = build_panel(data.tables)
    waves = M.wave_table(panel, data.tables["survey_returns"], data.tables.get("instrument"))
    safety = M.closeness_link(waves, "staff_safety")
    assert doc["measures"]["staff_safety"]["sentence"] == M.link_sentence(safety)
    assert doc["measures"]["staff_safety"]["estimate_per_10_points"] == pytest.approx(safety.estimate)
    assert doc["verdict"].startswith("Where relationships are closer, staff feel less safe")
    rel = {(r["instrument"], r["subscale"], r["respondent"]): r for r in doc["reliability"]}
    assert ("essences", "experienced_safety", "all") in rel  # patients and staff answer the same items
    assert ("staff_boundaries", "professional_boundaries", "patient") not in rel  # a staff-only instrument
    r = rel[("essences", "experienced_safety", "staff")]
    assert r["alpha_low"] < r["alpha"] < r["alpha_high"] and r["omega_low"] < r["omega"] < r["omega_high"]


def test_text_reliability_only(capsys):
    assert main(["social-distance", "--reliability-only"]) == 0
    out = capsys.readouterr().out
    assert "Reliability (alpha: Feldt 95% interval; omega: one-factor ML, bootstrap 95% interval)" in out
    assert "staff_boundaries / professional_boundaries / staff: alpha" in out
    assert "Where relationships are closer" not in out
