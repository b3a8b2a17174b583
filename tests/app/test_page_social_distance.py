"""The Reduced social distance page on the sample hospital: the verdict first and as analysis/ gives it, the
three tensions with their measures, the reliability table, and an honest message without survey data."""

from __future__ import annotations

import shutil

import pytest

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.data.filters import Filters
from analysis.panel.build import build_panel
from analysis.questions.social_distance import model as M
from tests.app.helpers import start, texts

PAGE = "social_distance"


@pytest.fixture(scope="module")
def expected():
    ds = load_sample(SAMPLE_DIR)
    tables = Filters().apply(ds.tables)
    p = build_panel(tables)
    waves = M.wave_table(p, tables["survey_returns"], tables.get("instrument"))
    links = {o: M.closeness_link(waves, o) for o in M.MEASURES if o != M.CLOSENESS}
    assaults = M.assaults_link(p)
    return links, assaults, M.boundary_link(p)


def test_verdict_first_then_the_three_tensions(expected):
    links, assaults, boundary = expected
    at = start(page=PAGE)
    assert not at.exception
    shown = texts(at)
    verdict = M.verdict(
        links["staff_safety"], links["staff_boundaries"], M.assaults_as_link(assaults), M.boundary_as_link(boundary)
    )
    assert verdict.startswith("Where relationships are closer, staff feel less safe")  # the sample's truth
    first = at.markdown[0].value.replace("**", "")
    assert first.startswith(verdict)  # the answer before anything else on the page
    assert "not proof that one causes the other" in shown
    for t in M.TENSIONS:
        assert t["title"] in [h.value.split(". ", 1)[1] for h in at.header if ". " in h.value]
    for outcome in ("staff_safety", "patient_safety", "staff_boundaries", "rsd_gap", "staff_rsd"):
        assert M.link_sentence(links[outcome]) in shown
    assert assaults.sentence_without_caveats in shown
    assert "working, not validated" in shown.lower() or "not validated" in shown


def test_reliability_table_shows_alpha_and_omega():
    at = start(page=PAGE)
    frames = [d.value for d in at.dataframe]
    rel = next(f for f in frames if "Omega" in f.columns)
    assert {"Alpha", "Alpha, 95% low", "Omega, 95% high", "Who answered"} <= set(rel.columns)
    assert set(rel["Instrument"]) == {"essences", "staff_boundaries"}
    assert (rel["Alpha"] > 0.7).all()


def test_without_survey_returns_the_page_says_what_it_needs(monkeypatch, tmp_path):
    import streamlit as st

    folder = tmp_path / "no_coproduction"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "coproduction_responses.csv").unlink()
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = start(page=PAGE)
        assert not at.exception
        assert "no patient-rated reduced social distance" in texts(at)
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
