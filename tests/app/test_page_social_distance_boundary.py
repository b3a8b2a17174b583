"""Boundary-related incidents on the Reduced social distance page: on the sample, the verdict asks whether they
rise and the second tension gives the count model's answer in plain words; a hospital without the column is told
plainly that they are missing and how to get them (map a category on the Data page), and nothing else breaks."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import streamlit

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.panel.build import build_panel
from analysis.questions.social_distance import model as M
from tests.app.helpers import start, texts

PAGE = "social_distance"


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


def test_the_sample_answers_whether_boundary_incidents_rise():
    at = start(page=PAGE)
    assert not at.exception
    shown = texts(at)
    assert "boundary-related incidents" in at.markdown[0].value  # in the verdict, first
    result = M.boundary_link(build_panel(load_sample(SAMPLE_DIR).tables))
    line = next(m.value for m in at.markdown if m.value.startswith("**Boundary-related incidents per 1,000"))
    assert "boundary incidents per 10-point rise" in line and "could be anywhere from" in line
    assert "p =" not in line  # the p-value and the between-ward comparison are for researchers
    assert M.boundary_sentence(result) in shown  # in full, in the researchers' section
    assert M.BOUNDARY_MISSING not in shown


def test_without_boundary_incidents_the_page_says_how_to_get_them(sample_without_boundary):
    at = start(page=PAGE)
    assert not at.exception
    assert M.BOUNDARY_MISSING in [i.value for i in at.info]
    assert "boundary-related incidents" not in at.markdown[0].value  # the verdict does not guess
    shown = texts(at)
    assert "Data page" in M.BOUNDARY_MISSING and "Assaults on staff" in shown  # the rest still answers
    assert not any(m.value.startswith("**Boundary-related incidents per 1,000") for m in at.markdown)
