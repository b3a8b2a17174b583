"""The Reduced social distance page under hostile views (issue 14 attack): the sample without survey_returns,
one ward, a period with no returns at all, and a viewer (no downloads). Each page explains, never crashes."""

from __future__ import annotations

import shutil

import pytest

from analysis.data.dataset import SAMPLE_DIR
from tests.app.helpers import start, texts

PAGE = "social_distance"


@pytest.fixture
def sample_copy(monkeypatch, tmp_path):
    import streamlit as st

    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, folder)
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield folder
    st.cache_data.clear()
    st.cache_resource.clear()


def test_without_survey_returns_the_page_explains_the_staff_side_is_missing(sample_copy):
    (sample_copy / "survey_returns.csv").unlink()
    at = start(page=PAGE)
    assert not at.exception, at.exception
    shown = texts(at)
    assert "No EssenCES or staff boundaries returns are in view." in shown
    assert "survey_returns" in shown  # says which table would bring the staff side
    assert "(essences, 0 to 20)" not in shown  # the instrument's name keeps its capitals inside a sentence
    assert not [d for d in at.dataframe if not len(d.value)]  # no empty chart with an empty table to download


def test_one_ward_explains_rather_than_fits(sample_copy):
    at = start(query_params={"ward": "W03"}, page=PAGE)
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Not enough data to say" in shown and "1 ward and" in shown


def test_a_period_with_no_staff_side_returns(sample_copy):
    """The sample's EssenCES and boundaries returns start in May 2021: April 2021 alone has none."""
    at = start(query_params={"from": "2021-04", "to": "2021-04"}, page=PAGE)
    assert not at.exception, at.exception
    shown = texts(at)
    assert "No EssenCES or staff boundaries returns are in view" in shown and "survey_returns" in shown
    assert not [d for d in at.dataframe if not len(d.value)]


def test_a_viewer_gets_no_downloads(sample_copy, monkeypatch):
    from ui import auth

    viewer = auth.Identity(who="viewer@example.org", name="Viewer", role="viewer", signed_in=True)
    monkeypatch.setattr(auth, "current", lambda: viewer)
    at = start(page=PAGE)
    assert not at.exception, at.exception
    assert not at.get("download_button")
